/**
 * The promtool-compatible rule unit-test runner (`cmd/promtool/unittest.go`, Prometheus 2.42).
 * For each test group: load the input series lazily into a fresh store, load the rule files,
 * evaluate every group at 0, evaluation_interval, 2×evaluation_interval … up to the latest
 * eval_time, check alert_rule_test against the firing alerts of the evaluation at or just before
 * each eval_time, then run promql_expr_test as instant queries over what the store holds.
 * A rule evaluation error ends the test group at once (promtool fails the file for it whatever the
 * expectations say). Messages are promtool's, so the output reads the same.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Labels, PromQLCompat } from '../types.ts';
import {
  alertMismatchMessage,
  alertsEqual,
  exprErrorMessage,
  sampleMismatchMessage,
  samplesEqual,
} from './compare.ts';
import type { ComparedSample, LabelsAndAnnotations } from './compare.ts';
import { resolveRuleFiles } from './glob.ts';
import { formatGoDuration, formatModelDuration, goQuote } from './go-format.ts';
import { InputSeriesLoader } from './input-series.ts';
import type { UnitEngine, UnitGroup, UnitStore } from './ports.ts';
import { parseTestFile } from './test-file.ts';
import type { AlertTestCase, TestGroup, UnitTestFile } from './test-file.ts';
import { PROMTOOL_MAX_SAMPLES } from '../promql/sample-limit.ts';

/** DEFAULT_EVALUATION_INTERVAL_MS is promtool's `evaluation_interval` when a file gives none (1m). */
export const DEFAULT_EVALUATION_INTERVAL_MS = 60_000;

/** LOOKBACK_DELTA_MS is the look-back promtool's engine uses (Prometheus's default, 5m). */
export const LOOKBACK_DELTA_MS = 300_000;

/** RunOptions select the semantics a file runs with. */
export interface RunOptions {
  /**
   * 2: promtool 2.42 (windows closed at their start; a test group without `interval` loads every
   * value at 0s, since promtool before 2.49 did not default it). 3: Prometheus 3 windows, and a
   * missing `interval` is the file's `evaluation_interval`.
   */
  compat: PromQLCompat;
}

/** FileResult is the outcome of one test file: warnings (printed, not failures) and failures (empty: it passed). */
export interface FileResult {
  file: string;
  warnings: string[];
  errors: string[];
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** runTestFile runs every test group of one file. It never throws: every problem is a failure in the result. */
export async function runTestFile(file: string, engine: UnitEngine, options: RunOptions): Promise<FileResult> {
  const result: FileResult = { file, warnings: [], errors: [] };
  let parsed: UnitTestFile;
  let ruleFiles: string[];
  try {
    parsed = parseTestFile(await readFile(file, 'utf8'));
    const resolved = resolveRuleFiles(dirname(file), parsed.ruleFiles);
    result.warnings.push(...resolved.warnings);
    ruleFiles = resolved.files;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    result.errors.push(code === 'ENOENT' ? `open ${file}: no such file or directory` : messageOf(err));
    return result;
  }
  const evalIntervalMs = parsed.evaluationIntervalMs || DEFAULT_EVALUATION_INTERVAL_MS;
  const groupOrder = new Map<string, number>();
  for (const [i, name] of parsed.groupEvalOrder.entries()) {
    if (groupOrder.has(name)) {
      result.errors.push(`group name repeated in evaluation order: ${name}`);
      return result;
    }
    groupOrder.set(name, i);
  }
  for (const tg of parsed.tests) {
    const ctx: GroupContext = { engine, options, ruleFiles, evalIntervalMs, groupOrder };
    try {
      result.errors.push(...(await runTestGroup(tg, ctx)));
    } catch (err) {
      // A bug in an engine part must not hide the other groups' results.
      result.errors.push(`    ${tg.name ? `name: ${tg.name}, ` : ''}err: ${messageOf(err)}`);
    }
  }
  return result;
}

interface GroupContext {
  engine: UnitEngine;
  options: RunOptions;
  ruleFiles: string[];
  evalIntervalMs: number;
  groupOrder: ReadonlyMap<string, number>;
}

/** orderGroups sorts groups by `group_eval_order`; unlisted groups count as position 0, as in promtool. */
function orderGroups(groups: UnitGroup[], order: ReadonlyMap<string, number>): UnitGroup[] {
  return groups
    .map((g, i) => ({ g, i, rank: order.get(g.name) ?? 0 }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.g);
}

function maxEvalTime(tg: TestGroup): number {
  let max = 0;
  for (const t of tg.alertRuleTests) max = Math.max(max, t.evalTimeMs);
  for (const t of tg.promqlExprTests) max = Math.max(max, t.evalTimeMs);
  return max;
}

/** runTestGroup runs one entry of `tests` and returns its failure messages. */
async function runTestGroup(tg: TestGroup, ctx: GroupContext): Promise<string[]> {
  const { engine, options, evalIntervalMs } = ctx;
  const intervalMs = tg.intervalMs || (options.compat === 3 ? evalIntervalMs : 0);

  let input: InputSeriesLoader;
  try {
    input = InputSeriesLoader.parse(tg.inputSeries, intervalMs, engine);
  } catch (err) {
    return [messageOf(err)];
  }
  const store = engine.newStore();
  const loaded = await engine.loadGroups({
    files: ctx.ruleFiles,
    defaultIntervalMs: tg.intervalMs || evalIntervalMs,
    externalLabels: tg.externalLabels,
    externalURL: tg.externalURL,
    store,
    compat: options.compat,
    lookbackDeltaMs: LOOKBACK_DELTA_MS,
  });
  if (loaded.errors) return loaded.errors;
  const groups = orderGroups(loaded.groups, ctx.groupOrder);

  // Alert tests by eval_time, checked as the evaluation passes them.
  const alertTests = new Map<number, AlertTestCase[]>();
  for (const t of tg.alertRuleTests) {
    if (t.alertname === '') {
      const where = tg.name ? ` (in TestGroup ${tg.name})` : '';
      return [
        `an item under alert_rule_test misses required attribute alertname at eval_time ${formatModelDuration(t.evalTimeMs)}${where}`,
      ];
    }
    const list = alertTests.get(t.evalTimeMs) ?? [];
    list.push(t);
    alertTests.set(t.evalTimeMs, list);
  }
  const alertTimes = [...alertTests.keys()].sort((a, b) => a - b);

  const errors: string[] = [];
  const maxT = maxEvalTime(tg);
  let curr = 0;
  for (let ts = 0; ts <= maxT; ts += evalIntervalMs) {
    input.appendTill(ts, store);
    const evalErrors: string[] = [];
    for (const g of groups) {
      await g.evaluate(ts);
      for (const r of g.rules) {
        const err = r.lastError();
        if (err !== undefined && err !== null) {
          evalErrors.push(`    rule: ${r.name}, time: ${formatGoDuration(ts)}, err: ${messageOf(err)}`);
        }
      }
    }
    errors.push(...evalErrors);
    if (evalErrors.length > 0) return errors;

    // An eval_time in [ts, ts + evaluation_interval) is checked against the evaluation at ts.
    while (curr < alertTimes.length && ts <= alertTimes[curr]! && alertTimes[curr]! < ts + evalIntervalMs) {
      const t = alertTimes[curr]!;
      for (const testcase of alertTests.get(t)!) {
        const got = firingAlerts(groups, testcase.alertname);
        const exp = testcase.expAlerts.map((a) => ({
          labels: { ...(a.expLabels ?? {}), alertname: testcase.alertname },
          annotations: { ...(a.expAnnotations ?? {}) },
        }));
        if (!alertsEqual(exp, got)) {
          errors.push(alertMismatchMessage(tg.name, testcase.alertname, testcase.evalTimeMs, exp, got));
        }
      }
      curr++;
    }
  }

  for (const testCase of tg.promqlExprTests) {
    const message = checkExpr(testCase.expr, testCase.evalTimeMs, testCase.expSamples, ctx, store);
    if (message !== undefined) errors.push(message);
  }
  return errors;
}

/** firingAlerts collects the firing alerts of every alerting rule named `alertname`, across all groups. */
function firingAlerts(groups: readonly UnitGroup[], alertname: string): LabelsAndAnnotations[] {
  const got: LabelsAndAnnotations[] = [];
  for (const g of groups) {
    for (const r of g.rules) {
      if (!r.activeAlerts || r.name !== alertname) continue;
      for (const a of r.activeAlerts()) {
        if (a.state === 'firing') got.push({ labels: a.labels, annotations: a.annotations });
      }
    }
  }
  return got;
}

/** checkExpr runs one promql_expr_test; returns its failure message, or undefined when it passes. */
function checkExpr(
  expr: string,
  evalTimeMs: number,
  expSamples: ReadonlyArray<{ labels: string; value: number }>,
  ctx: GroupContext,
  store: UnitStore,
): string | undefined {
  let got: ComparedSample[];
  try {
    const value = ctx.engine
      .compile(expr)
      .evaluate(evalTimeMs, store, { compat: ctx.options.compat, lookbackDeltaMs: LOOKBACK_DELTA_MS, maxSamples: PROMTOOL_MAX_SAMPLES });
    if (value.type === 'vector') got = value.samples.map((s) => ({ labels: s.labels, value: s.value }));
    else if (value.type === 'scalar') got = [{ labels: {}, value: value.value }];
    else throw new Error('rule result is not a vector or scalar');
  } catch (err) {
    return exprErrorMessage(expr, evalTimeMs, messageOf(err));
  }
  const exp: ComparedSample[] = [];
  for (const s of expSamples) {
    let labels: Labels;
    try {
      labels = withoutEmptyValues(ctx.engine.parseSeriesSelector(s.labels));
    } catch (err) {
      return exprErrorMessage(expr, evalTimeMs, `labels ${goQuote(s.labels)}: ${messageOf(err)}`);
    }
    exp.push({ labels, value: s.value });
  }
  return samplesEqual(exp, got) ? undefined : sampleMismatchMessage(expr, evalTimeMs, exp, got);
}

// An empty label value is no label in series notation (`{a="x", b=""}` is `{a="x"}`), as promtool's
// parser.ParseMetric reads it.
function withoutEmptyValues(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ''));
}
