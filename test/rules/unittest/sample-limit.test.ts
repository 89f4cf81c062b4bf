/**
 * promtool runs unit tests with Prometheus's query sample limit at 10,000: a query that would hold
 * more samples at once fails, and so does the test. `runwarden rules test` gives the same verdict.
 * Each case sits on the limit's edge (one size passes, the next fails, by Prometheus 2.42's
 * counting: selections, gathered inputs and results, one range series at a time); the verdicts are
 * asserted here and, where promtool is installed, checked against it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runRulesTest } from '../../../src/cli/rules-test.ts';
import { unitEngine } from '../../../src/rules/unittest/engine.ts';
import { requirePeer } from '../../helpers/peers.ts';

const promtool = requirePeer('promtool');
const dir = mkdtempSync(join(tmpdir(), 'rw-sample-limit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** series writes n constant series `foo{i="k"}` with value 1, one sample a minute for 5 minutes. */
function series(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += `      - {series: 'foo{i="${i}"}', values: '1x5'}\n`;
  return out;
}

interface Case {
  name: string;
  /** The test file for size n. */
  file: (n: number) => string;
  /** The largest n that passes; n + 1 fails. */
  edge: number;
}

/** rangeFile is a promql_expr_test over one series sampled every second, evaluated at 167m (on the 1m evaluation grid). */
function rangeFile(expr: string, value: number): string {
  return `tests:
  - interval: 1s
    input_series:
      - {series: 'bar', values: '0+1x10100'}
    promql_expr_test:
      - expr: ${expr}
        eval_time: 167m
        exp_samples: [{labels: '{}', value: ${value}}]
`;
}

/** seriesFile is a promql_expr_test over n series (see series) at 2m; `samples` is the exp_samples YAML. */
function seriesFile(n: number, expr: string, samples: string): string {
  return `tests:
  - interval: 1m
    input_series:
${series(n)}    promql_expr_test:
      - expr: ${expr}
        eval_time: 2m
        exp_samples: ${samples}
`;
}

const CASES: Case[] = [
  {
    name: "a range function holds one series' points and its output: count_over_time over 1 s samples",
    // A window of r seconds, closed at both ends (compat 2), holds r + 1 points; 9,999 points plus
    // the output fit. The time is on the evaluation grid (1m): promtool loads samples up to the
    // last evaluation step, so between steps the newest ones are not there yet.
    file: (points) => rangeFile(`count_over_time(bar[${points - 1}s])`, points),
    edge: 9999,
  },
  {
    name: 'a scalar argument of a range function stays counted while its series are read',
    file: (points) => rangeFile(`quantile_over_time(0.5, bar[${points - 1}s])`, 10020 - (points - 1) / 2),
    edge: 9998,
  },
  {
    name: 'a one-to-one match counts both sides twice and the result',
    file: (n) => seriesFile(n, 'count(foo * on(i) foo)', `[{labels: '{}', value: ${n}}]`),
    edge: 2000,
  },
  {
    name: 'timestamp() of a selector selects inside the call, then counts its result',
    file: (n) => seriesFile(n, 'count(timestamp(foo))', `[{labels: '{}', value: ${n}}]`),
    edge: 4999,
  },
  {
    name: 'an aggregation counts its input twice (selected, then gathered) and its result',
    file: (n) => seriesFile(n, 'sum(foo)', `[{labels: '{}', value: ${n}}]`),
    edge: 4999,
  },
  {
    name: 'a comparison with a literal counts the literal too, even when nothing matches',
    file: (n) => seriesFile(n, 'foo == 2', '[]'),
    edge: 4999,
  },
  {
    name: 'an alerting rule whose query passes the limit fails to evaluate: the expected alert is missing',
    file: (n) => {
      writeFileSync(join(dir, 'rules.yaml'), "groups:\n  - name: g\n    rules:\n      - alert: Many\n        expr: sum(foo) > 0\n");
      return `rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
${series(n)}    alert_rule_test:
      - eval_time: 2m
        alertname: Many
        exp_alerts: [{exp_labels: {}}]
`;
    },
    edge: 4999,
  },
];

async function runwarden(file: string): Promise<number> {
  const silent = () => {};
  return runRulesTest(['--promql-compat=2', file], { stdout: silent, stderr: silent, engine: async () => unitEngine() });
}

async function promtoolVerdict(file: string): Promise<number> {
  try {
    await promisify(execFile)(promtool as string, ['test', 'rules', file], { cwd: dir, maxBuffer: 16 << 20 });
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? 1;
  }
}

describe('rules test: the query sample limit, as promtool', () => {
  for (const c of CASES) {
    it(c.name, { timeout: 60_000 }, async () => {
      for (const [n, want] of [
        [c.edge, 0],
        [c.edge + 1, 1],
      ] as const) {
        const file = join(dir, `case-${CASES.indexOf(c)}-${n}.yaml`);
        writeFileSync(file, c.file(n));
        expect({ n, verdict: await runwarden(file) }).toEqual({ n, verdict: want });
        if (promtool) expect({ n, promtool: await promtoolVerdict(file) }).toEqual({ n, promtool: want });
      }
    });
  }
});
