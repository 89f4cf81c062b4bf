/**
 * LabelIndex is the sample store's inverted index: for every label name and value, the set of
 * series carrying that pair (Prometheus' postings). A selector with an equality matcher then
 * reads only the series of its rarest pair instead of every series of the metric.
 *
 * Postings are insertion-ordered Sets and every series is added to all of its sets when it is
 * created, so any one posting set lists its series in creation order: the order the store
 * answers in does not depend on which set it read.
 */
import type { Labels } from '../rules/types.ts';

/** LabelIndex maps label name → value → the items carrying that label pair. */
export class LabelIndex<T> {
  readonly #byName = new Map<string, Map<string, Set<T>>>();

  /** add indexes `item` under every pair of `labels` (empty values are never stored). */
  add(labels: Labels, item: T): void {
    for (const name in labels) {
      const value = labels[name] as string;
      let values = this.#byName.get(name);
      if (values === undefined) {
        values = new Map();
        this.#byName.set(name, values);
      }
      let set = values.get(value);
      if (set === undefined) {
        set = new Set();
        values.set(value, set);
      }
      set.add(item);
    }
  }

  /** delete removes `item` from every pair of `labels`, forgetting pairs left empty. */
  delete(labels: Labels, item: T): void {
    for (const name in labels) {
      const values = this.#byName.get(name);
      const set = values?.get(labels[name] as string);
      if (values === undefined || set === undefined) continue;
      set.delete(item);
      if (set.size > 0) continue;
      values.delete(labels[name] as string);
      if (values.size === 0) this.#byName.delete(name);
    }
  }

  /** isEmpty tells whether no item is indexed any more. */
  isEmpty(): boolean {
    return this.#byName.size === 0;
  }

  /** postings is the set of items with label `name` equal to `value` (undefined when none). */
  postings(name: string, value: string): ReadonlySet<T> | undefined {
    return this.#byName.get(name)?.get(value);
  }

  /** values lists the values of label `name` with their postings (none when no item has the label). */
  values(name: string): ReadonlyMap<string, ReadonlySet<T>> {
    return this.#byName.get(name) ?? EMPTY;
  }
}

const EMPTY: ReadonlyMap<string, never> = new Map<string, never>();
