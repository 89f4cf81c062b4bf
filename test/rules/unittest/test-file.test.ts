import { describe, expect, it } from 'vitest';
import { parseTestFile, TestFileError } from '../../../src/rules/unittest/test-file.ts';

describe('parseTestFile', () => {
  it('reads every field of the format', () => {
    const file = parseTestFile(`
rule_files: [a.yaml, 'b*.yaml']
evaluation_interval: 30s
group_eval_order: [g2, g1]
tests:
  - name: t1
    interval: 15s
    external_labels: {cluster: eu, replica: 1}
    external_url: http://x
    input_series:
      - series: 'up{job="a"}'
        values: '1+1x3 _ stale'
    alert_rule_test:
      - eval_time: 1m30s
        alertname: A
        exp_alerts:
          - exp_labels: {code: 500, ratio: 1.50, empty: ""}
            exp_annotations: {summary: hi}
          - {}
    promql_expr_test:
      - expr: up
        eval_time: 0
        exp_samples:
          - labels: 'up{job="a"}'
            value: 1e8
          - labels: '{}'
            value: .inf
          - labels: '{}'
`);
    expect(file).toEqual({
      ruleFiles: ['a.yaml', 'b*.yaml'],
      evaluationIntervalMs: 30_000,
      groupEvalOrder: ['g2', 'g1'],
      tests: [
        {
          name: 't1',
          intervalMs: 15_000,
          externalLabels: { cluster: 'eu', replica: '1' },
          externalURL: 'http://x',
          inputSeries: [{ series: 'up{job="a"}', values: '1+1x3 _ stale' }],
          alertRuleTests: [
            {
              evalTimeMs: 90_000,
              alertname: 'A',
              expAlerts: [
                // yaml.v2 keeps a plain scalar's text in a string field: 1.50 stays "1.50".
                { expLabels: { code: '500', ratio: '1.50', empty: '' }, expAnnotations: { summary: 'hi' } },
                { expLabels: null, expAnnotations: null },
              ],
            },
          ],
          promqlExprTests: [
            {
              expr: 'up',
              evalTimeMs: 0,
              expSamples: [
                { labels: 'up{job="a"}', value: 1e8 },
                { labels: '{}', value: Infinity },
                { labels: '{}', value: 0 },
              ],
            },
          ],
        },
      ],
    });
  });

  it('reads an empty file as no tests', () => {
    expect(parseTestFile('')).toEqual({ ruleFiles: [], evaluationIntervalMs: 0, groupEvalOrder: [], tests: [] });
  });

  it.each([
    ['an unknown top-level field', 'rule_file: [a.yaml]\n', 'line 1: field rule_file not found in type main.unitTestFile'],
    [
      'an unknown field in a test group',
      'tests:\n  - interval: 1m\n    input_serie: []\n',
      'line 3: field input_serie not found in type main.testGroup',
    ],
    [
      'a string value',
      'tests:\n  - promql_expr_test:\n      - expr: up\n        exp_samples:\n          - value: abc\n',
      'line 5: cannot unmarshal !!str `abc` into float64',
    ],
    ['a quoted number value', "tests:\n  - promql_expr_test:\n      - exp_samples:\n          - value: '5'\n", 'cannot unmarshal !!str `5` into float64'],
    ['a list where a string goes', 'tests:\n  - name: [a]\n', 'line 2: cannot unmarshal !!seq into string'],
    ['a string where a list goes', 'rule_files: a.yaml\n', 'line 1: cannot unmarshal !!str `a.yaml` into []string'],
    ['a number as a duration', 'evaluation_interval: 60\n', 'not a valid duration string: "60"'],
    ['a negative duration', 'tests:\n  - interval: -1m\n', 'not a valid duration string: "-1m"'],
    ['a repeated field', 'tests: []\ntests: []\n', 'line 2: field tests already set in type main.unitTestFile'],
    [
      'a repeated label',
      'tests:\n  - alert_rule_test:\n      - exp_alerts:\n          - exp_labels: {a: 1, a: 2}\n',
      'line 4: key "a" already set in map',
    ],
    ['a syntax error', 'tests: [\n', 'yaml: line'],
  ])('refuses %s, as yaml.UnmarshalStrict does', (_, text, message) => {
    expect(() => parseTestFile(text)).toThrow(TestFileError);
    expect(() => parseTestFile(text)).toThrow(message);
  });
});
