/**
 * append returns a new array of exactly `list.length + 1` elements: push() and spread reserve room
 * for more, which a sidecar holding many small runs pays for many times over.
 */
export function append<T>(list: readonly T[], item: T): T[] {
  if (list.length === 0) return [item];
  const out = new Array<T>(list.length + 1);
  for (let i = 0; i < list.length; i++) out[i] = list[i] as T;
  out[list.length] = item;
  return out;
}

/** without returns a new array of `list` without `item`, exactly sized (see append). */
export function without<T>(list: readonly T[], item: T): T[] {
  const i = list.indexOf(item);
  if (i < 0) return list.slice();
  const out = new Array<T>(list.length - 1);
  for (let j = 0, k = 0; j < list.length; j++) if (j !== i) out[k++] = list[j] as T;
  return out;
}

/**
 * SmallMap is the part of Map's interface the run model uses, over two parallel arrays. A run
 * has a handful of phases and a phase attempt a handful of steps; a Map reserves a hash table for
 * each (a couple of hundred bytes), and a sidecar holds every active run. Lookups are linear,
 * which for a handful of keys is as fast as hashing. Keys keep insertion order, as Map's do.
 */
export class SmallMap<V> implements Iterable<[string, V]> {
  #keys: string[] = [];
  #values: V[] = [];

  get size(): number {
    return this.#keys.length;
  }

  get(key: string): V | undefined {
    const i = this.#keys.indexOf(key);
    return i < 0 ? undefined : this.#values[i];
  }

  has(key: string): boolean {
    return this.#keys.includes(key);
  }

  set(key: string, value: V): this {
    const i = this.#keys.indexOf(key);
    if (i >= 0) {
      this.#values[i] = value;
      return this;
    }
    this.#keys = append(this.#keys, key);
    this.#values = append(this.#values, value);
    return this;
  }

  keys(): IterableIterator<string> {
    return this.#keys.values();
  }

  values(): IterableIterator<V> {
    return this.#values.values();
  }

  *[Symbol.iterator](): Iterator<[string, V]> {
    for (let i = 0; i < this.#keys.length; i++) yield [this.#keys[i] as string, this.#values[i] as V];
  }

  /** toJSON makes a SmallMap compare and print like the pairs it holds. */
  toJSON(): [string, V][] {
    return [...this];
  }
}
