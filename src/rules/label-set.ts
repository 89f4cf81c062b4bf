/**
 * Label-set helpers for rules: building label sets as Prometheus's `labels.Builder` does (a later
 * value wins; an empty value deletes the label), plain string records for annotations, and the
 * name rules of Prometheus's classic (pre-UTF-8) validation scheme, which promtool 2.x uses.
 * Series identity is the evaluator's `labelsKey`, so rules and the sample store agree on it.
 */
import type { Labels } from './types.ts';

export { labelsKey } from './promql/labels.ts';

/** METRIC_NAME_LABEL is the label holding a series' name. */
export const METRIC_NAME_LABEL = '__name__';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** isValidLabelName tells whether `name` is a valid label name (classic scheme). */
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

/** isValidMetricName tells whether `name` is a valid metric name (classic scheme: colons allowed). */
export function isValidMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/**
 * makeLabels builds a label set from entries as Prometheus's `labels.Builder`: a later entry wins
 * over an earlier one with the same name, and an empty value removes the label (so a rule label
 * `instance: ""` drops `instance` from the result). Built with `Object.fromEntries`, so a label
 * called `__proto__` is an ordinary own property.
 */
export function makeLabels(entries: Iterable<readonly [string, string]>): Labels {
  const map = new Map<string, string>();
  for (const [name, value] of entries) {
    if (value === '') map.delete(name);
    else map.set(name, value);
  }
  return Object.freeze(Object.fromEntries(map));
}

/** makeRecord builds a frozen string record (annotations, labels as written): a later entry wins, empty values stay. */
export function makeRecord(entries: Iterable<readonly [string, string]>): Readonly<Record<string, string>> {
  const map = new Map<string, string>();
  for (const [name, value] of entries) map.set(name, value);
  return Object.freeze(Object.fromEntries(map));
}
