/**
 * RE2 regexps in label matchers: the translation to JavaScript matches as Go's regexp does,
 * anchored at both ends, checked against the real promtool; and what RE2 refuses is refused.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compileAnchored, RegexSyntaxError } from '../../../src/rules/promql/regex.ts';
import { requirePeer } from '../../helpers/peers.ts';

/** [regexp, label value, matches in Prometheus 2, matches in Prometheus 3 when different] */
const cases: [string, string, boolean, boolean?][] = [
  ['build', 'build', true],
  ['build', 'builds', false],
  ['b', 'ab', false],
  ['build|deploy', 'deploy', true],
  ['.*', '', true],
  ['.+', '', false],
  ['a.c', 'abc', true],
  ['a.c', 'a\nc', false, true],
  ['(?s)a.c', 'a\nc', true],
  ['(?i)BUILD', 'build', true],
  ['a(?i)B', 'ab', true],
  ['a(?i:b)c', 'aBC', false],
  ['[[:alpha:]]+', 'abc', true],
  ['[[:^digit:]]+', 'ab1', false],
  ['[^[:space:]]+', 'a b', false],
  ['\\d{3}', '123', true],
  ['\\d{3}', '12', false],
  ['\\s', '\u00a0', false],
  ['\\w+', 'héllo', false],
  ['\\pL+', 'héllo', true],
  ['\\p{Greek}+', 'αβγ', true],
  ['[\\d-z]+', '1-z', true],
  ['x{2,3}', 'xxxx', false],
  ['a{', 'a{', true],
  ['\\.', '.', true],
  ['\\.', 'x', false],
  ['\\Qa.b\\E', 'a.b', true],
  ['\\Qa.b\\E', 'axb', false],
  ['[]a]+', ']a', true],
  ['(?P<n>a)b', 'ab', true],
  ['\\x41', 'A', true],
  ['\\x{1F600}', '😀', true],
  ['.', '😀', true],
  ['^a$', 'a', true],
  ['a$b', 'a$b', false],
  ['\\Aab\\z', 'ab', true],
  ['(?m)^b', 'a\nb', false],
  ['a|', '', true],
  ['(a|b)*c', 'ababc', true],
  ['a*?b', 'aab', true],
  ['\\bfoo\\b', 'foo', true],
  ['[a-c-e]', '-', true],
  ['\\_', '_', true],
  ['\\-', '-', true],
  ['\\/', '/', true],
];

describe('compileAnchored', () => {
  for (const compat of [2, 3] as const) {
    it.each(cases)(`compat ${compat}: %j against %j`, (re, value, m2, m3) => {
      expect(compileAnchored(re, compat === 3).test(value)).toBe(compat === 3 && m3 !== undefined ? m3 : m2);
    });
  }

  it.each([
    ['a\\1', /invalid escape sequence/],
    ['(?=a)', /invalid or unsupported Perl syntax/],
    ['(?<!a)b', /invalid or unsupported Perl syntax/],
    ['(?U)a*', /ungreedy flag/],
    ['a**', /invalid nested repetition operator/],
    ['*a', /missing argument to repetition operator/],
    ['[z-a]', /invalid character class range/],
    ['a{1001}', /invalid repeat count/],
    ['(a', /missing closing \)/],
    ['a)', /unexpected \)/],
    ['[a', /missing closing \]/],
    ['\\', /trailing backslash/],
    ['\\p{Nope}', /invalid character class range/],
    ['[[:nope:]]', /invalid character class range/],
  ])('refuses %j', (re, message) => {
    let err: unknown;
    try {
      compileAnchored(re, false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegexSyntaxError);
    expect((err as Error).message).toMatch(message);
  });
});

const promtool = requirePeer('promtool');
const run = promisify(execFile);

describe.skipIf(!promtool)('promtool matches the same label values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promql-regex-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`agrees on ${cases.length} regexps`, async () => {
    const tests = cases.map(([re, value, m2]) => ({
      interval: '1m',
      input_series: [{ series: `x{v=${JSON.stringify(value)}}`, values: '1' }],
      promql_expr_test: [{ expr: `count(x{v=~${JSON.stringify(re)}}) or vector(0)`, eval_time: '0m', exp_samples: [{ labels: '{}', value: m2 ? 1 : 0 }] }],
    }));
    const file = join(dir, 'regex.test.yaml');
    writeFileSync(file, stringify({ evaluation_interval: '1m', tests }));
    const r = await run(promtool as string, ['test', 'rules', file]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    expect(r.stdout).toContain('SUCCESS');
  });

  it('refuses the same regexps', async () => {
    for (const re of ['a\\1', '(?=a)', 'a**', '*a', '[z-a]', 'a{1001}', '(a']) {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, stringify({ groups: [{ name: 'g', rules: [{ record: 'r', expr: `x{v=~${JSON.stringify(re)}}` }] }] }));
      await expect(run(promtool as string, ['check', 'rules', file]), re).rejects.toMatchObject({ code: 1 });
    }
  });
});
