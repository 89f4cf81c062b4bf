/**
 * EvalContext carries one instant evaluation's settings through the evaluator. It is made once
 * per CompiledExpr.evaluate call and never mutated.
 */
import type { Labels, Matcher, PromQLCompat, Sample, SeriesSource } from '../types.ts';
import { PromQLEvalError } from './errors.ts';
import { labelsKey } from './labels.ts';

/** EvalContext is what every evaluation step reads. */
export interface EvalContext {
  /** The evaluation time, epoch ms. */
  readonly t: number;
  readonly source: SeriesSource;
  readonly compat: PromQLCompat;
  readonly lookbackMs: number;
  /** Prometheus 3 lets `.` match a newline in regexps (`(?s:...)`). */
  readonly dotAll: boolean;
}

/**
 * LatestPointSource is an optional fast path a SeriesSource may offer: `selectLatest` returns,
 * for every matching series with a point in [minT, maxT], only its latest point there (stale
 * markers included), as a one-point column view. Instant selectors use it when present so that
 * the source need not build the whole look-back window.
 */
export interface LatestPointSource extends SeriesSource {
  selectLatest(matchers: readonly Matcher[], minT: number, maxT: number): Iterable<ColumnSeries>;
}

/**
 * LatestPointVisitor receives one series' latest point in a window: its time, value and whether
 * it is a stale marker. The labels are the source's own object (never to be mutated).
 */
export type LatestPointVisitor = (labels: Labels, t: number, v: number, stale: boolean) => void;

/**
 * LatestValueSource is the allocation-free form of LatestPointSource: `forEachLatest` visits,
 * for every matching series with a point in [minT, maxT], its latest point there (stale markers
 * included), making no object per series.
 */
export interface LatestValueSource extends SeriesSource {
  forEachLatest(matchers: readonly Matcher[], minT: number, maxT: number, visit: LatestPointVisitor): void;
}

/**
 * SelectionMemo is an optional fast path a SeriesSource may offer: `memoize` returns what
 * `compute` returns, computing it only when no series that any of `selections` (matcher lists)
 * could select has changed since the answer kept under `key` for evaluation time `at` was
 * computed. `key` MUST name everything else the answer depends on (the expression, its window
 * and semantics), and `compute` MUST read only series those selections select. The answer is
 * shared: callers never mutate it.
 */
export interface SelectionMemo extends SeriesSource {
  memoize<T>(selections: readonly (readonly Matcher[])[], at: number, key: string, compute: () => T): T;
}

/** ColumnSeries is one series' points in a window as columns: times, values, stale flags (1 = stale marker). */
export interface ColumnSeries {
  labels: Labels;
  t: ArrayLike<number>;
  v: ArrayLike<number>;
  stale: ArrayLike<number>;
  /** The points are at indexes [from, to). */
  from: number;
  to: number;
  /** A hint that no point in [from, to) is a stale marker. */
  noStale?: boolean;
}

/**
 * ColumnSource is an optional fast path for range selectors: `selectColumns` answers as `select`
 * (series with a point in [minT, maxT], stale markers included) but hands out column views of
 * its storage instead of Point objects. The evaluator never writes to them.
 */
export interface ColumnSource extends SeriesSource {
  selectColumns(matchers: readonly Matcher[], minT: number, maxT: number): Iterable<ColumnSeries>;
}

/** hasSelectColumns tells whether a source offers the ColumnSource fast path. */
export function hasSelectColumns(s: SeriesSource): s is ColumnSource {
  return typeof (s as Partial<ColumnSource>).selectColumns === 'function';
}

/** hasForEachLatest tells whether a source offers the LatestValueSource fast path. */
export function hasForEachLatest(s: SeriesSource): s is LatestValueSource {
  return typeof (s as Partial<LatestValueSource>).forEachLatest === 'function';
}

/** hasMemoize tells whether a source offers the SelectionMemo fast path. */
export function hasMemoize(s: SeriesSource): s is SelectionMemo {
  return typeof (s as Partial<SelectionMemo>).memoize === 'function';
}

/** hasSelectLatest tells whether a source offers the LatestPointSource fast path. */
export function hasSelectLatest(s: SeriesSource): s is LatestPointSource {
  return typeof (s as Partial<LatestPointSource>).selectLatest === 'function';
}

/** makeContext builds the context of one evaluation. */
export function makeContext(t: number, source: SeriesSource, compat: PromQLCompat, lookbackMs: number): EvalContext {
  return { t, source, compat, lookbackMs, dotAll: compat === 3 };
}

/** assertUniqueLabelsets throws as Prometheus does when a result holds one label set twice. */
export function assertUniqueLabelsets(samples: readonly Sample[]): void {
  if (samples.length < 2) return;
  const seen = new Set<string>();
  for (const s of samples) {
    const k = labelsKey(s.labels);
    if (seen.has(k)) throw new PromQLEvalError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
}
