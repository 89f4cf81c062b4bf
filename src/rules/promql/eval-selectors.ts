/**
 * Instant and range vector selectors: which samples a selector sees at an evaluation time.
 *
 * Windows (Prometheus 2 vs 3): an instant selector takes the latest sample in the look-back
 * window and a range selector every sample in its range; compat 2 closes both windows at their
 * start ([t-Δ, t]), compat 3 opens them ((t-Δ, t]). A stale marker as the latest sample means
 * the series has no value; range selectors drop stale markers. `offset` shifts the window back
 * (forward when negative) and `@` pins its end, `@ start()`/`@ end()` being the evaluation time
 * of an instant query.
 *
 * When the source offers a SelectionMemo (the sample store does), a selection is computed once
 * per evaluation time and shared by every rule that makes it, until the series it reads change:
 * answers are then shared arrays that no caller may mutate.
 */
import type { Labels, Matcher, Point, RangeSeries } from '../types.ts';
import type { VectorSelectorNode } from './ast.ts';
import { hasForEachLatest, hasMemoize, hasSelectColumns, hasSelectLatest, type ColumnSeries, type EvalContext } from './eval-context.ts';
import { settingsKey, type KeyCaches } from './eval-memo.ts';
import type { Columns } from './eval-range-functions.ts';

/** InstantSample is one series' value picked by an instant selector, with the sample's own time. */
export interface InstantSample {
  labels: Labels;
  value: number;
  /** When the picked sample was taken (epoch ms): what timestamp() reports. */
  t: number;
}

/** refTime is the end of a selector's window: the evaluation time, or `@`, minus the offset. */
export function refTime(sel: VectorSelectorNode, ctx: EvalContext): number {
  const base = sel.at !== undefined && sel.at.kind === 'time' ? sel.at.ms : ctx.t;
  return base - sel.offsetMs;
}

function hasRegex(sel: VectorSelectorNode): boolean {
  for (const m of sel.matchers) if (m.type === '=~' || m.type === '!~') return true;
  return false;
}

/**
 * matchesAll re-checks a series against the selector's own compiled matchers, so that regexps
 * follow the engine's RE2 translation and window semantics whatever the source does.
 */
function matchesAll(sel: VectorSelectorNode, labels: Labels, dotAll: boolean): boolean {
  for (const m of sel.matchers) if (!m.test(labels[m.name] ?? '', dotAll)) return false;
  return true;
}

const SEP = '\xff';
const matcherKeys = new WeakMap<VectorSelectorNode, string>();

/** matchersKey identifies a selector's matchers (what it selects, whatever its window). */
function matchersKey(sel: VectorSelectorNode): string {
  let k = matcherKeys.get(sel);
  if (k === undefined) {
    k = '';
    for (const m of sel.plainMatchers) k += m.name + SEP + m.type + SEP + m.value + SEP;
    matcherKeys.set(sel, k);
  }
  return k;
}

/**
 * memoised computes `compute` once per key and evaluation time when the source offers a memo
 * (see SelectionMemo: `compute` must read only what `sel` selects); otherwise computes it.
 */
function memoised<T>(sel: VectorSelectorNode, key: string, ctx: EvalContext, compute: () => T): T {
  const src = ctx.source;
  if (!hasMemoize(src)) return compute();
  let selections = selectionLists.get(sel);
  if (selections === undefined) {
    selections = [sel.plainMatchers];
    selectionLists.set(sel, selections);
  }
  return src.memoize(selections, ctx.t, key, compute);
}

const selectionLists = new WeakMap<VectorSelectorNode, Matcher[][]>();
const instantKeys: KeyCaches = new WeakMap();
const rangeKeys: KeyCaches = new WeakMap();

/** windowKey names where a selector's window ends relative to the evaluation time (offset, @). */
function windowKey(sel: VectorSelectorNode): string {
  const at = sel.at !== undefined && sel.at.kind === 'time' ? `@${sel.at.ms}` : '';
  return `${at}${SEP}${sel.offsetMs}${SEP}${matchersKey(sel)}`;
}

/**
 * selectInstant evaluates an instant vector selector. The answer may be shared (memoised): the
 * caller MUST NOT mutate the array or its samples.
 */
export function selectInstant(sel: VectorSelectorNode, ctx: EvalContext): InstantSample[] {
  const ref = refTime(sel, ctx);
  const minT = ref - ctx.lookbackMs;
  const key = settingsKey(instantKeys, sel, ctx, () => `i${SEP}${windowKey(sel)}`);
  return memoised(sel, key, ctx, () => computeInstant(sel, ctx, ref, minT));
}

function computeInstant(sel: VectorSelectorNode, ctx: EvalContext, ref: number, minT: number): InstantSample[] {
  const open = ctx.compat === 3;
  const recheck = hasRegex(sel);
  const src = ctx.source;
  if (hasForEachLatest(src)) {
    const out: InstantSample[] = [];
    src.forEachLatest(sel.plainMatchers, minT, ref, (labels, t, value, stale) => {
      if (t < minT || (open && t === minT) || stale) return;
      if (recheck && !matchesAll(sel, labels, ctx.dotAll)) return;
      out.push({ labels, value, t });
    });
    return out;
  }
  const series: Iterable<ColumnSeries> = hasSelectLatest(src) ? src.selectLatest(sel.plainMatchers, minT, ref) : columnsOf(src.select(sel.plainMatchers, minT, ref));
  const out: InstantSample[] = [];
  for (const s of series) {
    let i = s.to - 1;
    while (i >= s.from && (s.t[i] as number) > ref) i--;
    if (i < s.from) continue;
    const t = s.t[i] as number;
    if (t < minT || (open && t === minT) || s.stale[i] === 1) continue;
    if (recheck && !matchesAll(sel, s.labels, ctx.dotAll)) continue;
    out.push({ labels: s.labels, value: s.v[i] as number, t });
  }
  return out;
}

/** RangeData is one series of a range selector's result: its samples as columns (no stale markers). */
export interface RangeData extends Columns {
  labels: Labels;
}

/**
 * selectRange evaluates a range vector selector: series with at least one sample in the window,
 * stale markers dropped. Columns are views of the source's storage when nothing needs dropping.
 * The answer may be shared (memoised): the caller MUST NOT mutate it.
 */
export function selectRange(sel: VectorSelectorNode, rangeMs: number, ctx: EvalContext): RangeData[] {
  // A selector node belongs to one range node, so its range is the same at every call.
  const key = settingsKey(rangeKeys, sel, ctx, () => `r${SEP}${rangeMs}${SEP}${windowKey(sel)}`);
  return memoised(sel, key, ctx, () => computeRange(sel, rangeMs, ctx));
}

function computeRange(sel: VectorSelectorNode, rangeMs: number, ctx: EvalContext): RangeData[] {
  const ref = refTime(sel, ctx);
  const minT = ref - rangeMs;
  const open = ctx.compat === 3;
  const recheck = hasRegex(sel);
  const out: RangeData[] = [];
  const src = ctx.source;
  const series: Iterable<ColumnSeries> = hasSelectColumns(src) ? src.selectColumns(sel.plainMatchers, minT, ref) : columnsOf(src.select(sel.plainMatchers, minT, ref));
  for (const s of series) {
    if (recheck && !matchesAll(sel, s.labels, ctx.dotAll)) continue;
    const { t, stale } = s;
    let from = s.from;
    let to = s.to;
    while (from < to && ((t[from] as number) < minT || (open && (t[from] as number) === minT))) from++;
    while (to > from && (t[to - 1] as number) > ref) to--;
    let anyStale = false;
    for (let i = s.noStale === true ? to : from; i < to; i++) {
      if (stale[i] === 1) {
        anyStale = true;
        break;
      }
    }
    if (!anyStale) {
      if (to > from) out.push({ labels: s.labels, t, v: s.v, from, to });
      continue;
    }
    const ft: number[] = [];
    const fv: number[] = [];
    for (let i = from; i < to; i++) {
      if (stale[i] === 1) continue;
      ft.push(t[i] as number);
      fv.push(s.v[i] as number);
    }
    if (ft.length > 0) out.push({ labels: s.labels, t: ft, v: fv, from: 0, to: ft.length });
  }
  return out;
}

function* columnsOf(series: Iterable<RangeSeries>): Iterable<ColumnSeries> {
  for (const s of series) {
    const n = s.points.length;
    const t = new Array<number>(n);
    const v = new Array<number>(n);
    const stale = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const p = s.points[i] as Point;
      t[i] = p.t;
      v[i] = p.v;
      stale[i] = p.stale ? 1 : 0;
    }
    yield { labels: s.labels, t, v, stale, from: 0, to: n };
  }
}

/** toRangeSeries turns a range selector's result into the contract's matrix form. */
export function toRangeSeries(data: readonly RangeData[]): RangeSeries[] {
  return data.map((d) => {
    const points: Point[] = [];
    for (let i = d.from; i < d.to; i++) points.push({ t: d.t[i] as number, v: d.v[i] as number });
    return { labels: d.labels, points };
  });
}
