/**
 * SampleStore is the in-memory time-series store the rule engine reads: every series the sidecar
 * exports, sampled at each evaluation. It is bounded twice: by time (an append drops the
 * series' points older than `retentionMs` before it; compact() does so for every series, relative
 * to the newest sample or a given time, and forgets emptied series) and by size (past
 * `maxSamples` points, the oldest are dropped first and counted in `droppedSamples`, which the
 * caller exports as a metric). Series are identified by their label set; an inverted index
 * (label pair → series, see label-index.ts) lets a selector read only the series of its rarest
 * equality matcher. Points live in typed arrays per series; Point objects are only made for what
 * a select returns.
 *
 * Within one evaluation time many rules select the same series and compute the same
 * sub-expressions: `memoize` keeps an answer computed from the store until a series of a metric
 * name it read changes (each name has a version), so a tick's rules share them (see
 * eval-context.ts, SelectionMemo).
 */
import { labelsKey, fromEntries, METRIC_NAME } from '../rules/promql/labels.ts';
import { compileAnchored } from '../rules/promql/regex.ts';
import type { Labels, Matcher, Point, RangeSeries, SeriesSource } from '../rules/types.ts';
import type { ColumnSeries, ColumnSource, LatestPointSource, LatestPointVisitor, SelectionMemo } from '../rules/promql/eval-context.ts';
import { LabelIndex } from './label-index.ts';
import { VersionMemo, type VersionCell } from './version-memo.ts';

/** SampleStoreOptions bound the store. */
export interface SampleStoreOptions {
  /** How far back points are kept, relative to the newest sample (Prometheus' look-back needs ≥ 5 m). */
  retentionMs: number;
  /** The most points (stale markers included) kept over all series. */
  maxSamples: number;
  /**
   * Whether rules evaluated at one time share selections and sub-expression results through
   * `memoize` (default true); false computes every one afresh (to measure what sharing saves).
   */
  memoize?: boolean;
}

interface SeriesRec {
  labels: Labels;
  key: string;
  name: string | undefined;
  /** The version cell of the series' metric name: bumped at every change to the series. */
  cell: VersionCell;
  t: Float64Array;
  v: Float64Array;
  stale: Uint8Array;
  head: number;
  len: number;
  /** Position in the oldest-first heap, -1 when the series holds no points. */
  heapPos: number;
  /** How many of the held points are stale markers (so range reads can skip looking). */
  staleCount: number;
  /**
   * The newest point again, on the record itself: an instant selector at the newest time then
   * reads one object per series instead of three arrays (memory traffic is most of its cost).
   */
  lastT: number;
  lastV: number;
  lastStale: boolean;
  alive: boolean;
}

const INITIAL_CAPACITY = 16;
const EMPTY: readonly SeriesRec[] = [];

/** Plan is how a select finds its series (see SampleStore.plan). */
interface Plan {
  recs: Iterable<SeriesRec>;
  /** Posting sets a series must also be in. */
  sets: readonly ReadonlySet<SeriesRec>[];
  /** Matchers to test on the labels. */
  residual: readonly Matcher[];
}

const NOTHING: Plan = { recs: EMPTY, sets: [], residual: [] };

function hasEmptyValue(labels: Labels): boolean {
  for (const name in labels) if (labels[name] === '') return true;
  return false;
}

function firstT(s: SeriesRec): number {
  return s.t[s.head] as number;
}

/** SampleStore implements SeriesSource, and the evaluator's fast paths (latest point, column views). */
export class SampleStore implements SeriesSource, LatestPointSource, ColumnSource, SelectionMemo {
  /** Whether `memoize` keeps answers (SampleStoreOptions.memoize). */
  readonly memoEnabled: boolean;
  readonly retentionMs: number;
  readonly maxSamples: number;
  private readonly byKey = new Map<string, SeriesRec>();
  private readonly index = new LabelIndex<SeriesRec>();
  /**
   * Per metric name, the index of its series alone: nearly every selector names its metric, and
   * a label pair shared by many metrics (`workflow="w3"` is on ALERTS and every recorded series
   * too) is then read only for that metric.
   */
  private readonly byName = new Map<string, LabelIndex<SeriesRec>>();
  private readonly unnamed = new Set<SeriesRec>();
  /** Version cells by metric name; never forgotten (a name that comes back must not reuse a version). */
  private readonly cells = new Map<string, VersionCell>();
  private readonly unnamedCell: VersionCell = { version: 0 };
  /** Counts every change to any series: the versions cells take. */
  private changes = 0;
  private readonly memo = new VersionMemo();
  private readonly byLabelsObject = new WeakMap<Labels, SeriesRec>();
  /** Min-heap of series by their oldest point: what maxSamples and compact() drop first. */
  private readonly heap: SeriesRec[] = [];
  private readonly regexCache = new Map<string, RegExp>();
  private total = 0;
  private newest = -Infinity;
  private dropped = 0;
  private expired = 0;
  private outOfOrder = 0;

  constructor(options: SampleStoreOptions) {
    if (!(options.retentionMs > 0)) throw new RangeError('retentionMs must be positive');
    if (!(options.maxSamples >= 1)) throw new RangeError('maxSamples must be at least 1');
    this.retentionMs = options.retentionMs;
    this.maxSamples = Math.floor(options.maxSamples);
    this.memoEnabled = options.memoize ?? true;
  }

  /** droppedSamples counts points dropped to stay within maxSamples (export it as a counter). */
  get droppedSamples(): number {
    return this.dropped;
  }

  /** expiredSamples counts points dropped because they fell out of the retention window. */
  get expiredSamples(): number {
    return this.expired;
  }

  /** outOfOrderSamples counts appends older than their series' latest point, which are refused. */
  get outOfOrderSamples(): number {
    return this.outOfOrder;
  }

  /** sampleCount is the number of points held, stale markers included. */
  get sampleCount(): number {
    return this.total;
  }

  /** seriesCount is the number of series holding at least one point. */
  get seriesCount(): number {
    return this.byKey.size;
  }

  /**
   * append adds a sample. Points of a series must come in time order: an older one is refused
   * (counted in outOfOrderSamples); one at the same time replaces the latest point.
   */
  append(labels: Labels, t: number, v: number): void {
    this.write(labels, t, v, false);
  }

  /**
   * markStale ends a series as Prometheus does when it disappears: a stale marker at `t`, after
   * which instant selectors return nothing for it. A no-op for unknown or already stale series,
   * and for a series with a sample at `t` itself: as in Prometheus's TSDB, a marker there is a
   * duplicate sample for that time, refused, so the sample another rule (or the scrape) wrote
   * for the series at this tick stays.
   */
  markStale(labels: Labels, t: number): void {
    const rec = this.lookup(labels);
    if (!rec || rec.len === 0) return;
    const last = rec.head + rec.len - 1;
    if (rec.stale[last] === 1 || rec.t[last] === t) return;
    this.write(labels, t, NaN, true);
  }

  /** compact drops points older than the retention window before `now` (default: the newest sample). */
  compact(now: number = this.newest): void {
    const cutoff = now - this.retentionMs;
    while (this.heap.length > 0 && firstT(this.heap[0] as SeriesRec) < cutoff) {
      const rec = this.heap[0] as SeriesRec;
      this.expired += this.trimBefore(rec, cutoff);
      this.afterTrim(rec);
    }
  }

  select(matchers: readonly Matcher[], minT: number, maxT: number): Iterable<RangeSeries> {
    const out: RangeSeries[] = [];
    const plan = this.plan(matchers);
    for (const rec of plan.recs) {
      if (!this.admits(rec, plan)) continue;
      const from = this.lowerBound(rec, minT);
      const end = rec.head + rec.len;
      if (from >= end || (rec.t[from] as number) > maxT) continue;
      const points: Point[] = [];
      for (let i = from; i < end && (rec.t[i] as number) <= maxT; i++) points.push(this.point(rec, i));
      out.push({ labels: rec.labels, points });
    }
    return out;
  }

  selectColumns(matchers: readonly Matcher[], minT: number, maxT: number): Iterable<ColumnSeries> {
    const out: ColumnSeries[] = [];
    const plan = this.plan(matchers);
    for (const rec of plan.recs) {
      if (!this.admits(rec, plan)) continue;
      const from = this.lowerBound(rec, minT);
      const to = this.upperBound(rec, maxT);
      if (from >= to) continue;
      // Views of the live arrays: valid until the next append, which is after the evaluation.
      out.push({ labels: rec.labels, t: rec.t, v: rec.v, stale: rec.stale, from, to, noStale: rec.staleCount === 0 });
    }
    return out;
  }

  selectLatest(matchers: readonly Matcher[], minT: number, maxT: number): Iterable<ColumnSeries> {
    const out: ColumnSeries[] = [];
    const plan = this.plan(matchers);
    for (const rec of plan.recs) {
      if (!this.admits(rec, plan)) continue;
      const i = this.upperBound(rec, maxT) - 1;
      if (i < rec.head || (rec.t[i] as number) < minT) continue;
      out.push({ labels: rec.labels, t: rec.t, v: rec.v, stale: rec.stale, from: i, to: i + 1 });
    }
    return out;
  }

  /** forEachLatest visits each matching series' latest point in [minT, maxT] (LatestValueSource). */
  forEachLatest(matchers: readonly Matcher[], minT: number, maxT: number, visit: LatestPointVisitor): void {
    const plan = this.plan(matchers);
    for (const rec of plan.recs) {
      if (!this.admits(rec, plan)) continue;
      if (rec.lastT <= maxT) {
        if (rec.lastT >= minT) visit(rec.labels, rec.lastT, rec.lastV, rec.lastStale);
        continue;
      }
      const i = this.upperBound(rec, maxT) - 1;
      if (i < rec.head || (rec.t[i] as number) < minT) continue;
      visit(rec.labels, rec.t[i] as number, rec.v[i] as number, rec.stale[i] === 1);
    }
  }

  /**
   * memoize keeps `compute`'s answer under `key` for evaluation time `at` until a series of a
   * metric one of `selections` names changes (any series, when one names none): SelectionMemo.
   */
  memoize<T>(selections: readonly (readonly Matcher[])[], at: number, key: string, compute: () => T): T {
    if (!this.memoEnabled) return compute();
    return this.memo.memoize(at, key, this.changes, () => this.dependencies(selections), compute);
  }

  /**
   * dependencies are the version cells whose series are the only ones `selections` can select:
   * each one's metric name's, when an equality matcher names it; undefined when one names none
   * (then any change counts).
   */
  private dependencies(selections: readonly (readonly Matcher[])[]): VersionCell[] | undefined {
    const cells: VersionCell[] = [];
    for (const matchers of selections) {
      const m = matchers.find((x) => x.name === METRIC_NAME && x.type === '=');
      if (m === undefined) return undefined;
      const cell = m.value === '' ? this.unnamedCell : this.cellOf(m.value);
      if (!cells.includes(cell)) cells.push(cell);
    }
    return cells;
  }

  private cellOf(name: string | undefined): VersionCell {
    if (name === undefined) return this.unnamedCell;
    let cell = this.cells.get(name);
    if (cell === undefined) {
      cell = { version: 0 };
      this.cells.set(name, cell);
    }
    return cell;
  }

  /** touch records a change to a series: memoised selections that could include it are stale. */
  private touch(rec: SeriesRec): void {
    rec.cell.version = ++this.changes;
  }

  private point(rec: SeriesRec, i: number): Point {
    return rec.stale[i] === 1 ? { t: rec.t[i] as number, v: NaN, stale: true } : { t: rec.t[i] as number, v: rec.v[i] as number };
  }

  /** lowerBound is the index of the first point at or after `t` (head + len when none). */
  private lowerBound(rec: SeriesRec, t: number): number {
    let lo = rec.head;
    let hi = rec.head + rec.len;
    if (hi > lo && (rec.t[lo] as number) >= t) return lo;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((rec.t[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** upperBound is the index of the first point after `t` (head + len when none). */
  private upperBound(rec: SeriesRec, t: number): number {
    let lo = rec.head;
    let hi = rec.head + rec.len;
    // Rules evaluate at the newest time: the last point is almost always at or before `t`, and
    // checking it first skips a binary search over every selected series (a fifth of a tick).
    if (hi > lo && (rec.t[hi - 1] as number) <= t) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((rec.t[mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * plan says how to find the series `matchers` select, in creation order: walk the smallest
   * posting set of an equality matcher with a value (within the metric's own index when one names
   * the metric), test membership in the other equality matchers' sets (no label read), and test
   * the remaining matchers on the labels. (With a regexp over the name and no equality on it,
   * series come grouped by name, as they always have.)
   */
  private plan(matchers: readonly Matcher[]): Plan {
    let index = this.index;
    let byName: Matcher | undefined;
    for (const m of matchers) {
      if (m.name !== METRIC_NAME || m.type !== '=' || m.value === '') continue;
      const named = this.byName.get(m.value);
      if (named === undefined) return NOTHING;
      index = named;
      byName = m;
      break;
    }
    const nameRegex = byName !== undefined ? undefined : matchers.find((m) => m.name === METRIC_NAME && m.type === '=~');
    if (nameRegex) {
      const re = this.regex(nameRegex.value);
      const out: SeriesRec[] = [];
      for (const [name, set] of this.index.values(METRIC_NAME)) if (re.test(name)) for (const r of set) out.push(r);
      if (re.test('')) for (const r of this.unnamed) out.push(r);
      return { recs: out, sets: [], residual: matchers };
    }
    const sets: ReadonlySet<SeriesRec>[] = [];
    const residual: Matcher[] = [];
    for (const m of matchers) {
      // `l=""` also matches series without `l`: no posting set holds them all.
      if (m.type !== '=' || m.value === '') {
        residual.push(m);
        continue;
      }
      // The metric's own index holds only its series: its name needs no test.
      if (m === byName) continue;
      const set = index.postings(m.name, m.value);
      if (set === undefined) return NOTHING;
      sets.push(set);
    }
    if (sets.length === 0) return { recs: byName !== undefined ? (this.index.postings(METRIC_NAME, byName.value) ?? EMPTY) : this.byKey.values(), sets, residual };
    let best = 0;
    for (let i = 1; i < sets.length; i++) if ((sets[i] as ReadonlySet<SeriesRec>).size < (sets[best] as ReadonlySet<SeriesRec>).size) best = i;
    const recs = sets[best] as ReadonlySet<SeriesRec>;
    sets.splice(best, 1);
    return { recs, sets, residual };
  }

  /** admits tells whether a series of a plan's `recs` passes the plan's other tests. */
  private admits(rec: SeriesRec, plan: Plan): boolean {
    if (rec.len === 0) return false;
    for (const set of plan.sets) if (!set.has(rec)) return false;
    return plan.residual.length === 0 || this.matches(rec, plan.residual);
  }

  private regex(value: string): RegExp {
    let re = this.regexCache.get(value);
    if (re === undefined) {
      // The widest (Prometheus 3, dot-all) reading: the evaluator re-checks with its own semantics.
      re = compileAnchored(value, true);
      if (this.regexCache.size > 10_000) this.regexCache.clear();
      this.regexCache.set(value, re);
    }
    return re;
  }

  private matches(rec: SeriesRec, matchers: readonly Matcher[]): boolean {
    for (const m of matchers) {
      const v = rec.labels[m.name] ?? '';
      switch (m.type) {
        case '=':
          if (v !== m.value) return false;
          break;
        case '!=':
          if (v === m.value) return false;
          break;
        case '=~':
          if (!this.regex(m.value).test(v)) return false;
          break;
        case '!~':
          if (this.regex(m.value).test(v)) return false;
          break;
      }
    }
    return true;
  }

  private lookup(labels: Labels): SeriesRec | undefined {
    const cached = this.byLabelsObject.get(labels);
    if (cached?.alive) return cached;
    // A label with an empty value is no label: `{a="1", b=""}` is the series `{a="1"}`.
    const rec = this.byKey.get(labelsKey(hasEmptyValue(labels) ? fromEntries(Object.entries(labels)) : labels));
    if (rec) this.byLabelsObject.set(labels, rec);
    return rec;
  }

  private create(labels: Labels): SeriesRec {
    const normal = fromEntries(Object.entries(labels));
    const rec: SeriesRec = {
      labels: normal,
      key: labelsKey(normal),
      name: normal[METRIC_NAME],
      cell: this.cellOf(normal[METRIC_NAME]),
      t: new Float64Array(INITIAL_CAPACITY),
      v: new Float64Array(INITIAL_CAPACITY),
      stale: new Uint8Array(INITIAL_CAPACITY),
      head: 0,
      len: 0,
      heapPos: -1,
      staleCount: 0,
      lastT: -Infinity,
      lastV: NaN,
      lastStale: false,
      alive: true,
    };
    this.byKey.set(rec.key, rec);
    this.index.add(normal, rec);
    if (rec.name === undefined) this.unnamed.add(rec);
    else {
      let named = this.byName.get(rec.name);
      if (named === undefined) {
        named = new LabelIndex();
        this.byName.set(rec.name, named);
      }
      named.add(normal, rec);
    }
    this.byLabelsObject.set(labels, rec);
    return rec;
  }

  private remove(rec: SeriesRec): void {
    rec.alive = false;
    this.byKey.delete(rec.key);
    this.index.delete(rec.labels, rec);
    if (rec.name === undefined) this.unnamed.delete(rec);
    else {
      const named = this.byName.get(rec.name);
      named?.delete(rec.labels, rec);
      if (named?.isEmpty()) this.byName.delete(rec.name);
    }
    this.touch(rec);
  }

  private write(labels: Labels, t: number, v: number, stale: boolean): void {
    const rec = this.lookup(labels) ?? this.create(labels);
    const end = rec.head + rec.len;
    if (rec.len > 0) {
      const lastT = rec.t[end - 1] as number;
      if (t < lastT) {
        this.outOfOrder++;
        return;
      }
      this.touch(rec);
      if (t === lastT) {
        rec.staleCount += (stale ? 1 : 0) - (rec.stale[end - 1] as number);
        rec.v[end - 1] = v;
        rec.stale[end - 1] = stale ? 1 : 0;
        rec.lastV = v;
        rec.lastStale = stale;
        return;
      }
    }
    if (rec.len === 0) this.touch(rec);
    if (end === rec.t.length) this.makeRoom(rec);
    const i = rec.head + rec.len;
    rec.t[i] = t;
    rec.v[i] = v;
    rec.stale[i] = stale ? 1 : 0;
    rec.lastT = t;
    rec.lastV = v;
    rec.lastStale = stale;
    if (stale) rec.staleCount++;
    rec.len++;
    this.total++;
    if (rec.heapPos < 0) this.heapPush(rec);
    if (t > this.newest) this.newest = t;
    const cutoff = t - this.retentionMs;
    if (firstT(rec) < cutoff) {
      this.expired += this.trimBefore(rec, cutoff);
      this.afterTrim(rec);
    }
    while (this.total > this.maxSamples && this.heap.length > 0) {
      const oldest = this.heap[0] as SeriesRec;
      this.touch(oldest);
      oldest.staleCount -= oldest.stale[oldest.head] as number;
      oldest.head++;
      oldest.len--;
      this.total--;
      this.dropped++;
      this.afterTrim(oldest);
    }
  }

  private makeRoom(rec: SeriesRec): void {
    if (rec.head > 0 && rec.head >= rec.len) {
      rec.t.copyWithin(0, rec.head, rec.head + rec.len);
      rec.v.copyWithin(0, rec.head, rec.head + rec.len);
      rec.stale.copyWithin(0, rec.head, rec.head + rec.len);
      rec.head = 0;
      return;
    }
    const cap = Math.max(INITIAL_CAPACITY, rec.len * 2);
    const t = new Float64Array(cap);
    const v = new Float64Array(cap);
    const stale = new Uint8Array(cap);
    t.set(rec.t.subarray(rec.head, rec.head + rec.len));
    v.set(rec.v.subarray(rec.head, rec.head + rec.len));
    stale.set(rec.stale.subarray(rec.head, rec.head + rec.len));
    rec.t = t;
    rec.v = v;
    rec.stale = stale;
    rec.head = 0;
  }

  /** trimBefore drops a series' points older than `cutoff`; returns how many. */
  private trimBefore(rec: SeriesRec, cutoff: number): number {
    const from = this.lowerBound(rec, cutoff);
    const n = from - rec.head;
    if (n > 0) this.touch(rec);
    if (rec.staleCount > 0) for (let i = rec.head; i < from; i++) rec.staleCount -= rec.stale[i] as number;
    rec.head = from;
    rec.len -= n;
    this.total -= n;
    return n;
  }

  /** afterTrim restores the heap after a series lost its oldest points, and forgets empty series. */
  private afterTrim(rec: SeriesRec): void {
    if (rec.len === 0) {
      this.heapRemove(rec);
      this.remove(rec);
      rec.head = 0;
      return;
    }
    this.siftDown(rec.heapPos);
  }

  private heapPush(rec: SeriesRec): void {
    rec.heapPos = this.heap.length;
    this.heap.push(rec);
    this.siftUp(rec.heapPos);
  }

  private heapRemove(rec: SeriesRec): void {
    const i = rec.heapPos;
    if (i < 0) return;
    const last = this.heap.pop() as SeriesRec;
    rec.heapPos = -1;
    if (last !== rec) {
      this.heap[i] = last;
      last.heapPos = i;
      this.siftDown(i);
      this.siftUp(last.heapPos);
    }
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i] as SeriesRec;
    const b = this.heap[j] as SeriesRec;
    this.heap[i] = b;
    this.heap[j] = a;
    a.heapPos = j;
    b.heapPos = i;
  }

  private siftUp(i0: number): void {
    let i = i0;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (firstT(this.heap[p] as SeriesRec) <= firstT(this.heap[i] as SeriesRec)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i0: number): void {
    let i = i0;
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      if (l + 1 < n && firstT(this.heap[l + 1] as SeriesRec) < firstT(this.heap[l] as SeriesRec)) c = l + 1;
      if (firstT(this.heap[c] as SeriesRec) >= firstT(this.heap[i] as SeriesRec)) break;
      this.swap(i, c);
      i = c;
    }
  }
}
