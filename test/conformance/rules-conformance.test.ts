/**
 * The rule unit-test conformance suites, each case with the verdict promtool 2.42 gave on it:
 * `rules/` (the shared suite, copied unchanged) and `rules-extra/` (Runwarden's own cases for the
 * runner). Every case runs through the real CLI, `runwarden rules test --promql-compat=2`, as a
 * child process, and through the real `promtool test rules`, so the recorded verdicts stay proven
 * against the tool they came from and both tools fail at the same checks. promtool missing: its
 * half skips locally, and fails under CI=true.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requirePeer } from '../helpers/peers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const CLI = join(ROOT, 'bin', 'runwarden.js');

/** SUITES are the case folders under test/conformance and how many cases each must hold. */
const SUITES = [
  { dir: 'rules', count: 39 },
  { dir: 'rules-extra', count: 18 },
] as const;

interface Case {
  suite: string;
  name: string;
  verdict: 'pass' | 'fail';
}

function suiteDir(suite: string): string {
  return join(ROOT, 'test', 'conformance', suite);
}

function readCases(suite: string): Case[] {
  const cases: Case[] = [];
  for (const line of readFileSync(join(suiteDir(suite), 'EXPECTED.tsv'), 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [name, verdict] = line.split('\t');
    if (!name || (verdict !== 'pass' && verdict !== 'fail')) throw new Error(`malformed EXPECTED.tsv line: ${line}`);
    cases.push({ suite, name, verdict });
  }
  return cases;
}

interface Outcome {
  status: number | null;
  verdict: 'pass' | 'fail';
  output: string;
}

function run(command: string, args: string[], cwd: string): Outcome {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  if (r.error) throw r.error;
  return {
    status: r.status,
    verdict: r.status === 0 ? 'pass' : 'fail',
    output: `exit ${r.status ?? r.signal}\n${r.stdout}${r.stderr}`,
  };
}

function runwarden(c: Case): Outcome {
  return run(NODE, [CLI, 'rules', 'test', '--promql-compat=2', join('test', 'conformance', c.suite, c.name)], ROOT);
}

/**
 * failurePoints lists which checks a run failed (`alertname: X, time: T`, `expr: "E", time: T`,
 * `rule: R, time: T`), without the details, so two tools' failures can be compared.
 */
function failurePoints(output: string): string[] {
  const points: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^ {4}((?:alertname: .*?|expr: ".*"|rule: .*?), time: [^,\s]+)/.exec(line);
    if (m) points.push(m[1]!);
  }
  return points.sort();
}

const promtool = requirePeer('promtool');

for (const { dir, count } of SUITES) {
  const cases = readCases(dir);

  describe(`conformance ${dir}: runwarden rules test --promql-compat=2`, () => {
    it(`lists each of its ${count} cases once, with the verdict its header states`, () => {
      const files = readdirSync(suiteDir(dir)).filter((f) => f.endsWith('.test.yaml')).sort();
      expect(cases.map((c) => c.name).sort()).toEqual(files);
      expect(files).toHaveLength(count);
      for (const c of cases) {
        const header = /^# VERDICT: *([a-z]+)/m.exec(readFileSync(join(suiteDir(dir), c.name), 'utf8'))?.[1];
        expect(header, c.name).toBe(c.verdict);
      }
    });

    for (const c of cases) {
      it(`${c.name}: ${c.verdict}`, () => {
        const got = runwarden(c);
        // The output goes into the message: a wrong verdict shows why at once. A failing case must
        // fail as a test failure (exit 1, FAILED:), not as a crash or a usage error.
        expect(got.status, got.output).toBe(c.verdict === 'pass' ? 0 : 1);
        if (c.verdict === 'fail') expect(got.output).toContain('  FAILED:\n');
      });
    }
  });

  describe.skipIf(!promtool)(`conformance ${dir}: promtool test rules`, () => {
    for (const c of cases) {
      it(`${c.name}: ${c.verdict}, and runwarden fails at the same checks`, () => {
        // Run from the cases' folder, as the verdicts were recorded.
        const want = run(promtool!, ['test', 'rules', c.name], suiteDir(dir));
        expect(want.verdict, want.output).toBe(c.verdict);
        const got = runwarden(c);
        expect(failurePoints(got.output), `runwarden:\n${got.output}\npromtool:\n${want.output}`).toEqual(failurePoints(want.output));
      });
    }
  });
}
