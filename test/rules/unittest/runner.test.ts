import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTestFile } from '../../../src/rules/unittest/runner.ts';
import type { RunOptions } from '../../../src/rules/unittest/runner.ts';
import type { UnitAlert, UnitStore } from '../../../src/rules/unittest/ports.ts';
import { fakeEngine, fakeGroup, FakeStore } from './fake-engine.ts';
import type { FakeGroupsByFile } from './fake-engine.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rw-unittest-'));
  writeFileSync(join(dir, 'rules.yaml'), '');
  writeFileSync(join(dir, 'more.yaml'), '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
async function run(text: string, files: FakeGroupsByFile, options: RunOptions = { compat: 2 }) {
  const file = join(dir, `t${counter++}.test.yaml`);
  writeFileSync(file, text);
  const engine = fakeEngine(files);
  const result = await runTestFile(file, engine, options);
  return { ...result, engine };
}

/** An alerting rule firing on `metric` once it has been above `threshold` for `forMs`, as a tiny state machine. */
function thresholdAlert(name: string, metric: string, threshold: number, forMs: number) {
  const since = new Map<string, number>();
  return {
    name,
    alerting: true,
    eval(atMs: number, store: UnitStore): UnitAlert[] {
      const alerts: UnitAlert[] = [];
      for (const s of store.select([{ name: '__name__', type: '=', value: metric }], atMs - 300_000, atMs)) {
        const last = s.points.at(-1)!;
        const { __name__: _, ...labels } = s.labels;
        const key = JSON.stringify(labels);
        if (last.stale || !(last.v > threshold)) {
          since.delete(key);
          continue;
        }
        const start = since.get(key) ?? atMs;
        since.set(key, start);
        alerts.push({
          state: atMs - start >= forMs ? 'firing' : 'pending',
          labels: { ...labels, alertname: name },
          annotations: { value: String(last.v) },
        });
      }
      return alerts;
    },
  };
}

describe('runTestFile: the evaluation schedule', () => {
  it('evaluates every group at 0, evaluation_interval, ... up to the latest eval_time', async () => {
    const trace: string[] = [];
    const { errors } = await run(
      `rule_files: [rules.yaml]
evaluation_interval: 30s
tests:
  - interval: 30s
    input_series: []
    alert_rule_test:
      - {eval_time: 2m45s, alertname: A}
    promql_expr_test:
      - {expr: 'scalar:1', eval_time: 1m, exp_samples: [{labels: '{}', value: 1}]}
`,
      { 'rules.yaml': (store) => [fakeGroup('g', [], store, trace)] },
    );
    expect(errors).toEqual([]);
    expect(trace).toEqual(['g@0', 'g@30000', 'g@60000', 'g@90000', 'g@120000', 'g@150000']);
  });

  it('loads input samples lazily: a rule never sees a sample later than its evaluation time', async () => {
    const seen: string[] = [];
    const { errors } = await run(
      `rule_files: [rules.yaml]
tests:
  - interval: 1m
    input_series:
      - {series: 'm{a="1"}', values: '1 2 3 4 5 6'}
    promql_expr_test:
      - {expr: 'scalar:0', eval_time: 2m, exp_samples: [{labels: '{}', value: 0}]}
`,
      {
        'rules.yaml': (store) => [
          fakeGroup('g', [{ name: 'probe', eval: (at) => void seen.push(`${at}:${(store as FakeStore).log.length}`) }], store),
        ],
      },
    );
    expect(errors).toEqual([]);
    expect(seen).toEqual(['0:1', '60000:2', '120000:3']);
  });

  it('checks an eval_time between evaluations against the evaluation just before it', async () => {
    // Above 1 from 60s, for 90s: firing from 150s. 2m20s reads the 2m state (pending), 2m45s the 2m30s state.
    const test = (evalTime: string, firing: boolean) => `
      - eval_time: ${evalTime}
        alertname: Slow
        exp_alerts: ${firing ? '[{exp_labels: {run: r}, exp_annotations: {value: "1.25"}}]' : '[]'}`;
    const { errors } = await run(
      `rule_files: [rules.yaml]
evaluation_interval: 30s
tests:
  - interval: 30s
    input_series:
      - {series: 'ratio{run="r"}', values: '0.5 0.75 1.25x10'}
    alert_rule_test:${test('2m', false)}${test('2m20s', false)}${test('2m30s', true)}${test('2m45s', true)}
`,
      { 'rules.yaml': (store) => [fakeGroup('g', [thresholdAlert('Slow', 'ratio', 1, 90_000)], store)] },
    );
    expect(errors).toEqual([]);
  });

  it('lists only firing alerts, gathered from every rule of that name in every group', async () => {
    const { errors } = await run(
      `rule_files: [rules.yaml, more.yaml]
tests:
  - interval: 1m
    input_series:
      - {series: 'x{pod="a"}', values: '5x5'}
      - {series: 'y{pod="b"}', values: '5x5'}
    alert_rule_test:
      - eval_time: 1m
        alertname: High
        exp_alerts:
          - exp_labels: {pod: a, alertname: ignored}
            exp_annotations: {value: "5"}
          - exp_labels: {pod: b}
            exp_annotations: {value: "5"}
`,
      {
        'rules.yaml': (store) => [fakeGroup('g1', [thresholdAlert('High', 'x', 1, 0), thresholdAlert('Other', 'x', 1, 0)], store)],
        'more.yaml': (store) => [fakeGroup('g2', [thresholdAlert('High', 'y', 1, 0), thresholdAlert('High', 'x', 1, 120_000)], store)],
      },
    );
    expect(errors).toEqual([]);
  });

  it('evaluates groups in group_eval_order; unlisted groups rank with the first listed, in load order', async () => {
    const trace: string[] = [];
    const { errors } = await run(
      `rule_files: [rules.yaml]
group_eval_order: [b, c]
tests:
  - interval: 1m
    input_series: []
`,
      { 'rules.yaml': (store) => ['a', 'c', 'b', 'd'].map((n) => fakeGroup(n, [], store, trace)) },
    );
    expect(errors).toEqual([]);
    expect(trace).toEqual(['a@0', 'b@0', 'd@0', 'c@0']);
  });

  it('refuses a group named twice in group_eval_order', async () => {
    const { errors } = await run('group_eval_order: [a, b, a]\ntests: []\n', {});
    expect(errors).toEqual(['group name repeated in evaluation order: a']);
  });
});

describe('runTestFile: failures', () => {
  it('reports alert mismatches with the test group name', async () => {
    const { errors } = await run(
      `rule_files: [rules.yaml]
tests:
  - name: mem
    interval: 1m
    input_series:
      - {series: 'x{pod="a"}', values: '5x5'}
    alert_rule_test:
      - {eval_time: 1m, alertname: High, exp_alerts: []}
`,
      { 'rules.yaml': (store) => [fakeGroup('g', [thresholdAlert('High', 'x', 1, 0)], store)] },
    );
    expect(errors).toEqual([
      `    name: mem,
    alertname: High, time: 1m, 
        exp:[], 
        got:[
            0:
              Labels:{alertname="High", pod="a"}
              Annotations:{value="5"}
            ]`,
    ]);
  });

  it('ends a test group at the first evaluation with a rule error, keeping earlier failures; later groups still run', async () => {
    const { errors } = await run(
      `rule_files: [rules.yaml]
tests:
  - interval: 1m
    input_series:
      - {series: 'x{pod="a"}', values: '5x5'}
    alert_rule_test:
      - {eval_time: 0m, alertname: High, exp_alerts: []}
      - {eval_time: 5m, alertname: High, exp_alerts: []}
    promql_expr_test:
      - {expr: 'scalar:1', eval_time: 5m, exp_samples: []}
  - interval: 1m
    input_series: []
    promql_expr_test:
      - {expr: 'scalar:2', eval_time: 0m, exp_samples: []}
`,
      {
        'rules.yaml': (store) => [
          fakeGroup(
            'g',
            [
              thresholdAlert('High', 'x', 1, 0),
              {
                name: 'rec',
                eval: (at) => {
                  if (at >= 60_000) throw new Error('boom');
                },
              },
              { name: 'rec2', eval: (at) => { if (at >= 60_000) throw new Error('bang'); } },
            ],
            store,
          ),
        ],
      },
    );
    expect(errors).toHaveLength(4);
    expect(errors[0]).toContain('alertname: High, time: 0s');
    expect(errors.slice(1)).toEqual([
      '    rule: rec, time: 1m0s, err: boom',
      '    rule: rec2, time: 1m0s, err: bang',
      '    expr: "scalar:2", time: 0s,\n        exp: nil\n        got: {} 2E+00',
    ]);
  });

  it('prints rule file load errors as they come and stops that test group', async () => {
    const { errors } = await run('rule_files: [rules.yaml]\ntests:\n  - interval: 1m\n', {
      'rules.yaml': ['rules.yaml: 5:15: group "broken", rule 1: could not parse expression'],
    });
    expect(errors).toEqual(['rules.yaml: 5:15: group "broken", rule 1: could not parse expression']);
  });

  it('refuses an alert_rule_test without alertname', async () => {
    const { errors } = await run('tests:\n  - name: n\n    alert_rule_test:\n      - eval_time: 2m\n', {});
    expect(errors).toEqual(['an item under alert_rule_test misses required attribute alertname at eval_time 2m (in TestGroup n)']);
  });

  it('reports a bad input series and skips the group', async () => {
    const { errors } = await run("tests:\n  - input_series:\n      - {series: 'm{', values: '1'}\n", {});
    expect(errors).toEqual(['bad selector m{']);
  });

  it('fails on a test file that does not exist, and warns on a rule file pattern that matches nothing', async () => {
    const engine = fakeEngine({});
    expect(await runTestFile(join(dir, 'nope.yaml'), engine, { compat: 2 })).toEqual({
      file: join(dir, 'nope.yaml'),
      warnings: [],
      errors: [`open ${join(dir, 'nope.yaml')}: no such file or directory`],
    });
    const { errors, warnings } = await run('rule_files: [missing.yaml]\ntests: [{interval: 1m}]\n', {});
    expect(errors).toEqual([]);
    expect(warnings).toEqual([`no file match pattern ${join(dir, 'missing.yaml')}`]);
  });
});

describe('runTestFile: promql_expr_test', () => {
  const series = `
    input_series:
      - {series: 'm{a="x"}', values: '1 2 3 4 5 6 7 8'}`;

  it.each([
    ['a matching vector', `{expr: m, eval_time: 1m, exp_samples: [{labels: 'm{a="x"}', value: 2}]}`, []],
    ['empty label values dropped from expected labels', `{expr: m, eval_time: 1m, exp_samples: [{labels: 'm{a="x",b=""}', value: 2}]}`, []],
    ['a scalar as one sample with no labels', `{expr: 'scalar:3', eval_time: 1m, exp_samples: [{labels: '{}', value: 3}]}`, []],
    ['NaN never equal', `{expr: 'scalar:NaN', eval_time: 1m, exp_samples: [{labels: '{}', value: .nan}]}`, ['    expr: "scalar:NaN", time: 1m,\n        exp: {} NaN\n        got: {} NaN']],
    ['a matrix result', `{expr: matrix, eval_time: 1m}`, ['    expr: "matrix", time: 1m, err: rule result is not a vector or scalar']],
    ['a parse error', `{expr: parse-error, eval_time: 1m}`, ['    expr: "parse-error", time: 1m, err: 1:1: parse error: unexpected thing']],
    ['an evaluation error', `{expr: 'fail:many-to-many', eval_time: 90s}`, ['    expr: "fail:many-to-many", time: 1m30s, err: many-to-many']],
    ['bad expected labels', `{expr: m, eval_time: 1m, exp_samples: [{labels: 'm{a=x}', value: 2}]}`, ['    expr: "m", time: 1m, err: labels "m{a=x}": bad label pair a=x']],
  ])('%s', async (_, testCase, want) => {
    const { errors } = await run(`tests:\n  - interval: 1m${series}\n    promql_expr_test:\n      - ${testCase}\n`, {});
    expect(errors).toEqual(want);
  });

  it('queries only the samples loaded up to the last evaluation at or before the latest eval_time', async () => {
    // 30s samples, 1m evaluations, latest eval_time 90s: the store holds samples up to 60s only.
    const { errors } = await run(
      `tests:
  - interval: 30s
    input_series:
      - {series: 'm{a="x"}', values: '1 2 3 4 5 6 7 8'}
    promql_expr_test:
      - {expr: m, eval_time: 90s, exp_samples: [{labels: 'm{a="x"}', value: 3}]}
`,
      {},
    );
    expect(errors).toEqual([]);
  });

  it('keeps the last definition of a series given twice', async () => {
    const { errors } = await run(
      `tests:
  - interval: 1m
    input_series:
      - {series: 'm{a="x"}', values: '5 2 3'}
      - {series: 'm{a="x"}', values: '7 8 9'}
    promql_expr_test:
      - {expr: m, eval_time: 1m, exp_samples: [{labels: 'm{a="x"}', value: 8}]}
`,
      {},
    );
    expect(errors).toEqual([]);
  });

  it('without interval: compat 2 loads every value at 0s (first kept), as promtool 2.42; compat 3 spaces them by evaluation_interval', async () => {
    const text = `evaluation_interval: 1m
tests:
  - input_series:
      - {series: 'm', values: '5 2 3'}
    promql_expr_test:
      - {expr: m, eval_time: 2m, exp_samples: [{labels: 'm', value: 5}]}
`;
    expect((await run(text, {}, { compat: 2 })).errors).toEqual([]);
    expect((await run(text, {}, { compat: 3 })).errors).toEqual([
      '    expr: "m", time: 2m,\n        exp: {__name__="m"} 5E+00\n        got: {__name__="m"} 3E+00',
    ]);
  });

  it('hands the test group settings to the rule loader', async () => {
    const { engine } = await run(
      `rule_files: [rules.yaml]
evaluation_interval: 20s
tests:
  - interval: 10s
    external_labels: {cluster: eu}
    external_url: https://example
`,
      { 'rules.yaml': () => [] },
      { compat: 3 },
    );
    expect(engine.setups).toHaveLength(1);
    expect(engine.setups[0]).toMatchObject({
      files: [join(dir, 'rules.yaml')],
      defaultIntervalMs: 10_000,
      externalLabels: { cluster: 'eu' },
      externalURL: 'https://example',
      compat: 3,
      lookbackDeltaMs: 300_000,
    });
    expect(engine.setups[0]!.store).toBe(engine.stores[0]);
  });
});
