import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/args.ts';
import { runRulesTest } from '../../../src/cli/rules-test.ts';
import type { RulesTestIO } from '../../../src/cli/rules-test.ts';
import { fakeEngine } from './fake-engine.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rw-rules-test-'));
  writeFileSync(
    join(dir, 'pass.yaml'),
    "tests:\n  - interval: 1m\n    input_series: [{series: 'm', values: '1 2'}]\n    promql_expr_test:\n      - {expr: m, eval_time: 1m, exp_samples: [{labels: m, value: 2}]}\n",
  );
  writeFileSync(
    join(dir, 'fail.yaml'),
    "rule_files: [none.yaml]\ntests:\n  - interval: 1m\n    input_series: [{series: 'm', values: '1 2'}]\n    promql_expr_test:\n      - {expr: m, eval_time: 1m, exp_samples: [{labels: m, value: 3}]}\n      - {expr: 'fail:boom', eval_time: 0s}\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): RulesTestIO & { out: string; err: string; both: string } {
  const io = {
    out: '',
    err: '',
    both: '',
    stdout: (t: string) => {
      io.out += t;
      io.both += t;
    },
    stderr: (t: string) => {
      io.err += t;
      io.both += t;
    },
    engine: async () => fakeEngine({}),
  };
  return io;
}

describe('runwarden rules test', () => {
  it('prints SUCCESS and exits 0 when every file passes', async () => {
    const io = capture();
    const file = join(dir, 'pass.yaml');
    expect(await runRulesTest([file], io)).toBe(0);
    expect(io.out).toBe(`Unit Testing:  ${file}\n  SUCCESS\n\n`);
    expect(io.err).toBe('');
  });

  it('prints promtool-shaped failures on stderr and exits 1 when any file fails', async () => {
    const io = capture();
    const pass = join(dir, 'pass.yaml');
    const fail = join(dir, 'fail.yaml');
    expect(await runRulesTest(['--promql-compat=2', fail, pass], io)).toBe(1);
    expect(io.both).toBe(
      `Unit Testing:  ${fail}\n` +
        `  WARNING: no file match pattern ${join(dir, 'none.yaml')}\n` +
        '  FAILED:\n' +
        '    expr: "m", time: 1m,\n        exp: {__name__="m"} 3E+00\n        got: {__name__="m"} 2E+00\n\n' +
        '    expr: "fail:boom", time: 0s, err: boom\n\n' +
        '\n' +
        `Unit Testing:  ${pass}\n  SUCCESS\n\n`,
    );
  });

  it.each([
    [['--promql-compat=4', 'x.yaml'], '--promql-compat must be 2 or 3'],
    [[], 'no test files given'],
    [['--bogus', 'x.yaml'], "Unknown option '--bogus'"],
  ])('refuses %j as a usage error', async (argv, message) => {
    await expect(runRulesTest(argv, capture())).rejects.toThrow(UsageError);
    await expect(runRulesTest(argv, capture())).rejects.toThrow(message);
  });

  it('prints its help', async () => {
    const io = capture();
    expect(await runRulesTest(['--help'], io)).toBe(0);
    expect(io.out).toContain('Usage: runwarden rules test [--promql-compat=2|3] FILE...');
  });
});
