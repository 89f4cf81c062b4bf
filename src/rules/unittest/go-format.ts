/**
 * Go's renderings of the values promtool prints in its failure messages, so `runwarden rules test`
 * reads like `promtool test rules`: label sets as `labels.Labels.String()`, floats as
 * `strconv.FormatFloat(v, 'E', -1, 64)`, elapsed times as `time.Duration.String()` and test times
 * as `model.Duration.String()`.
 */
import { durationString } from '../template/gotime.ts';
import { formatFloat, quote } from '../template/strconv.ts';
import type { Labels } from '../types.ts';

/** goQuote is Go's `strconv.Quote` (the template engine's): a double-quoted string with Go escapes for unprintable characters. */
export function goQuote(s: string): string {
  return quote(s);
}

// byteCompare orders strings by code units; Go compares UTF-8 bytes, the same order outside the astral planes.
function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sortedLabelPairs returns the pairs of `labels` sorted by name, as Prometheus keeps them. */
export function sortedLabelPairs(labels: Labels): Array<[string, string]> {
  return Object.entries(labels).sort((x, y) => byteCompare(x[0], y[0]));
}

/** formatLabels is Go's `labels.Labels.String()`: `{a="1", b="2"}`, sorted by name. */
export function formatLabels(labels: Labels): string {
  return `{${sortedLabelPairs(labels)
    .map(([name, value]) => `${name}=${goQuote(value)}`)
    .join(', ')}}`;
}

/** compareLabels is Prometheus's `labels.Compare`, the evaluator's (promql/labels.ts). */
export { compareLabels } from '../promql/labels.ts';

/** labelsEqual says whether two label sets hold the same pairs (empty values included). */
export function labelsEqual(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** formatFloatE is Go's `strconv.FormatFloat(v, 'E', -1, 64)`: `5E+00`, `1.25E-01`, `NaN`, `+Inf`. */
export function formatFloatE(v: number): string {
  return formatFloat(v, 'E', -1);
}

/** formatGoDuration is Go's `time.Duration.String()` for a whole number of milliseconds: `0s`, `1m30s`, `1h0m0s`, `500ms`. */
export function formatGoDuration(ms: number): string {
  return durationString(BigInt(Math.round(ms)) * 1_000_000n);
}

const MODEL_UNITS: ReadonlyArray<[string, number, boolean]> = [
  ['y', 365 * 24 * 3_600_000, true],
  ['w', 7 * 24 * 3_600_000, true],
  ['d', 24 * 3_600_000, false],
  ['h', 3_600_000, false],
  ['m', 60_000, false],
  ['s', 1000, false],
  ['ms', 1, false],
];

/**
 * formatModelDuration is Prometheus's `model.Duration.String()`: `0s`, `2m30s`, `1h`, `90d`
 * (years and weeks only when they divide the duration exactly).
 */
export function formatModelDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size, exact] of MODEL_UNITS) {
    if (exact && rest % size !== 0) continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
