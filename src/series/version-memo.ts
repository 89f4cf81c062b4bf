/**
 * VersionMemo keeps answers computed from the sample store for one evaluation time, each with the
 * versions of what it read: an answer is reused while those versions are unchanged, and all are
 * dropped when the evaluation time changes (older ones would never be asked for again).
 */

/**
 * VersionCell counts changes to one part of the store (the series of one metric name): it holds
 * the store's change count at the part's last change.
 */
export interface VersionCell {
  version: number;
}

interface MemoEntry {
  /** The cells the answer depends on, and their versions then; undefined: the store's change count. */
  cells: VersionCell[] | undefined;
  versions: number[];
  value: unknown;
}

/** MEMO_LIMIT bounds the answers kept for one evaluation time (past it, all are dropped). */
const MEMO_LIMIT = 4096;

/** VersionMemo is the store's memo of answers for one evaluation time. */
export class VersionMemo {
  readonly #entries = new Map<string, MemoEntry>();
  #at = NaN;

  /**
   * memoize returns the answer kept under `key` for time `at` while the cells `dependencies`
   * names keep their versions (or, when it names none, while the store's change count `changes`
   * is the same); otherwise computes, keeps and returns it.
   */
  memoize<T>(at: number, key: string, changes: number, dependencies: () => VersionCell[] | undefined, compute: () => T): T {
    if (at !== this.#at) {
      this.#entries.clear();
      this.#at = at;
    }
    const hit = this.#entries.get(key);
    if (hit !== undefined && current(hit, changes)) return hit.value as T;
    const cells = dependencies();
    const versions = cells === undefined ? [changes] : cells.map((c) => c.version);
    const value = compute();
    if (this.#entries.size >= MEMO_LIMIT) this.#entries.clear();
    this.#entries.set(key, { cells, versions, value });
    return value;
  }
}

function current(e: MemoEntry, changes: number): boolean {
  if (e.cells === undefined) return e.versions[0] === changes;
  for (let i = 0; i < e.cells.length; i++) if ((e.cells[i] as VersionCell).version !== e.versions[i]) return false;
  return true;
}
