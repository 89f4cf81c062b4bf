/**
 * compilePromQL: what it refuses (syntax errors, Prometheus' type errors, what this engine does
 * not support), with 1-based positions inside the expression, and how it groups what it accepts.
 * Errors Prometheus also makes are checked against the real `promtool check rules`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isRunwardenError } from '../../../src/errors.ts';
import { compilePromQL } from '../../../src/rules/promql/compile.ts';
import { PromQLError } from '../../../src/rules/promql/errors.ts';
import { requirePeer } from '../../helpers/peers.ts';

/** [expression, line, column, message] of refusals Prometheus makes too. */
const prometheusRefuses: [string, number, number, RegExp][] = [
  ['rate(x)', 1, 6, /expected type range vector in call to function "rate", got instant vector/],
  ['sum(x[5m])', 1, 5, /expected type instant vector in aggregation expression, got range vector/],
  ['abs(x[5m])', 1, 5, /expected type instant vector in call to function "abs", got range vector/],
  ['topk("3", x)', 1, 6, /expected type scalar in aggregation parameter, got string/],
  ['count_values(3, x)', 1, 14, /expected type string in aggregation parameter, got scalar/],
  ['quantile(x, x)', 1, 10, /expected type scalar in aggregation parameter, got instant vector/],
  ['1 > 2', 1, 3, /comparisons between scalars must use BOOL modifier/],
  ['x + bool y', 1, 3, /bool modifier can only be used on comparison operators/],
  ['x and 1', 1, 1, /set operator "and" not allowed in binary scalar expression/],
  ['x and on(a) group_left y', 1, 1, /no grouping allowed for "and" operation/],
  ['x + on(a) group_left(a) y', 1, 3, /label "a" must not occur in ON and GROUP clause at once/],
  ['x[5m] + 1', 1, 1, /binary expression must contain only scalar and instant vector types/],
  ['1 + on(a) 2', 1, 1, /vector matching only allowed between instant vectors/],
  ['-x[5m]', 1, 1, /unary expression only allowed on expressions of type scalar or instant vector, got "range vector"/],
  ['"a" + 1', 1, 1, /binary expression must contain only scalar and instant vector types/],
  ['round(x, 1, 2)', 1, 1, /expected at most 2 argument\(s\) in call to "round", got 3/],
  ['label_join(x, "a")', 1, 1, /expected at least 3 argument\(s\) in call to "label_join", got 2/],
  ['time(1)', 1, 1, /expected 0 argument\(s\) in call to "time", got 1/],
  ['absent("x")', 1, 8, /expected type instant vector in call to function "absent", got string/],
  ['sum()', 1, 1, /no arguments for aggregate expression provided/],
  ['topk(x)', 1, 1, /wrong number of arguments for aggregate expression provided, expected 2, got 1/],
  ['{a=""}', 1, 1, /vector selector must contain at least one non-empty matcher/],
  ['x{__name__="y"}', 1, 1, /metric name must not be set twice: "x" or "y"/],
  ['x{a=~"("}', 1, 3, /error parsing regexp: missing closing \)/],
  ['x offset 1m offset 2m', 1, 1, /offset may not be set multiple times/],
  ['x @ 1 @ 2', 1, 1, /@ <timestamp> may not be set multiple times/],
  ['(x)[5m]', 1, 4, /ranges only allowed for vector selectors/],
  ['x offset 1m [5m]', 1, 13, /no offset modifiers allowed before range/],
  ['sum(x) offset 1m', 1, 1, /offset modifier must be preceded by an instant vector selector or range vector selector or a subquery/],
  ['abs(x) @ 10', 1, 1, /@ modifier must be preceded by an instant vector selector or range vector selector or a subquery/],
  ['x[0s]', 1, 3, /duration must be greater than 0/],
  ['foo(bar)', 1, 1, /unknown function with name "foo"/],
  ['rate(x[5m]', 1, 11, /unexpected end of input/],
  ['x{a="b}', 1, 5, /unterminated quoted string/],
  ['sum(x) by (a) without (b)', 1, 15, /syntax error: unexpected "without"/],
  ['x +', 1, 4, /unexpected end of input/],
  ['x\n  + on(a) group_left(a)\n  y', 2, 3, /label "a" must not occur in ON and GROUP clause at once/],
];

/** Refusals of constructs Prometheus has but this engine does not evaluate. */
const runwardenRefuses: [string, number, number, RegExp][] = [
  ['rate(x[5m:1m])', 1, 7, /subqueries are not supported/],
  ['max_over_time(rate(x[5m])[1h:])', 1, 26, /subqueries are not supported/],
  ['holt_winters(x[5m], 0.5, 0.5)', 1, 1, /function "holt_winters" is not supported/],
  ['predict_linear(x[1h], 3600)', 1, 1, /function "predict_linear" is not supported/],
  ['log2(x)', 1, 1, /function "log2" is not supported/],
  ['x atan2 y', 1, 3, /operator "atan2" is not supported/],
  ['limitk(2, x)', 1, 1, /aggregation limitk is not supported/],
  ['x[5m+1m]', 1, 3, /duration expressions are not supported/],
  ['x > 5m', 1, 5, /duration 5m is not a number here/],
  ['label_replace(x, "a", "$1", "b", "(")', 1, 34, /invalid regular expression in label_replace\(\): \(/],
  ['label_replace(x, "", "$1", "b", "(.*)")', 1, 18, /invalid destination label name/],
  ['x{a=~"(?=a)"}', 1, 3, /invalid or unsupported Perl syntax/],
  ['x{a=~"a\\\\1"}', 1, 3, /invalid escape sequence/],
];

function refusal(expr: string): PromQLError {
  try {
    compilePromQL(expr);
  } catch (err) {
    if (err instanceof PromQLError) return err;
    throw err;
  }
  throw new Error(`${JSON.stringify(expr)} compiled`);
}

describe('compilePromQL refuses, with a position', () => {
  it.each([...prometheusRefuses, ...runwardenRefuses])('%j at %i:%i', (expr, line, col, message) => {
    const err = refusal(expr);
    expect(err.message).toMatch(message);
    expect(err.position).toEqual({ line, col });
    expect(err.code).toBe('RUNWARDEN_ERR_PROMQL');
    expect(isRunwardenError(err)).toBe(true);
  });
});

describe('compilePromQL groups as Prometheus does', () => {
  it.each([
    ['a + b offset 1m * c', '(a + (b offset 1m * c))'],
    ['a * b offset 1m + c', '((a * b offset 1m) + c)'],
    ['-a offset 1m * b', '((-a offset 1m) * b)'],
    ['-2 ^ 2', '(-(2 ^ 2))'],
    ['2 ^ -3 ^ 2', '(2 ^ (-(3 ^ 2)))'],
    ['2 ^ 3 ^ 2', '(2 ^ (3 ^ 2))'],
    ['a - b - c', '((a - b) - c)'],
    ['a or b and c unless d', '(a or ((b and c) unless d))'],
    ['a > b + c', '(a > (b + c))'],
    ['a == bool b > c', '((a == bool b) > c)'],
    ['rate(a[5m] offset 1m @ 100)', 'rate(a[5m] offset 1m @ 100)'],
    ['a[5m] @ 100 offset -1m', 'a[5m] offset -1m @ 100'],
    ['a @ start()', 'a @ start()'],
    ['sum without (b, a) (x)', 'sum without (a, b) (x)'],
    ['sum(x) by (b)', 'sum by (b) (x)'],
    ['-1', '-1'],
    ['- - 1', '1'],
    ['x{a=~"b", c!="d"}', 'x{a=~"b", c!="d"}'],
    ['{"metric.name", "label.x"="1"}', '{__name__="metric.name", label.x="1"}'],
    ['# a comment\nx # trailing', 'x'],
    ['a + on (x) group_left (y) b', '(a + on (x) group_left (y) b)'],
    ['SUM(x) BY (a)', 'sum by (a) (x)'],
  ])('%j is %s', (expr, formatted) => {
    expect(compilePromQL(expr).toString()).toBe(formatted);
  });

  it('keeps the text and reports the static type', () => {
    expect(compilePromQL('x[5m]').valueType).toBe('matrix');
    expect(compilePromQL('time()').valueType).toBe('scalar');
    expect(compilePromQL('"s"').valueType).toBe('string');
    expect(compilePromQL(' rate(x[5m]) ').text).toBe(' rate(x[5m]) ');
  });
});

const promtool = requirePeer('promtool');
const run = promisify(execFile);

describe.skipIf(!promtool)('promtool check rules refuses the same expressions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promql-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Prometheus 3 additions (quoted names) are not in 2.42, so only the shared refusals are run.
  it.each(prometheusRefuses.map(([e]) => e))('%j', async (expr) => {
    const file = join(dir, `r${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, stringify({ groups: [{ name: 'g', rules: [{ record: 'r', expr }] }] }));
    await expect(run(promtool as string, ['check', 'rules', file])).rejects.toMatchObject({ code: 1 });
  });

  it('and accepts what compilePromQL accepts', async () => {
    const accepted = ['a + b offset 1m * c', '-2 ^ 2', 'sum(x) by (b)', 'rate(a[5m] offset 1m @ 100)', 'x{a=~"(?i)b.*"}', 'label_replace(x, "a", "$1", "b", "(.*)")'];
    for (const expr of accepted) compilePromQL(expr);
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, stringify({ groups: [{ name: 'g', rules: accepted.map((expr, i) => ({ record: `r${i}`, expr })) }] }));
    await expect(run(promtool as string, ['check', 'rules', file])).resolves.toBeDefined();
  });
});
