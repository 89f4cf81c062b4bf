/**
 * Label-set helpers for the evaluator. Label sets are plain frozen-by-contract records; the ones
 * made here have their keys in sorted order. Keys and name-dropped copies are memoised per label
 * object, so a series read from the store again at the next tick costs no new strings.
 */
import type { Labels } from '../types.ts';

/** METRIC_NAME is the label holding a series' metric name. */
export const METRIC_NAME = '__name__';

const SEP = '\xff';

const keyCache = new WeakMap<Labels, string>();
const noNameCache = new WeakMap<Labels, Labels>();

/** sortedNames returns the label names of `l` in byte order. */
export function sortedNames(l: Labels): string[] {
  const names = Object.keys(l);
  let sorted = true;
  for (let i = 1; i < names.length; i++) {
    if ((names[i - 1] as string) > (names[i] as string)) {
      sorted = false;
      break;
    }
  }
  return sorted ? names : names.sort();
}

/**
 * compareLabels orders label sets as Prometheus's `labels.Compare`: pairwise by name then value
 * in sorted name order, then the shorter set first (the order series come from storage, `sort_by_label`
 * ties and promtool's listings). Negative, zero or positive.
 */
export function compareLabels(a: Labels, b: Labels): number {
  const an = sortedNames(a);
  const bn = sortedNames(b);
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    const x = an[i] as string;
    const y = bn[i] as string;
    if (x !== y) return x < y ? -1 : 1;
    const xv = a[x] as string;
    const yv = b[y] as string;
    if (xv !== yv) return xv < yv ? -1 : 1;
  }
  return an.length - bn.length;
}

/** labelsKey is a stable identity string of a label set: sorted name/value pairs. */
export function labelsKey(l: Labels): string {
  let k = keyCache.get(l);
  if (k === undefined) {
    // Joined, not concatenated: `+=` makes a rope of a few dozen string nodes per key, and
    // these keys live as long as their series (tens of thousands of them, hundreds of
    // thousands of nodes for the garbage collector to trace at every major collection).
    const parts: string[] = [];
    for (const n of sortedNames(l)) parts.push(n, l[n] as string);
    parts.push('');
    k = parts.join(SEP);
    keyCache.set(l, k);
  }
  return k;
}

/** fromEntries builds a label set with sorted keys, leaving out empty values. */
export function fromEntries(entries: Iterable<[string, string]>): Labels {
  const arr = [...entries].filter(([, v]) => v !== '');
  arr.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Record<string, string> = {};
  for (const [n, v] of arr) out[n] = v;
  return out;
}

/** dropMetricName returns `l` without `__name__` (the same object when it has none). */
export function dropMetricName(l: Labels): Labels {
  if (l[METRIC_NAME] === undefined) return l;
  let out = noNameCache.get(l);
  if (out === undefined) {
    const o: Record<string, string> = {};
    for (const n of sortedNames(l)) if (n !== METRIC_NAME) o[n] = l[n] as string;
    out = o;
    noNameCache.set(l, out);
  }
  return out;
}

/** withLabel returns `l` with `name` set to `value` (deleted when value is empty). */
export function withLabel(l: Labels, name: string, value: string): Labels {
  const entries: [string, string][] = [];
  for (const n of Object.keys(l)) if (n !== name) entries.push([n, l[n] as string]);
  if (value !== '') entries.push([name, value]);
  return fromEntries(entries);
}

/** keepLabels returns only the named labels of `l`. */
export function keepLabels(l: Labels, names: readonly string[]): Labels {
  const out: [string, string][] = [];
  for (const n of names) {
    const v = l[n];
    if (v !== undefined && v !== '') out.push([n, v]);
  }
  return fromEntries(out);
}

/** withoutLabels returns `l` without the named labels. */
export function withoutLabels(l: Labels, names: readonly string[]): Labels {
  const drop = new Set(names);
  const out: [string, string][] = [];
  for (const n of Object.keys(l)) if (!drop.has(n)) out.push([n, l[n] as string]);
  return fromEntries(out);
}

/**
 * signatureOf is the matching key of `l`: with `on`, the values of `names`; without, every label
 * except `names` and `__name__` (Prometheus' signatureFunc). `names` must be sorted.
 */
export function signatureOf(l: Labels, on: boolean, names: readonly string[]): string {
  let k = '';
  if (on) {
    for (const n of names) k += n + SEP + (l[n] ?? '') + SEP;
    return k;
  }
  for (const n of sortedNames(l)) {
    if (n === METRIC_NAME || names.includes(n)) continue;
    k += n + SEP + l[n] + SEP;
  }
  return k;
}

/** formatLabels writes a label set as Prometheus does in messages: {a="1", b="2"}. */
export function formatLabels(l: Labels): string {
  const parts = sortedNames(l).map((n) => `${n}=${JSON.stringify(l[n])}`);
  return `{${parts.join(', ')}}`;
}
