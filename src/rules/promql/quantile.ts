/**
 * Quantiles as Prometheus computes them: the φ-quantile of a set of values (quantile aggregation,
 * quantile_over_time) and of classic histogram buckets (histogram_quantile).
 */
import type { PromQLCompat } from '../types.ts';

/** byValueNaNFirst orders numbers ascending with NaN first, as Prometheus' vectorByValueHeap. */
export function byValueNaNFirst(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * quantile is the φ-quantile of `values` with linear interpolation between ranks
 * (rank = φ·(n−1)); NaN for no values or φ NaN, ∓Inf for φ outside [0, 1]. Sorts `values`.
 */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort(byValueNaNFirst);
  const n = values.length;
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return (values[lowerIndex] as number) * (1 - weight) + (values[upperIndex] as number) * weight;
}

/** Bucket is one classic histogram bucket: its upper bound and cumulative count. */
export interface Bucket {
  upperBound: number;
  count: number;
}

const SMALL_DELTA_TOLERANCE = 1e-12;
const MIN_NORMAL = 2.2250738585072014e-308;

function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** Prometheus 2: counts are made monotonic by raising each to the maximum seen so far. */
function ensureMonotonic2(buckets: Bucket[]): void {
  let max = (buckets[0] as Bucket).count;
  for (let i = 1; i < buckets.length; i++) {
    const b = buckets[i] as Bucket;
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
}

/** Prometheus 3: also treats relative differences below 1e-12 as equal (floating-point noise). */
function ensureMonotonic3(buckets: Bucket[]): void {
  let prev = (buckets[0] as Bucket).count;
  for (let i = 1; i < buckets.length; i++) {
    const b = buckets[i] as Bucket;
    const curr = b.count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE) || curr < prev) {
      b.count = prev;
      continue;
    }
    prev = curr;
  }
}

/**
 * bucketQuantile is histogram_quantile over classic buckets: sorted by bound, equal bounds
 * merged, counts forced monotonic; NaN without a +Inf bucket, with fewer than two buckets or no
 * observations; the highest finite bound when the rank falls in the +Inf bucket; the lowest
 * bound when it falls in a first bucket whose bound is ≤ 0; else linear interpolation within the
 * bucket, the first bucket starting at 0.
 */
export function bucketQuantile(q: number, input: Bucket[], compat: PromQLCompat): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if ((sorted[sorted.length - 1] as Bucket).upperBound !== Infinity) return NaN;
  const buckets: Bucket[] = [];
  for (const b of sorted) {
    const last = buckets[buckets.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else buckets.push({ upperBound: b.upperBound, count: b.count });
  }
  if (compat === 2) ensureMonotonic2(buckets);
  else ensureMonotonic3(buckets);
  if (buckets.length < 2) return NaN;
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // Go's sort.Search over all but the +Inf bucket: the first bucket whose count reaches the rank.
  let b = 0;
  for (let j = buckets.length - 1; b < j; ) {
    const h = (b + j) >>> 1;
    if (!((buckets[h] as Bucket).count >= rank)) b = h + 1;
    else j = h;
  }
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upperBound;
  if (b === 0 && (buckets[0] as Bucket).upperBound <= 0) return (buckets[0] as Bucket).upperBound;
  let bucketStart = 0;
  const bucketEnd = (buckets[b] as Bucket).upperBound;
  let count = (buckets[b] as Bucket).count;
  if (b > 0) {
    const prev = buckets[b - 1] as Bucket;
    bucketStart = prev.upperBound;
    count -= prev.count;
    rank -= prev.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}
