/**
 * The `runwarden` dispatcher, run as the real CLI: help, version, unknown commands and flags, and
 * how errors become exit codes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN as CLI, NODE } from '../helpers/sidecar-process.ts';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

function runCli(args: string[]) {
  const res = spawnSync(NODE, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('runwarden dispatcher', () => {
  it.each([
    { args: ['--help'], stdout: ['Commands:', '  exec ', '  serve ', 'RUNWARDEN_URL', 'RUNWARDEN_TOKEN', 'RUNWARDEN_CONFIG'] },
    { args: ['-h'], stdout: ['Usage: runwarden <command>'] },
    { args: ['help'], stdout: ['Usage: runwarden <command>'] },
    { args: ['help', 'exec'], stdout: ['Usage: runwarden exec --workflow NAME'] },
    { args: ['exec', '--help'], stdout: ['Usage: runwarden exec --workflow NAME', '--heartbeat-interval'] },
    { args: ['exec', '-h'], stdout: ['Usage: runwarden exec'] },
    { args: ['--version'], stdout: [`runwarden ${VERSION}\n`] },
  ])('$args exits 0 and prints to stdout only', ({ args, stdout }) => {
    const res = runCli(args);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    for (const text of stdout) expect(res.stdout).toContain(text);
  });

  it.each([
    { args: [], line: 'runwarden: missing command', hint: "Run 'runwarden --help' for usage." },
    { args: ['deploy'], line: 'runwarden: unknown command "deploy"', hint: "Run 'runwarden --help' for usage." },
    { args: ['--verbose', 'exec'], line: "runwarden: Unknown option '--verbose'", hint: "Run 'runwarden --help' for usage." },
    { args: ['help', 'deploy'], line: 'runwarden: unknown command "deploy"', hint: "Run 'runwarden --help' for usage." },
    { args: ['exec', '--nope'], line: "runwarden: Unknown option '--nope'", hint: "Run 'runwarden exec --help' for usage." },
  ])('$args exits 2 with one line and a usage hint', ({ args, line, hint }) => {
    const res = runCli(args);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(lines[1]).toBe(hint);
  });

  it('reports a bad RUNWARDEN_URL as a configuration error: one line, exit 2', () => {
    const res = spawnSync(NODE, [CLI, 'exec', '--workflow', 'w', '--', NODE, '-e', ''], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, RUNWARDEN_URL: 'not a url' },
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toBe('runwarden: sidecar URL is not a URL: "not a url"\n');
  });
});
