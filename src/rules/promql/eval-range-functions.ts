/**
 * Functions over a range vector, one series at a time, as Prometheus' promql/functions.go
 * computes them. A series' samples come as columns (`t`, `v`, indexes [from, to), never empty, no
 * stale markers). Each function returns the output value, or undefined when Prometheus drops the
 * series (e.g. rate() with fewer than two samples). Where Prometheus 2.42 and 3 compute
 * differently (rate extrapolation order, average summation), both are here.
 */
import type { EvalContext } from './eval-context.ts';
import { Kahan } from './go-math.ts';
import { quantile } from './quantile.ts';

/** RangeWindow is where a range selector's window lies: what extrapolation needs. */
export interface RangeWindow {
  /** Window start and end, epoch ms (end is the selector's reference time). */
  start: number;
  end: number;
  /** The selector's range in seconds. */
  rangeSeconds: number;
}

/** Columns are one series' samples in a window: times (ms) and values at indexes [from, to). */
export interface Columns {
  t: ArrayLike<number>;
  v: ArrayLike<number>;
  from: number;
  to: number;
}

/** RangeFunction computes one output value from one series' samples. */
export type RangeFunction = (s: Columns, w: RangeWindow, ctx: EvalContext, param: number) => number | undefined;

/**
 * extrapolatedRate is Prometheus' rate/increase/delta: the increase between the first and last
 * sample (plus the value before each counter reset), extrapolated towards the window's edges
 * when the samples reach within 1.1 average intervals of them (else by half an interval), and
 * for counters never beyond the point where the counter would have been zero.
 */
function extrapolatedRate(s: Columns, w: RangeWindow, ctx: EvalContext, isCounter: boolean, isRate: boolean): number | undefined {
  const { t, v, from, to } = s;
  const n = to - from;
  if (n < 2) return undefined;
  const firstT = t[from] as number;
  const firstV = v[from] as number;
  const lastT = t[to - 1] as number;
  let result = (v[to - 1] as number) - firstV;
  if (isCounter) {
    let prev = firstV;
    for (let i = from + 1; i < to; i++) {
      const cur = v[i] as number;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  let durationToStart = (firstT - w.start) / 1000;
  let durationToEnd = (w.end - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const threshold = averageDurationBetweenSamples * 1.1;
  let factor: number;
  if (ctx.compat === 2) {
    // Prometheus 2: clamp to the zero point first, then apply the threshold.
    if (isCounter && result > 0 && firstV >= 0) {
      const durationToZero = sampledInterval * (firstV / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    let extrapolateToInterval = sampledInterval;
    extrapolateToInterval += durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2;
    extrapolateToInterval += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2;
    factor = extrapolateToInterval / sampledInterval;
  } else {
    // Prometheus 3: apply the threshold first, then clamp to the zero point.
    if (durationToStart >= threshold) durationToStart = averageDurationBetweenSamples / 2;
    if (isCounter && result > 0 && firstV >= 0) {
      const durationToZero = sampledInterval * (firstV / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    if (durationToEnd >= threshold) durationToEnd = averageDurationBetweenSamples / 2;
    factor = sampledInterval !== 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1;
  }
  if (isRate) factor /= w.rangeSeconds;
  return result * factor;
}

/** instantValue is irate/idelta: from the last two samples only. */
function instantValue(s: Columns, isRate: boolean): number | undefined {
  const { t, v, from, to } = s;
  if (to - from < 2) return undefined;
  const last = v[to - 1] as number;
  const prev = v[to - 2] as number;
  const result = isRate && last < prev ? last : last - prev;
  const interval = (t[to - 1] as number) - (t[to - 2] as number);
  if (interval === 0) return undefined;
  return isRate ? result / (interval / 1000) : result;
}

/** deriv: the least-squares slope per second, Kahan-summed and relative to the first sample, as Prometheus. */
function deriv(s: Columns, ctx: EvalContext): number | undefined {
  const { t, v, from, to } = s;
  if (to - from < 2) return undefined;
  const reset = ctx.compat === 3;
  const sumX = new Kahan(reset);
  const sumY = new Kahan(reset);
  const sumXY = new Kahan(reset);
  const sumX2 = new Kahan(reset);
  const interceptTime = t[from] as number;
  const initY = v[from] as number;
  let constY = true;
  let n = 0;
  for (let i = from; i < to; i++) {
    const y = v[i] as number;
    if (constY && i > from && y !== initY) constY = false;
    n += 1;
    const x = ((t[i] as number) - interceptTime) / 1e3;
    sumX.add(x);
    sumY.add(y);
    sumXY.add(x * y);
    sumX2.add(x * x);
  }
  if (constY) return initY === Infinity || initY === -Infinity ? NaN : 0;
  const sx = sumX.sum + sumX.c;
  const sy = sumY.sum + sumY.c;
  const sxy = sumXY.sum + sumXY.c;
  const sx2 = sumX2.sum + sumX2.c;
  const covXY = sxy - (sx * sy) / n;
  const varX = sx2 - (sx * sx) / n;
  return covXY / varX;
}

/** Prometheus 2's avg_over_time: an incremental, Kahan-compensated mean. */
function avgOverTime2(s: Columns): number {
  const k = new Kahan(false);
  let count = 0;
  for (let i = s.from; i < s.to; i++) {
    const x = s.v[i] as number;
    count++;
    const mean = k.sum;
    if (mean === Infinity || mean === -Infinity) {
      if ((x === Infinity || x === -Infinity) && mean > 0 === x > 0) continue;
      if (Number.isFinite(x)) continue;
    }
    k.add(x / count - mean / count);
  }
  return k.sum === Infinity || k.sum === -Infinity ? k.sum : k.sum + k.c;
}

/**
 * avgKahan3 is Prometheus 3's mean (avg_over_time and the avg aggregation): a direct Kahan sum
 * divided at the end, switching to an incremental mean only once the sum overflows.
 */
export function avgKahan3(v: ArrayLike<number>, from: number, to: number): number {
  const k = new Kahan(true, v[from] as number);
  let incremental = false;
  for (let i = from + 1; i < to; i++) {
    const f = v[i] as number;
    const count = i - from + 1;
    if (!incremental) {
      const sum = k.sum;
      const c = k.c;
      k.add(f);
      if (k.sum !== Infinity && k.sum !== -Infinity) continue;
      incremental = true;
      k.sum = sum / (count - 1);
      k.c = c / (count - 1);
    }
    const q = (count - 1) / count;
    k.sum *= q;
    k.c *= q;
    k.add(f / count);
  }
  const count = to - from;
  return incremental ? k.sum + k.c : k.sum / count + k.c / count;
}

function variance(s: Columns, ctx: EvalContext): number {
  const mean = new Kahan(ctx.compat === 3);
  const aux = new Kahan(ctx.compat === 3);
  let count = 0;
  for (let i = s.from; i < s.to; i++) {
    const x = s.v[i] as number;
    count++;
    const delta = x - (mean.sum + mean.c);
    mean.add(delta / count);
    aux.add(delta * (x - (mean.sum + mean.c)));
  }
  return (aux.sum + aux.c) / count;
}

function values(s: Columns): number[] {
  const out = new Array<number>(s.to - s.from);
  for (let i = s.from; i < s.to; i++) out[i - s.from] = s.v[i] as number;
  return out;
}

/** RANGE_FUNCTIONS are the range-vector functions by name (absent_over_time is the evaluator's). */
export const RANGE_FUNCTIONS: Readonly<Record<string, RangeFunction>> = {
  rate: (s, w, ctx) => extrapolatedRate(s, w, ctx, true, true),
  increase: (s, w, ctx) => extrapolatedRate(s, w, ctx, true, false),
  delta: (s, w, ctx) => extrapolatedRate(s, w, ctx, false, false),
  irate: (s) => instantValue(s, true),
  idelta: (s) => instantValue(s, false),
  deriv: (s, _w, ctx) => deriv(s, ctx),
  resets: (s) => {
    let resets = 0;
    for (let i = s.from + 1; i < s.to; i++) if ((s.v[i] as number) < (s.v[i - 1] as number)) resets++;
    return resets;
  },
  changes: (s) => {
    let changes = 0;
    for (let i = s.from + 1; i < s.to; i++) {
      const cur = s.v[i] as number;
      const prev = s.v[i - 1] as number;
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
    }
    return changes;
  },
  avg_over_time: (s, _w, ctx) => (ctx.compat === 2 ? avgOverTime2(s) : avgKahan3(s.v, s.from, s.to)),
  sum_over_time: (s, _w, ctx) => {
    const k = new Kahan(ctx.compat === 3);
    for (let i = s.from; i < s.to; i++) k.add(s.v[i] as number);
    return k.sum === Infinity || k.sum === -Infinity ? k.sum : k.sum + k.c;
  },
  count_over_time: (s) => s.to - s.from,
  min_over_time: (s) => {
    let min = s.v[s.from] as number;
    for (let i = s.from; i < s.to; i++) {
      const x = s.v[i] as number;
      if (x < min || Number.isNaN(min)) min = x;
    }
    return min;
  },
  max_over_time: (s) => {
    let max = s.v[s.from] as number;
    for (let i = s.from; i < s.to; i++) {
      const x = s.v[i] as number;
      if (x > max || Number.isNaN(max)) max = x;
    }
    return max;
  },
  last_over_time: (s) => s.v[s.to - 1] as number,
  quantile_over_time: (s, _w, _ctx, q) => quantile(q, values(s)),
  stddev_over_time: (s, _w, ctx) => Math.sqrt(variance(s, ctx)),
  stdvar_over_time: (s, _w, ctx) => variance(s, ctx),
  present_over_time: () => 1,
};
