/**
 * The two comparisons promtool makes, and its failure messages. Alerts: the firing alerts under
 * an alertname against `exp_alerts` (labels with `alertname` added, annotations exactly, empty
 * values included), as sorted lists. Samples: the query's result against `exp_samples`, in any
 * order, values compared with `==` (so an expected NaN never matches, as in promtool 2.42 whose
 * `reflect.DeepEqual` compares floats with `==`; -0 equals 0).
 */
import type { Labels } from '../types.ts';
import { compareLabels, formatFloatE, formatLabels, formatModelDuration, goQuote, labelsEqual } from './go-format.ts';

/** LabelsAndAnnotations is one alert as compared: its label set and its annotations. */
export interface LabelsAndAnnotations {
  labels: Labels;
  annotations: Labels;
}

/** ComparedSample is one element of a query result or of `exp_samples`. */
export interface ComparedSample {
  labels: Labels;
  value: number;
}

function sortAlerts(list: LabelsAndAnnotations[]): LabelsAndAnnotations[] {
  return [...list].sort((a, b) => compareLabels(a.labels, b.labels) || compareLabels(a.annotations, b.annotations));
}

/** alertsEqual compares two alert lists as multisets. */
export function alertsEqual(exp: readonly LabelsAndAnnotations[], got: readonly LabelsAndAnnotations[]): boolean {
  if (exp.length !== got.length) return false;
  const e = sortAlerts([...exp]);
  const g = sortAlerts([...got]);
  return e.every((a, i) => labelsEqual(a.labels, g[i]!.labels) && labelsEqual(a.annotations, g[i]!.annotations));
}

/** samplesEqual compares two sample lists in any order; values with `==`. */
export function samplesEqual(exp: readonly ComparedSample[], got: readonly ComparedSample[]): boolean {
  if (exp.length !== got.length) return false;
  const e = [...exp].sort((a, b) => compareLabels(a.labels, b.labels));
  const g = [...got].sort((a, b) => compareLabels(a.labels, b.labels));
  return e.every((s, i) => labelsEqual(s.labels, g[i]!.labels) && s.value === g[i]!.value);
}

/** indentLines prefixes every line but the first with `indent` (promtool's `indentLines`). */
export function indentLines(lines: string, indent: string): string {
  return lines.split('\n').join(`\n${indent}`);
}

/** formatAlerts renders an alert list as promtool's `labelsAndAnnotations.String()`. */
export function formatAlerts(list: readonly LabelsAndAnnotations[]): string {
  if (list.length === 0) return '[]';
  const items = sortAlerts([...list]).map(
    (a, i) => `${i}:${indentLines(`\nLabels:${formatLabels(a.labels)}\nAnnotations:${formatLabels(a.annotations)}`, '  ')}`,
  );
  return `[\n${items.join(',\n')}\n]`;
}

/** formatSamples renders samples as promtool does: `{a="1"} 5E+00, ...`, or `nil` when there are none. */
export function formatSamples(list: readonly ComparedSample[]): string {
  if (list.length === 0) return 'nil';
  return [...list]
    .sort((a, b) => compareLabels(a.labels, b.labels))
    .map((s) => `${formatLabels(s.labels)} ${formatFloatE(s.value)}`)
    .join(', ');
}

function testNamePrefix(testGroupName: string): string {
  return testGroupName === '' ? '' : `    name: ${testGroupName},\n`;
}

/** alertMismatchMessage is promtool's message for an alert_rule_test that failed. */
export function alertMismatchMessage(
  testGroupName: string,
  alertname: string,
  evalTimeMs: number,
  exp: readonly LabelsAndAnnotations[],
  got: readonly LabelsAndAnnotations[],
): string {
  const indent = '            ';
  return (
    `${testNamePrefix(testGroupName)}    alertname: ${alertname}, time: ${formatModelDuration(evalTimeMs)}, \n` +
    `        exp:${indentLines(formatAlerts(exp), indent)}, \n` +
    `        got:${indentLines(formatAlerts(got), indent)}`
  );
}

/** sampleMismatchMessage is promtool's message for a promql_expr_test whose result differs. */
export function sampleMismatchMessage(
  expr: string,
  evalTimeMs: number,
  exp: readonly ComparedSample[],
  got: readonly ComparedSample[],
): string {
  return (
    `    expr: ${goQuote(expr)}, time: ${formatModelDuration(evalTimeMs)},\n` +
    `        exp: ${formatSamples(exp)}\n` +
    `        got: ${formatSamples(got)}`
  );
}

/** exprErrorMessage is promtool's message for a promql_expr_test that could not run. */
export function exprErrorMessage(expr: string, evalTimeMs: number, err: string): string {
  return `    expr: ${goQuote(expr)}, time: ${formatModelDuration(evalTimeMs)}, err: ${err}`;
}
