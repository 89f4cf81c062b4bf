/**
 * Rule files: what loads (Prometheus's format, the shorthand, group labels merged into rules,
 * scalars read as yaml.v3 reads them) and every kind of problem `rulefmt` refuses, each at its
 * exact `file:line:col`, including problems inside expressions and templates in every YAML
 * scalar style.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigErrors, configProblems } from '../../../src/config/config-errors.ts';
import { ConfigError } from '../../../src/errors.ts';
import { loadRuleFile } from '../../../src/rules/rule-file.ts';
import type { AlertingRuleSpec, RuleFile } from '../../../src/rules/rule-spec.ts';
import { fakeCompilers } from './fakes.ts';

const FILE = 'rules.yaml';

function load(text: string): RuleFile {
  return loadRuleFile(FILE, text, fakeCompilers);
}

function problems(text: string): string[] {
  try {
    load(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigErrors);
    return configProblems(err as ConfigError).map((p) => p.message);
  }
  throw new Error('expected the file to be refused');
}

// where is the 1-based line:col of the n-th occurrence of `marker` in `text`: an oracle
// independent of the loader for where a problem inside a scalar must be reported.
function where(text: string, marker: string, n = 1): string {
  let at = -1;
  for (let i = 0; i < n; i++) at = text.indexOf(marker, at + 1);
  if (at === -1) throw new Error(`no ${marker}`);
  const before = text.slice(0, at).split('\n');
  return `${before.length}:${(before.at(-1) as string).length + 1}`;
}

describe('loading rule files', () => {
  it('loads a Prometheus rule file: durations, limit, query offset, group labels merged under rule labels', () => {
    const file = loadRuleFile('pipelines.rules.yaml', readFileSync('test/fixtures/rules/pipelines.rules.yaml', 'utf8'), fakeCompilers);
    const [g, empty] = file.groups;
    expect(g).toMatchObject({ name: 'cicd-errors', intervalMs: 30_000, queryOffsetMs: 10_000, limit: 50, labels: { team: 'ci' } });
    expect(g?.rules.map((r) => [r.kind, r.name, r.expr.text, r.labels])).toEqual([
      ['recording', 'cicd_pipeline:run_errors:increase5m', 'sum by (cicd_pipeline_name) (increase(cicd_pipeline_run_errors_total[5m]))', { team: 'ci' }],
      ['alerting', 'PipelineErrorBurst', 'cicd_pipeline:run_errors:increase5m >= 5', { team: '{{ $labels.cicd_pipeline_name }}-oncall', severity: 'error' }],
      ['alerting', 'queue_backlog', 'runwarden_pool_queue_depth > 100', { team: 'ci', severity: 'info' }],
    ]);
    const alert = g?.rules[1] as AlertingRuleSpec;
    expect(alert).toMatchObject({ forMs: 60_000, keepFiringForMs: 300_000, position: { file: 'pipelines.rules.yaml', line: 11, col: 9 } });
    expect([...alert.labelTemplates.keys()].sort()).toEqual(['severity', 'team']);
    expect(alert.labelTemplates.get('team')?.render({ labels: { cicd_pipeline_name: 'build' }, value: 1, externalLabels: {}, externalURL: '' })).toBe('build-oncall');
    expect(empty).toMatchObject({ name: 'empty', intervalMs: undefined, queryOffsetMs: undefined, limit: 0, rules: [] });
  });

  it('loads a shorthand file as one group named after the file, severity from level', () => {
    const file = loadRuleFile('dir/workflow.yaml', readFileSync('test/fixtures/rules/workflow.rules.yaml', 'utf8'), fakeCompilers);
    expect(file.groups).toHaveLength(1);
    const g = file.groups[0];
    expect(g?.name).toBe('workflow');
    const [stuck, budget] = g?.rules as AlertingRuleSpec[];
    expect(stuck).toMatchObject({
      kind: 'alerting',
      name: 'workflow_stuck',
      forMs: 60_000,
      labels: { severity: 'warning' },
      annotations: { summary: 'workflow_stuck: no_progress_for_minutes > 10 (value {{ $value }})' },
      shorthand: { condition: 'no_progress_for_minutes > 10', level: 'WARNING' },
    });
    expect(stuck?.expr.text).toBe('runwarden_run_progress_age / 60 > 10');
    expect(budget?.labels).toEqual({ team: 'data', severity: 'critical' });
    expect(budget?.annotations).toEqual({ summary: '{{ $labels.cicd_pipeline_task_name }} over budget' });
  });

  it('reads scalars as Prometheus does: numbers and booleans as written, empty as empty', () => {
    const file = load(`groups:
  - name: 1
    rules:
      - alert: 2
        expr: 1
        for: 0
        labels: {page: true, level: 1.50}
        annotations: {empty: }
`);
    const rule = file.groups[0]?.rules[0] as AlertingRuleSpec;
    expect([file.groups[0]?.name, rule.name, rule.expr.text, rule.forMs]).toEqual(['1', '2', '1', 0]);
    expect(rule.labels).toEqual({ page: 'true', level: '1.50' });
    expect(rule.annotations).toEqual({ empty: '' });
  });

  it('follows YAML anchors and aliases', () => {
    const file = load(`groups:
  - name: g
    labels: &common {team: data}
    rules:
      - alert: A
        expr: up == 0
        labels: *common
`);
    expect(file.groups[0]?.rules[0]?.labels).toEqual({ team: 'data' });
  });

  it.each(['', '# nothing\n', 'groups:\n', 'groups: []\n', 'rules: []\n'])('an empty file %j has no groups or one empty group', (text) => {
    expect(load(text).groups.flatMap((g) => g.rules)).toEqual([]);
  });

  it('keeps a label called __proto__ as an ordinary label', () => {
    const rule = load(`groups:
  - name: g
    rules:
      - alert: A
        expr: up
        labels: {__proto__: x}
`).groups[0]?.rules[0];
    expect(Object.getPrototypeOf(rule?.labels)).toBe(Object.prototype);
    expect(rule?.labels['__proto__']).toBe('x');
  });
});

describe('rule file problems, each at its file:line:col', () => {
  it('reports every problem of the problems fixture, in file order', () => {
    const text = readFileSync('test/fixtures/rules/problems.rules.yaml', 'utf8');
    const f = 'problems.rules.yaml';
    let err: unknown;
    try {
      loadRuleFile(f, text, fakeCompilers);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('RUNWARDEN_ERR_CONFIG');
    expect(configProblems(err as ConfigError).map((p) => p.message)).toEqual([
      `${f}:3:15: group "runs": interval: not a valid duration: "1x" (like 30s, 5m, 1h30m)`,
      `${f}:6:7: group "runs": invalid label name: bad-name`,
      `${f}:${where(text, 'BAD')}: group "runs", rule 1, "RunStuck": could not parse expression: unexpected identifier "BAD"`,
      `${f}:10:14: group "runs", rule 1, "RunStuck": for: not a valid duration: "10" (like 30s, 5m, 1h30m)`,
      `${f}:12:11: group "runs", rule 1, "RunStuck": invalid label name: __name__`,
      `${f}:${where(text, '{{ $labels.run')}: group "runs", rule 1, "RunStuck": annotation "summary": unclosed action`,
      `${f}:17:9: group "runs", rule 2, "job:errors:rate5m": invalid field 'for' in recording rule`,
      `${f}:18:9: group "runs", rule 2, "job:errors:rate5m": invalid field 'annotations' in recording rule`,
      `${f}:20:17: group "runs", rule 3, "bad name{}": braces present in the recording rule name; should it be in expr?: bad name{}`,
      `${f}:23:17: group "runs", rule 4, "Both": only one of 'record' and 'alert' must be set`,
      `${f}:25:9: group "runs", rule 5: one of 'record' or 'alert' must be set`,
      `${f}:26:9: group "runs", rule 6, "NoExpr": field 'expr' must be set in rule`,
      `${f}:29:9: group "runs", rule 7, "Typo": unknown field "anotations" (did you mean "annotations"?)`,
      `${f}:30:11: groupname: "runs" is repeated in the same file`,
      `${f}:31:12: group "runs": limit: must be an integer`,
      `${f}:${where(text, 'no_progress_for_hours')}: group "runs", rule 1, "workflow_stuck": condition: unknown signal "no_progress_for_hours" (known: no_progress_for_minutes, no_heartbeat_for_seconds, heartbeat_gap_ratio, phase_elapsed_ratio, phase_elapsed_seconds, progress_percent, error_rate, dependent_workflows_failing, memory_usage_percent, cpu_usage_percent, queue_depth, queue_wait_seconds, pool_utilization_percent)`,
      `${f}:${where(text, 'URGENT')}: group "runs", rule 1, "workflow_stuck": unknown level "URGENT": use INFO, WARNING, ERROR or CRITICAL`,
      `${f}:36:9: group "runs", rule 2, "y": a rule is either Prometheus's (alert or record, expr) or the shorthand (name, condition, level), not both`,
    ]);
  });

  it('the aggregate error says the first problem and lists all', () => {
    const text = 'groups:\n  - name: g\n    interval: 1x\n    limit: x\n';
    try {
      load(text);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe(`${FILE}:3:15: group "g": interval: not a valid duration: "1x" (like 30s, 5m, 1h30m)`);
      expect((err as ConfigErrors).problems).toHaveLength(2);
    }
  });

  // Each case puts BAD into an expression written in another YAML style; the problem must be
  // reported where BAD is in the file, whatever quoting, escapes, indentation and folding did.
  it.each([
    { style: 'plain', expr: 'up > BAD' },
    { style: 'plain over two lines', expr: 'sum(up)\n          > BAD' },
    { style: 'double-quoted with escapes', expr: '"label_replace(up, \\"a\\", \\"\\t\\", \\"c\\", \\"d\\") > BAD"' },
    { style: 'double-quoted over lines, with an escaped line break', expr: '"sum(up)\n          > \\\n          BAD"' },
    { style: 'double-quoted with a \\u escape', expr: '"up{job=\\"\\u00e9\\"} > BAD"' },
    { style: 'single-quoted with doubled quotes', expr: "'up{job=''x''} > BAD'" },
    { style: 'single-quoted over lines', expr: "'sum(up)\n\n          > BAD'" },
    { style: 'literal block', expr: '|\n          sum by (job) (\n            rate(x[5m])\n          ) > BAD' },
    { style: 'literal block, strip chomping', expr: '|-\n          sum(up)\n\n            > BAD\n' },
    { style: 'folded block', expr: '>\n          sum(up)\n          > BAD' },
    { style: 'folded block, more-indented and empty lines', expr: '>+\n          sum(\n            up\n          )\n\n          > BAD\n\n' },
    { style: 'a comment after the block header', expr: '| # the expression\n          up > BAD' },
  ])('an expression error in a $style scalar is reported where it is', ({ expr }) => {
    const text = `groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: ${expr}\n        for: 1m\n`;
    expect(problems(text)).toEqual([`${FILE}:${where(text, 'BAD')}: group "g", rule 1, "A": could not parse expression: unexpected identifier "BAD"`]);
  });

  it.each([
    { style: 'plain', value: 'stuck {{ $labels.x' },
    { style: 'double-quoted', value: '"\\tstuck\\n{{ $labels.x"' },
    { style: 'literal block', value: '|\n            Run {{ $labels.run }}\n            is {{ $value' },
  ])('a template error in a $style annotation is reported where it is', ({ value }) => {
    const text = `groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations:\n          summary: ${value}\n`;
    const marker = value.includes('$value') ? '{{ $value' : '{{ $labels.x';
    expect(problems(text)).toEqual([`${FILE}:${where(text, marker)}: group "g", rule 1, "A": annotation "summary": unclosed action`]);
  });

  it('checks templates in labels of alerting rules, and group labels where the group has alerting rules', () => {
    const text = `groups:
  - name: g
    labels: {team: "{{ $labels.team"}
    rules:
      - alert: A
        expr: up
        labels: {owner: "x {{"}
  - name: records-only
    labels: {team: "{{ not a template here"}
    rules:
      - record: r
        expr: up
`;
    expect(problems(text)).toEqual([
      `${FILE}:${where(text, '{{ $labels.team')}: group "g": label "team": unclosed action`,
      `${FILE}:${where(text, '{{"}')}: group "g", rule 1, "A": label "owner": unclosed action`,
    ]);
  });

  it.each([
    { name: 'YAML syntax', text: 'groups:\n  - name: [unclosed\n', problem: '3:1: invalid YAML: ' },
    { name: 'a duplicate key', text: 'groups:\n  - name: a\n    name: b\n', problem: '3:5: invalid YAML: Map keys must be unique' },
    { name: 'a top level that is a list', text: '- a\n', problem: '1:1: a rule file must be a mapping, got a list' },
    { name: 'an unknown top-level field', text: 'group:\n  - name: a\n', problem: '1:1: unknown field "group" (did you mean "groups"?)' },
    { name: 'groups and rules together', text: 'groups: []\nrules: []\n', problem: "2:1: a rule file has either 'groups' (Prometheus's format) or 'rules' (shorthand) at its top level, not both" },
    { name: 'groups that is not a list', text: 'groups: {name: a}\n', problem: '1:9: groups must be a list, got a mapping' },
    { name: 'a group that is not a mapping', text: 'groups:\n  - just-a-name\n', problem: '2:5: a group must be a mapping, got a string' },
    { name: 'an empty group name', text: 'groups:\n  - name: ""\n', problem: '2:11: group name must not be empty' },
    { name: 'a missing group name', text: 'groups:\n  - rules: []\n', problem: '2:5: group name must not be empty' },
    { name: 'an unknown group field', text: 'groups:\n  - name: a\n    intervall: 1m\n', problem: '3:5: group: unknown field "intervall" (did you mean "interval"?)' },
    { name: 'a bad query_offset', text: 'groups:\n  - name: a\n    query_offset: -1m\n', problem: '3:19: group "a": query_offset: not a valid duration: "-1m" (like 30s, 5m, 1h30m)' },
    { name: 'a fractional limit', text: 'groups:\n  - name: a\n    limit: 1.5\n', problem: '3:12: group "a": limit: must be an integer' },
    { name: 'group labels that are a list', text: 'groups:\n  - name: a\n    labels: [x]\n', problem: '3:13: group "a": labels must be a mapping, got a list' },
    { name: 'a rule that is not a mapping', text: 'groups:\n  - name: a\n    rules: [up]\n', problem: '3:13: group "a", rule 1: a rule must be a mapping, got a string' },
    { name: 'an expr that is a mapping', text: 'groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: {a: 1}\n', problem: '5:15: group "a", rule 1, "A": expr must be a string, got a mapping' },
    {
      name: 'a label value that is a list',
      text: 'groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        labels: {x: [1]}\n',
      problem: '6:21: group "a", rule 1, "A": labels.x must be a string, got a list',
    },
    {
      name: 'an invalid recording rule name',
      text: 'groups:\n  - name: a\n    rules:\n      - record: 1abc\n        expr: up\n',
      problem: '4:17: group "a", rule 1, "1abc": invalid recording rule name: 1abc',
    },
    {
      name: 'keep_firing_for on a recording rule',
      text: 'groups:\n  - name: a\n    rules:\n      - record: r\n        expr: up\n        keep_firing_for: 1m\n',
      problem: `6:9: group "a", rule 1, "r": invalid field 'keep_firing_for' in recording rule`,
    },
    {
      name: 'a bad keep_firing_for',
      text: 'groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        keep_firing_for: soon\n',
      problem: '6:26: group "a", rule 1, "A": keep_firing_for: not a valid duration: "soon" (like 30s, 5m, 1h30m)',
    },
    {
      name: 'an invalid annotation name',
      text: 'groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        annotations: {run-book: x}\n',
      problem: '6:23: group "a", rule 1, "A": invalid annotation name: run-book',
    },
    {
      name: 'an empty expr',
      text: 'groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: "  "\n',
      problem: `5:15: group "a", rule 1, "A": field 'expr' must be set in rule`,
    },
    {
      name: 'a label value that is not valid UTF-8',
      text: 'groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        labels: {x: "\\ud800"}\n',
      problem: '6:21: group "a", rule 1, "A": invalid label value: \ud800',
    },
  ])('$name', ({ text, problem }) => {
    const got = problems(text);
    expect(got).toHaveLength(1);
    expect(got[0]?.startsWith(`${FILE}:${problem}`), got[0]).toBe(true);
  });

  it('reports an error thrown by a compiler without a code or position as the bug it is', () => {
    const broken = { ...fakeCompilers, compileExpr: () => { throw new TypeError('x is undefined'); } };
    expect(() => loadRuleFile(FILE, 'groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n', broken)).toThrow(TypeError);
  });
});

describe('shorthand problems', () => {
  const shorthand = (entry: string) => `rules:\n  - ${entry.split('\n').join('\n    ')}\n`;
  const R = 'group "rules", rule 1, "a": ';

  // `at` is the marker where the problem is (`after`: just after it); without a marker, `line:col`.
  it.each([
    { entry: 'name: a\ncondition: queue_depth >\nlevel: INFO', at: 'queue_depth >', after: true, problem: `${R}condition: expected a number after >` },
    { entry: 'name: a\ncondition: queue_depth > 10 and\nlevel: INFO', at: '10 and', after: true, problem: `${R}condition: missing signal at the end of the condition` },
    { entry: 'name: a\ncondition: "queue_depth > 10 xor pool_utilization_percent > 5"\nlevel: INFO', at: 'xor', problem: `${R}condition: expected 'and', 'or' or the end of the condition, got "xor"` },
    { entry: 'name: a\ncondition: queue_depth ~ 10\nlevel: INFO', at: '~', problem: `${R}condition: unexpected character "~"` },
    { entry: 'name: a\ncondition: 10 < queue_depth\nlevel: INFO', at: '10', problem: `${R}condition: expected a signal name, got "10"` },
    { entry: 'name: a\ncondition: queue_depth > 1\nlevel: INFO\nlabels: {severity: page}', at: 'severity', problem: `${R}labels.severity conflicts with level "INFO": set one of them` },
    { entry: 'name: a\ncondition: queue_depth > 1\nlevel: INFO\nseverity: x', at: 'severity', problem: `${R}unknown field "severity"` },
    { entry: 'name: a\ncondition: queue_depth > 1\nlevel: INFO\nfor: 5', at: '5\n', problem: `${R}for: not a valid duration: "5" (like 30s, 5m, 1h30m)` },
    { entry: 'name: a\ncondition: queue_depth > 1', at: '2:5', problem: `${R}field 'level' must be set in a shorthand rule (INFO, WARNING, ERROR or CRITICAL)` },
    { entry: 'condition: queue_depth > 1\nlevel: INFO', at: '2:5', problem: `group "rules", rule 1: field 'name' must be set in a shorthand rule` },
    { entry: 'name: a\nlevel: INFO', at: '2:5', problem: `${R}field 'condition' must be set in a shorthand rule` },
  ])('$problem', ({ entry, at, after, problem }) => {
    const text = shorthand(entry);
    let place = /^\d+:\d+$/.test(at) ? at : where(text, at);
    if (after) place = place.replace(/:(\d+)$/, (_, col: string) => `:${Number(col) + at.length}`);
    expect(problems(text)).toEqual([`${FILE}:${place}: ${problem}`]);
  });

  it('accepts levels in any case, and shorthand rules inside a group with its labels', () => {
    const file = load(`groups:
  - name: g
    labels: {team: data}
    rules:
      - name: a
        condition: queue_depth > 1
        level: critical
`);
    expect(file.groups[0]?.rules[0]?.labels).toEqual({ team: 'data', severity: 'critical' });
  });
});
