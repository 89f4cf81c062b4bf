/**
 * Rule files, groups and the alert state machine over the real PromQL engine, template language
 * and sample store, on cases whose outcome real promtool 2.42 verified
 * (../shared/conformance/rules/alert_*.yaml, reproduced here), and what only the real parts show:
 * positions of real parse errors, Prometheus's template error text, `query` in templates.
 */
import { describe, expect, it } from 'vitest';
import { configProblems } from '../../../src/config/config-errors.ts';
import type { ConfigError } from '../../../src/errors.ts';
import { compilePromQL } from '../../../src/rules/promql/compile.ts';
import { AlertingRule } from '../../../src/rules/alerting-rule.ts';
import { Group } from '../../../src/rules/group.ts';
import { loadRuleFile } from '../../../src/rules/rule-file.ts';
import type { Labels } from '../../../src/rules/types.ts';
import { SampleStore } from '../../../src/series/sample-store.ts';

const MIN = 60_000;

// setup loads `rules` and puts each series' values (one per minute from 0, null for none) in a
// store; `eval(minute)` evaluates every group at that minute.
function setup(rules: string, series: Array<{ labels: Labels; values: Array<number | null> }>) {
  const store = new SampleStore({ retentionMs: 3_600_000, maxSamples: 1_000_000 });
  for (const s of series) s.values.forEach((v, i) => v !== null && store.append(s.labels, i * MIN, v));
  const file = loadRuleFile('rules.yaml', rules);
  const groups = file.groups.map((g) => new Group(g, { store, evalOptions: { compat: 2, lookbackDeltaMs: 5 * MIN } }));
  const rule = (name: string) => groups.flatMap((g) => g.alertingRules()).find((r) => r.name === name) as AlertingRule;
  const firing = (name: string) => rule(name).activeAlerts().filter((a) => a.state === 'firing').map((a) => a.labels);
  const query = (expr: string, minute: number) => {
    const v = compilePromQL(expr).evaluate(minute * MIN, store, { compat: 2, lookbackDeltaMs: 5 * MIN });
    return v.type === 'vector' ? v.samples : v;
  };
  return { store, groups, rule, firing, query, eval: (minute: number) => groups.forEach((g) => g.eval(minute * MIN)) };
}

const repeat = (v: number, n: number) => Array.from({ length: n }, () => v);

describe('alerting rules over the real engine (promtool-verified cases)', () => {
  it('alert_heartbeat_for: pending 2m..6m, firing from 7m; ALERTS and ALERTS_FOR_STATE', () => {
    const t = setup(
      `groups:
  - name: workflow-heartbeat
    rules:
      - alert: WorkflowHeartbeatStale
        expr: workflow_heartbeat_age_seconds > 120
        for: 5m
        labels:
          severity: warning
`,
      [{ labels: { __name__: 'workflow_heartbeat_age_seconds', run_id: 'r-101', workflow: 'nightly-build' }, values: [30, 60, ...Array.from({ length: 11 }, (_, i) => 150 + 30 * i)] }],
    );
    const firingAt: Record<number, number> = {};
    for (let m = 0; m <= 12; m++) {
      t.eval(m);
      firingAt[m] = t.firing('WorkflowHeartbeatStale').length;
    }
    expect(firingAt).toEqual({ 0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 1, 8: 1, 9: 1, 10: 1, 11: 1, 12: 1 });
    const series = { alertname: 'WorkflowHeartbeatStale', run_id: 'r-101', severity: 'warning', workflow: 'nightly-build' };
    expect(t.query('ALERTS{alertname="WorkflowHeartbeatStale"}', 4)).toEqual([{ labels: { __name__: 'ALERTS', alertstate: 'pending', ...series }, value: 1 }]);
    expect(t.query('ALERTS{alertname="WorkflowHeartbeatStale"}', 7)).toEqual([{ labels: { __name__: 'ALERTS', alertstate: 'firing', ...series }, value: 1 }]);
    expect(t.query('ALERTS_FOR_STATE{alertname="WorkflowHeartbeatStale"}', 9)).toEqual([{ labels: { __name__: 'ALERTS_FOR_STATE', ...series }, value: 120 }]);
  });

  it('alert_keep_firing_for: firing 3m..10m (kept from 6m), resolved at 11m, annotation keeps the last value', () => {
    const t = setup(
      `groups:
  - name: pool
    rules:
      - alert: PoolSaturated
        expr: runwarden_pool_utilization_ratio > 0.9
        for: 2m
        keep_firing_for: 5m
        annotations:
          summary: "at {{ $value }}"
`,
      [{ labels: { __name__: 'runwarden_pool_utilization_ratio', pool: 'gpu-runners' }, values: [0.5, ...repeat(0.96, 5), ...repeat(0.7, 10)] }],
    );
    const states: string[] = [];
    for (let m = 0; m <= 11; m++) {
      t.eval(m);
      states.push(t.rule('PoolSaturated').currentAlerts()[0]?.state ?? '-');
    }
    expect(states).toEqual(['-', 'pending', 'pending', 'firing', 'firing', 'firing', 'firing', 'firing', 'firing', 'firing', 'firing', 'inactive']);
    expect(t.rule('PoolSaturated').currentAlerts()[0]?.annotations).toEqual({ summary: 'at 0.96' });
  });

  it('alert_stale_and_gap: a stale marker resolves at once, a gap under the look-back does not, a longer one does', () => {
    const t = setup(
      `groups:
  - name: heartbeat
    rules:
      - alert: EtlHeartbeatOld
        expr: workflow_heartbeat_age_seconds{workflow="etl"} > 300
        for: 1m
`,
      [
        { labels: { __name__: 'workflow_heartbeat_age_seconds', run_id: 'r-a', workflow: 'etl' }, values: [400, 400, 400, 400, null, null, null, 400, 400, 400, 400] },
        { labels: { __name__: 'workflow_heartbeat_age_seconds', run_id: 'r-b', workflow: 'etl' }, values: [400, 400, 400, 400] },
        { labels: { __name__: 'workflow_heartbeat_age_seconds', run_id: 'r-c', workflow: 'etl' }, values: [400, 400, 400, null, null, null, null, null, null, null, null, 400, 400, 400] },
      ],
    );
    t.store.markStale({ __name__: 'workflow_heartbeat_age_seconds', run_id: 'r-b', workflow: 'etl' }, 4 * MIN);
    const runs: Record<number, string[]> = {};
    for (let m = 0; m <= 12; m++) {
      t.eval(m);
      runs[m] = t.firing('EtlHeartbeatOld').map((l) => l['run_id'] as string).sort();
    }
    expect([runs[3], runs[4], runs[6], runs[8], runs[11], runs[12]]).toEqual([['r-a', 'r-b', 'r-c'], ['r-a', 'r-c'], ['r-a', 'r-c'], ['r-a'], ['r-a'], ['r-a', 'r-c']]);
  });

  it('alert_group_limit: more alerts than the limit is an evaluation error, the rule unhealthy', () => {
    const t = setup(
      `groups:
  - name: heartbeat-limited
    limit: 1
    rules:
      - alert: RunSilent
        expr: workflow_heartbeat_age_seconds > 600
`,
      [
        { labels: { __name__: 'workflow_heartbeat_age_seconds', run_id: 'r-1', workflow: 'etl' }, values: [900, 900] },
        { labels: { __name__: 'workflow_heartbeat_age_seconds', run_id: 'r-2', workflow: 'etl' }, values: [700, 700] },
      ],
    );
    t.eval(0);
    expect(t.rule('RunSilent').status).toMatchObject({ health: 'err', lastError: 'exceeded limit of 1 with 2 alerts' });
    expect(t.rule('RunSilent').currentAlerts()).toEqual([]);
  });

  it('alert_recording_chain: an alert reads the series a recording rule wrote in the same evaluation', () => {
    const t = setup(
      `groups:
  - name: cicd-errors
    rules:
      - record: cicd_pipeline:run_errors:increase5m
        expr: sum by (cicd_pipeline_name) (increase(cicd_pipeline_run_errors_total[5m]))
      - alert: PipelineErrorBurst
        expr: cicd_pipeline:run_errors:increase5m >= 5
        for: 1m
        labels:
          severity: error
`,
      [
        { labels: { __name__: 'cicd_pipeline_run_errors_total', cicd_pipeline_name: 'build', runner: 'a' }, values: [0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
        { labels: { __name__: 'cicd_pipeline_run_errors_total', cicd_pipeline_name: 'build', runner: 'b' }, values: repeat(0, 13) },
        { labels: { __name__: 'cicd_pipeline_run_errors_total', cicd_pipeline_name: 'deploy', runner: 'a' }, values: [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1] },
      ],
    );
    for (let m = 0; m <= 7; m++) t.eval(m);
    expect(t.firing('PipelineErrorBurst')).toEqual([]);
    t.eval(8);
    expect(t.firing('PipelineErrorBurst')).toEqual([{ cicd_pipeline_name: 'build', severity: 'error', alertname: 'PipelineErrorBurst' }]);
    expect(t.query('cicd_pipeline:run_errors:increase5m', 8)).toEqual([
      { labels: { __name__: 'cicd_pipeline:run_errors:increase5m', cicd_pipeline_name: 'build' }, value: 5 },
      { labels: { __name__: 'cicd_pipeline:run_errors:increase5m', cicd_pipeline_name: 'deploy' }, value: 1 },
    ]);
  });

  it('shorthand rules run over the sidecar series they name', () => {
    const t = setup(
      `rules:
  - name: workflow_stuck
    condition: no_progress_for_minutes > 10
    level: WARNING
    for: 1m
`,
      [{ labels: { __name__: 'runwarden_run_progress_age', cicd_pipeline_name: 'etl', cicd_pipeline_run_id: 'r-1' }, values: [540, 600, 660, 720] }],
    );
    for (let m = 0; m <= 3; m++) t.eval(m);
    expect(t.rule('workflow_stuck').activeAlerts()).toMatchObject([
      { state: 'firing', activeAt: 2 * MIN, labels: { alertname: 'workflow_stuck', severity: 'warning', cicd_pipeline_name: 'etl', cicd_pipeline_run_id: 'r-1' }, value: 12 },
    ]);
  });
});

describe('with the real PromQL engine and templates', () => {
  function problems(text: string): string[] {
    try {
      loadRuleFile('rules.yaml', text);
    } catch (err) {
      return configProblems(err as ConfigError).map((p) => p.message);
    }
    return [];
  }

  it('rules_invalid_expr: a missing parenthesis is reported at the end of the expression', () => {
    const text = `groups:
  - name: broken
    rules:
      - record: cicd_pipeline:run_errors:rate5m
        expr: sum by (cicd_pipeline_name) (rate(cicd_pipeline_run_errors_total[5m])
      - alert: PipelineErroring
        expr: cicd_pipeline:run_errors:rate5m > 0
`;
    expect(problems(text)).toEqual([
      'rules.yaml:5:84: group "broken", rule 1, "cicd_pipeline:run_errors:rate5m": could not parse expression: syntax error: unexpected end of input',
    ]);
  });

  it('puts errors inside block scalars and quoted expressions where they are', () => {
    const text = `groups:
  - name: g
    rules:
      - alert: A
        expr: |
          sum by (job) (
            rate(x[5m]
          ) > 1
      - alert: B
        expr: "sum(rate(x[5m])) by (job) > foo(1)"
      - alert: C
        expr: >
          rate(
            up)
`;
    expect(problems(text)).toEqual([
      'rules.yaml:8:16: group "g", rule 1, "A": could not parse expression: syntax error: unexpected end of input',
      'rules.yaml:10:47: group "g", rule 2, "B": could not parse expression: syntax error: unexpected "("',
      'rules.yaml:14:13: group "g", rule 3, "C": could not parse expression: expected type range vector in call to function "rate", got instant vector',
    ]);
  });

  it('puts template parse errors where they are, in Go\'s words', () => {
    const text = `groups:
  - name: g
    rules:
      - alert: A
        expr: up
        labels:
          team: "{{ $labels.x"
        annotations:
          summary: |
            Run {{ $labels.run }}
            is {{ nope 1 }}
`;
    expect(problems(text)).toEqual([
      'rules.yaml:7:18: group "g", rule 1, "A": label "team": unclosed action',
      'rules.yaml:11:19: group "g", rule 1, "A": annotation "summary": function "nope" not defined',
    ]);
  });

  it('renders $value as Go does, runs `query` at the evaluation time, and words execution errors as Prometheus', () => {
    const t = setup(
      `groups:
  - name: g
    rules:
      - alert: Huge
        expr: process_resident_memory_bytes > 1e9
        labels:
          size: '{{ if gt $value 1e9 }}big{{ else }}small{{ end }}'
        annotations:
          raw: '{{ $value }}'
          human: '{{ $value | humanize }}B'
          queried: '{{ with query "sum(process_resident_memory_bytes)" }}{{ . | first | value }}{{ end }}'
          broken: '{{ $value | humanize "x" }}'
`,
      [{ labels: { __name__: 'process_resident_memory_bytes', pod: 'p-0' }, values: [1.5e9] }],
    );
    t.eval(0);
    expect(t.rule('Huge').activeAlerts()).toMatchObject([
      {
        labels: { alertname: 'Huge', pod: 'p-0', size: 'big' },
        annotations: {
          raw: '1.5e+09',
          human: '1.5GB',
          queried: '1.5e+09',
          broken:
            '<error expanding template: error executing template __alert_Huge: template: __alert_Huge:1:124: executing "__alert_Huge" at <humanize>: wrong number of args for humanize: want 1 got 2>',
        },
      },
    ]);
  });
});
