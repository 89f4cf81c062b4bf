/**
 * `runwarden rules check`: exit codes and output, in-process with its IO replaced (files from a
 * table, fake compilers), the subcommand dispatch and its usage errors, and once through the
 * real CLI with the real compilers.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/args.ts';
import { runRules, runRulesCheck } from '../../../src/cli/rules.ts';
import type { RulesCheckIO } from '../../../src/cli/rules.ts';
import { fakeCompilers } from './fakes.ts';

function io(files: Record<string, string>) {
  const out = { stdout: '', stderr: '' };
  const value: RulesCheckIO = {
    readFile: async (path) => {
      if (!(path in files)) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      return files[path] as string;
    },
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    compilers: async () => fakeCompilers,
  };
  return { io: value, out };
}

const FIXTURES = {
  'pipelines.yaml': readFileSync('test/fixtures/rules/pipelines.rules.yaml', 'utf8'),
  'workflow.yaml': readFileSync('test/fixtures/rules/workflow.rules.yaml', 'utf8'),
  'bad.yaml': 'groups:\n  - name: g\n    interval: soon\n    rules:\n      - record: a b\n        expr: up\n',
};

describe('runwarden rules check', () => {
  it('exits 0 for valid files and prints what each holds, with the PromQL of shorthand rules', async () => {
    const { io: files, out } = io(FIXTURES);
    expect(await runRulesCheck(['pipelines.yaml', 'workflow.yaml'], files)).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      [
        'pipelines.yaml: 2 groups, 3 rules',
        '  cicd-errors/queue_backlog: queue_depth > 100  =>  runwarden_pool_queue_depth > 100',
        'workflow.yaml: 1 group, 2 rules',
        '  workflow/workflow_stuck: no_progress_for_minutes > 10  =>  runwarden_run_progress_age / 60 > 10',
        '  workflow/phase_over_budget: phase_elapsed_ratio >= 1 and no_heartbeat_for_seconds > 120  =>  runwarden_run_phase_budget_ratio >= 1 and on(cicd_pipeline_name, cicd_pipeline_run_id) runwarden_run_heartbeat_age > 120',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 with one line per problem, file:line:col: problem, checking every file', async () => {
    const { io: files, out } = io(FIXTURES);
    expect(await runRulesCheck(['bad.yaml', 'missing.yaml', 'workflow.yaml'], files)).toBe(1);
    expect(out.stderr).toBe(
      [
        'bad.yaml:3:15: group "g": interval: not a valid duration: "soon" (like 30s, 5m, 1h30m)',
        'bad.yaml:5:17: group "g", rule 1, "a b": invalid recording rule name: a b',
        'missing.yaml: cannot read: ENOENT',
        '',
      ].join('\n'),
    );
    expect(out.stdout).toBe('workflow.yaml: 1 group, 2 rules\n  workflow/workflow_stuck: no_progress_for_minutes > 10  =>  runwarden_run_progress_age / 60 > 10\n  workflow/phase_over_budget: phase_elapsed_ratio >= 1 and no_heartbeat_for_seconds > 120  =>  runwarden_run_phase_budget_ratio >= 1 and on(cicd_pipeline_name, cicd_pipeline_run_id) runwarden_run_heartbeat_age > 120\n');
  });

  it('prints its help, and refuses a call without files', async () => {
    const { io: files, out } = io({});
    expect(await runRulesCheck(['--help'], files)).toBe(0);
    expect(out.stdout).toContain('Usage: runwarden rules check FILE...');
    await expect(runRulesCheck([], files)).rejects.toThrow(new UsageError('no rule files given', 'rules check'));
    await expect(runRulesCheck(['--strict', 'a.yaml'], files)).rejects.toThrow(UsageError);
  });
});

describe('runwarden rules', () => {
  it('dispatches check, prints its help, and refuses a missing or unknown subcommand', async () => {
    const { io: files, out } = io(FIXTURES);
    expect(await runRules(['check', 'workflow.yaml'], files)).toBe(0);
    expect(await runRules(['--help'], files)).toBe(0);
    expect(out.stdout).toContain('Usage: runwarden rules <subcommand>');
    await expect(runRules([], files)).rejects.toThrow('missing subcommand: use check or test');
    await expect(runRules(['lint'], files)).rejects.toThrow('unknown subcommand "lint": use check or test');
  });
});

describe('runwarden rules, as the real CLI', () => {
  const NODE = resolve('node_modules/.bin/node');
  const CLI = resolve('bin/runwarden.js');
  const run = (args: string[]) => spawnSync(NODE, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });

  it('check: exit 1 and one line per problem with the real PromQL engine; exit 0 when all load', () => {
    const bad = run(['rules', 'check', 'test/fixtures/rules/workflow.rules.yaml', 'test/fixtures/rules/invalid-expr.rules.yaml']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(
      'test/fixtures/rules/invalid-expr.rules.yaml:5:84: group "broken", rule 1, "cicd_pipeline:run_errors:rate5m": could not parse expression: syntax error: unexpected end of input\n',
    );
    expect(bad.stdout).toMatch(/^test\/fixtures\/rules\/workflow\.rules\.yaml: 1 group, 2 rules\n/);
    const good = run(['rules', 'check', 'test/fixtures/rules/pipelines.rules.yaml']);
    expect([good.status, good.stderr]).toEqual([0, '']);
  });

  it('test: dispatches to the unit-test runner', () => {
    const res = run(['rules', 'test', '--help']);
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('Usage: runwarden rules test');
  });
});
