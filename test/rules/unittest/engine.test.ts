import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitEngine } from '../../../src/rules/unittest/engine.ts';
import { runTestFile } from '../../../src/rules/unittest/runner.ts';
import type { RunOptions } from '../../../src/rules/unittest/runner.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rw-unit-engine-'));
  mkdirSync(join(dir, 'adir.yaml'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
async function run(rules: string | undefined, test: string, options: RunOptions) {
  const n = counter++;
  if (rules !== undefined) writeFileSync(join(dir, `r${n}.yaml`), rules);
  const file = join(dir, `t${n}.yaml`);
  writeFileSync(file, test.replaceAll('RULES', `r${n}.yaml`));
  return runTestFile(file, unitEngine(), options);
}

const GROUP_LABELS = `groups:
  - name: g
    labels: {team: platform}
    rules:
      - record: depth:copy
        expr: depth
`;

const COPY_TEST = `rule_files: [RULES]
tests:
  - interval: 1m
    input_series:
      - {series: 'depth{queue="q"}', values: '1 2 3'}
    promql_expr_test:
      - expr: depth:copy
        eval_time: 1m
        exp_samples: [{labels: 'depth:copy{queue="q",team="platform"}', value: 2}]
`;

describe('unitEngine: rules run by the real engine', () => {
  it('records with group labels under compat 3', async () => {
    expect((await run(GROUP_LABELS, COPY_TEST, { compat: 3 })).errors).toEqual([]);
  });

  it.each([
    ['labels', GROUP_LABELS, 'Prometheus 3'],
    ['query_offset', GROUP_LABELS.replace('labels: {team: platform}', 'query_offset: 1m'), 'Prometheus 2.53'],
  ])('refuses group %s under compat 2, as promtool 2.42 does', async (field, rules, since) => {
    const { errors } = await run(rules, COPY_TEST, { compat: 2 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^${dir}/r\\d+\\.yaml:2:5: group "g": field ${field} not found in type rulefmt.RuleGroup`));
    expect(errors[0]).toContain(since);
  });

  it('reports every problem of a rule file that does not load, each with its position', async () => {
    const { errors } = await run(
      'groups:\n  - name: g\n    rules:\n      - record: x\n        expr: sum(\n      - alert: A\n        expr: up\n        for: soon\n',
      COPY_TEST,
      { compat: 2 },
    );
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/r\d+\.yaml:5:\d+: .*could not parse expression/);
    expect(errors[1]).toMatch(/r\d+\.yaml:8:\d+: /);
  });

  it('reports a rule file it cannot read', async () => {
    const { errors } = await run(undefined, COPY_TEST.replace('RULES', 'adir.yaml'), { compat: 2 });
    expect(errors).toEqual([`${join(dir, 'adir.yaml')}: is a directory`]);
  });

  it('keeps samples for as long as the test runs (no retention), and shows firing alerts only', async () => {
    const { errors } = await run(
      'groups:\n  - name: g\n    rules:\n      - alert: Deep\n        expr: depth > 1\n        for: 2d\n',
      `rule_files: [RULES]
evaluation_interval: 1h
tests:
  - interval: 1h
    input_series:
      - {series: 'depth{queue="q"}', values: '5x100'}
    alert_rule_test:
      - {eval_time: 47h, alertname: Deep, exp_alerts: []}
      - {eval_time: 48h, alertname: Deep, exp_alerts: [{exp_labels: {queue: q}}]}
    promql_expr_test:
      - expr: depth offset 48h
        eval_time: 48h
        exp_samples: [{labels: 'depth{queue="q"}', value: 5}]
`,
      { compat: 2 },
    );
    expect(errors).toEqual([]);
  });
});
