/**
 * `runwarden exec` end to end: the real CLI as a child process against a fake sidecar, plus the
 * pure pieces (outcome mapping, duration format) and the TTY lines, which need a fake stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closedPortUrl, startFakeSidecar } from '../helpers/fake-sidecar.ts';
import type { FakeSidecar } from '../helpers/fake-sidecar.ts';
import { describeOutcome, runExec } from '../../src/cli/exec.ts';
import { formatDuration } from '../../src/cli/format.ts';
import type { Outcome } from '../../src/cli/exec.ts';
import type { SidecarClient } from '../../src/cli/client.ts';
import { BIN as CLI, NODE } from '../helpers/sidecar-process.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * runCli runs `runwarden <args>` with a clean RUNWARDEN_* environment plus `env`. `onStdout` sees
 * the output as it arrives and gets the process, so a test can signal it at the right moment.
 */
function runCli(
  args: string[],
  env: Record<string, string>,
  onStdout?: (text: string, proc: ReturnType<typeof spawn>) => void,
): Promise<CliResult> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('RUNWARDEN_') && k !== 'TRACEPARENT'),
  );
  const proc = spawn(NODE, [CLI, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    out.push(chunk);
    onStdout?.(Buffer.concat(out).toString('latin1'), proc);
  });
  proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return new Promise((done) => {
    proc.on('close', (code, signal) => done({ code, signal, stdout: Buffer.concat(out), stderr: err }));
  });
}

// The child prints what it was given, then raw bytes that are not UTF-8 and no final newline, so
// any re-encoding or line buffering in between shows up as a mismatch.
const PRINT_ENV = `process.stdout.write(JSON.stringify({tp: process.env.TRACEPARENT ?? null,
  run: process.env.RUNWARDEN_RUN_ID ?? null, url: process.env.RUNWARDEN_URL ?? null}) + '\\n');
  process.stdout.write(Buffer.from([0, 255, 254, 13, 10, 1]));`;
const RAW_TAIL = Buffer.from([0, 255, 254, 13, 10, 1]);

function expectedStdout(env: { tp: string | null; run: string | null; url: string | null }): Buffer {
  return Buffer.concat([Buffer.from(JSON.stringify(env) + '\n'), RAW_TAIL]);
}

let sidecar: FakeSidecar;
beforeEach(async () => {
  sidecar = await startFakeSidecar();
});
afterEach(async () => {
  await sidecar.close();
});

describe('runwarden exec against a sidecar', () => {
  it('traces a successful command and passes its output through byte for byte', async () => {
    const res = await runCli(
      ['exec', '--workflow', 'nightly', '--attr', 'env=prod', '--attr', 'q=a=b', '--', NODE, '-e', PRINT_ENV],
      { RUNWARDEN_URL: sidecar.url },
    );
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    expect(sidecar.routes()).toEqual(['startRun', 'heartbeat', 'finishRun']);
    const [start, beat, finish] = sidecar.requests;
    const startBody = start!.body as { workflow: string; runId: string; attributes: unknown };
    expect(startBody.workflow).toBe('nightly');
    expect(startBody.runId).toMatch(UUID);
    expect(startBody.attributes).toEqual({ env: 'prod', q: 'a=b' });
    const run = sidecar.runs.get(startBody.runId)!;
    expect(beat!.path).toBe(`/v1/runs/${run.runId}/heartbeat`);
    expect(beat!.body).toEqual({ message: `started: ${NODE}` });
    expect(finish!.path).toBe(`/v1/runs/${run.runId}/finish`);
    expect(finish!.body).toEqual({ result: 'success' });
    expect(res.stdout.equals(expectedStdout({ tp: run.traceparent, run: run.runId, url: sidecar.url }))).toBe(true);
  });

  it('uses --run-id as the run id', async () => {
    const res = await runCli(['exec', '--workflow', 'w', '--run-id', 'ci/42', '--', NODE, '-e', ''], {
      RUNWARDEN_URL: sidecar.url,
    });
    expect(res.code).toBe(0);
    expect((sidecar.requests[0]!.body as { runId: string }).runId).toBe('ci/42');
    expect(sidecar.requests.at(-1)!.path).toBe('/v1/runs/ci%2F42/finish');
  });

  it.each([
    { exit: 3, type: 'exit_code_3' },
    { exit: 1, type: 'exit_code_1' },
    { exit: 255, type: 'exit_code_255' },
  ])('reports exit code $exit as a failure and exits with it', async ({ exit, type }) => {
    const res = await runCli(['exec', '--workflow', 'w', '--', NODE, '-e', `process.exit(${exit})`], {
      RUNWARDEN_URL: sidecar.url,
    });
    expect(res.code).toBe(exit);
    expect(sidecar.routes()).toEqual(['startRun', 'heartbeat', 'finishRun']);
    expect(sidecar.requests[2]!.body).toEqual({
      result: 'failure',
      error: { type, message: `${NODE} exited with code ${exit}` },
    });
  });

  it('forwards SIGTERM to the command, records a cancellation and exits 143', async () => {
    const script = `setInterval(() => {}, 1000); process.stdout.write('ready\\n');`;
    let sent = false;
    const res = await runCli(['exec', '--workflow', 'w', '--', NODE, '-e', script], { RUNWARDEN_URL: sidecar.url }, (text, proc) => {
      if (!sent && text.includes('ready')) {
        sent = true;
        proc.kill('SIGTERM');
      }
    });
    expect(sent).toBe(true);
    expect(res.signal).toBeNull();
    expect(res.code).toBe(143);
    expect(sidecar.routes().at(-1)).toBe('finishRun');
    expect(sidecar.requests.at(-1)!.body).toEqual({
      result: 'cancellation',
      error: { type: 'SIGTERM', message: `${NODE} was killed by SIGTERM` },
    });
  });

  it('traces a phase of an existing run and finishes the phase, not the run', async () => {
    const run = sidecar.addRun('run-7');
    const phase = 'build/step 1';
    const res = await runCli(
      ['exec', '--run-id', 'run-7', '--phase', phase, '--attr', 'shard=2', '--', NODE, '-e', PRINT_ENV],
      { RUNWARDEN_URL: sidecar.url },
    );
    expect(res.code).toBe(0);
    expect(sidecar.routes()).toEqual(['startPhase', 'heartbeat', 'finishPhase']);
    expect(sidecar.requests[0]!.path).toBe('/v1/runs/run-7/phases/build%2Fstep%201/start');
    expect(sidecar.requests[0]!.body).toEqual({ attributes: { shard: '2' } });
    expect(sidecar.requests[2]!.path).toBe('/v1/runs/run-7/phases/build%2Fstep%201/finish');
    expect(sidecar.requests[2]!.body).toEqual({ result: 'success' });
    const phaseTp = run.phases.get(phase)!.traceparent;
    expect(phaseTp).not.toBe(run.traceparent);
    expect(res.stdout.equals(expectedStdout({ tp: phaseTp, run: 'run-7', url: sidecar.url }))).toBe(true);
  });

  it('runs the command untraced after one warning when the sidecar answers 500 at start', async () => {
    sidecar.fail('startRun', 500, { error: 'internal', details: {} });
    const res = await runCli(['exec', '--workflow', 'w', '--', NODE, '-e', 'process.exit(3)'], {
      RUNWARDEN_URL: sidecar.url,
    });
    expect(res.code).toBe(3);
    expect(res.stderr).toBe(
      `runwarden: sidecar at ${sidecar.url} answered HTTP 500: internal; running ${NODE} untraced\n`,
    );
    expect(sidecar.routes()).toEqual(['startRun']);
  });

  it('warns once and carries on when heartbeats fail', async () => {
    sidecar.fail('heartbeat', 503);
    const script = 'setTimeout(() => {}, 700)';
    const res = await runCli(['exec', '--workflow', 'w', '--heartbeat-interval', '0.1', '--', NODE, '-e', script], {
      RUNWARDEN_URL: sidecar.url,
    });
    expect(res.code).toBe(0);
    expect(sidecar.routes().filter((r) => r === 'heartbeat').length).toBeGreaterThanOrEqual(3);
    expect(sidecar.routes().at(-1)).toBe('finishRun');
    expect(res.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(res.stderr).toMatch(/^runwarden: heartbeat failed \(.*503.*\)/);
  });

  it('fails a command that does not exist with 127 and an error result', async () => {
    const res = await runCli(['exec', '--workflow', 'w', '--', 'no-such-command-rw'], { RUNWARDEN_URL: sidecar.url });
    expect(res.code).toBe(127);
    expect(res.stderr).toBe('runwarden: cannot run no-such-command-rw: command not found\n');
    expect(sidecar.routes()).toEqual(['startRun', 'finishRun']);
    expect(sidecar.requests[1]!.body).toEqual({
      result: 'error',
      error: { type: 'ENOENT', message: 'cannot run no-such-command-rw: command not found' },
    });
  });

  it.each<{ name: string; env: Record<string, string>; auth: string | undefined }>([
    { name: 'with RUNWARDEN_TOKEN', env: { RUNWARDEN_TOKEN: 's3cret' }, auth: 'Bearer s3cret' },
    { name: 'without a token', env: {}, auth: undefined },
  ])('sends the bearer token on every call $name', async ({ env, auth }) => {
    const res = await runCli(['exec', '--workflow', 'w', '--', NODE, '-e', ''], { RUNWARDEN_URL: sidecar.url, ...env });
    expect(res.code).toBe(0);
    expect(sidecar.requests).toHaveLength(3);
    for (const req of sidecar.requests) expect(req.headers.authorization).toBe(auth);
  });

  it.each([
    { name: 'bad --attr', args: ['--workflow', 'w', '--attr', 'novalue', '--', NODE, '-e', 'console.log(1)'], msg: 'bad --attr "novalue"' },
    { name: 'empty --attr key', args: ['--workflow', 'w', '--attr', '=v', '--', NODE, '-e', 'console.log(1)'], msg: 'bad --attr "=v"' },
    { name: 'missing command', args: ['--workflow', 'w'], msg: 'missing command' },
    { name: 'missing --workflow', args: ['--', NODE, '-e', 'console.log(1)'], msg: 'missing --workflow' },
    { name: '--phase without --run-id', args: ['--phase', 'p', '--', NODE, '-e', 'console.log(1)'], msg: '--phase needs --run-id' },
    { name: 'bad interval', args: ['--workflow', 'w', '--heartbeat-interval', 'soon', '--', NODE, '-e', 'console.log(1)'], msg: 'bad --heartbeat-interval' },
    { name: 'unknown flag', args: ['--workflw', 'w', '--', NODE, '-e', 'console.log(1)'], msg: "Unknown option '--workflw'" },
  ])('rejects $name with exit 2 and runs nothing', async ({ args, msg }) => {
    const res = await runCli(['exec', ...args], { RUNWARDEN_URL: sidecar.url });
    expect(res.code).toBe(2);
    expect(res.stdout.length).toBe(0);
    expect(res.stderr).toContain(msg);
    expect(res.stderr).toContain("Run 'runwarden exec --help' for usage.");
    expect(sidecar.requests).toHaveLength(0);
  });
});

describe('runwarden exec without a sidecar', () => {
  it.each([0, 3])('warns once, runs the command untraced and exits %i', async (exit) => {
    const url = await closedPortUrl();
    const script = `${PRINT_ENV}; process.exit(${exit})`;
    const res = await runCli(['exec', '--workflow', 'w', '--', NODE, '-e', script], { RUNWARDEN_URL: url });
    expect(res.code).toBe(exit);
    expect(res.stderr).toBe(`runwarden: sidecar at ${url} unreachable (connection refused); running ${NODE} untraced\n`);
    const printed = JSON.parse(res.stdout.toString('utf8').split('\n')[0]!) as { tp: unknown; run: string };
    expect(printed.tp).toBeNull();
    expect(printed.run).toMatch(UUID);
  });
});

describe('exec in-process', () => {
  it('prints a start and an end line when stderr is a TTY', async () => {
    const lines: string[] = [];
    let clock = 0;
    const code = await runExec(['--workflow', 'w', '--run-id', 'r1', '--', NODE, '-e', ''], {
      env: { RUNWARDEN_URL: sidecar.url },
      stderr: { isTTY: true, write: (s: string) => lines.push(s) },
      now: () => (clock += 1500),
    });
    const run = sidecar.runs.get('r1')!;
    expect(code).toBe(0);
    expect(lines).toEqual([`runwarden: run r1 · trace ${run.traceId}\n`, 'runwarden: run r1 success in 1.5s\n']);
  });

  it('skips heartbeat ticks while one is unanswered, so a slow sidecar queues nothing for the exit to wait through', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runwarden-exec-'));
    const done = join(dir, 'done');
    const calls: string[] = [];
    let release = (): void => {};
    const answered = new Promise<void>((r) => (release = r));
    const client: SidecarClient = {
      url: 'http://sidecar.invalid',
      startRun: async (body) => ({ runId: body.runId!, traceId: 't', spanId: 's', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }),
      heartbeat: async () => {
        calls.push('heartbeat');
        await answered;
      },
      finishRun: async () => calls.push('finishRun'),
      startPhase: async () => ({ traceparent: '' }),
      finishPhase: async () => undefined,
      getRun: async () => undefined,
      request: async () => undefined,
      close: async () => {},
    };
    // The command runs for 50 heartbeat periods; the first heartbeat stays unanswered until it exits.
    const script = `setTimeout(() => { require('node:fs').writeFileSync(${JSON.stringify(done)}, ''); process.exit(0); }, 500)`;
    const exec = runExec(['--workflow', 'w', '--heartbeat-interval', '0.01', '--', NODE, '-e', script], {
      env: {},
      stderr: { write: () => true },
      createClient: () => client,
    });
    while (!existsSync(done)) await new Promise((r) => setTimeout(r, 10));
    release();
    // Beats queued behind the unanswered one would all go out now, before the next turn of the loop.
    await new Promise((r) => setImmediate(r));
    const sentOnRelease = calls.length;
    expect(await exec).toBe(0);
    rmSync(dir, { recursive: true, force: true });
    // The started heartbeat and at most one tick due in the same turn; the finish comes last.
    expect(sentOnRelease).toBeLessThanOrEqual(2);
    expect(calls.at(-1)).toBe('finishRun');
  });

  it.each<{ outcome: Outcome; result: string; type?: string; exitCode: number }>([
    { outcome: { kind: 'exit', code: 0 }, result: 'success', exitCode: 0 },
    { outcome: { kind: 'exit', code: 42 }, result: 'failure', type: 'exit_code_42', exitCode: 42 },
    { outcome: { kind: 'signal', signal: 'SIGINT' }, result: 'cancellation', type: 'SIGINT', exitCode: 130 },
    { outcome: { kind: 'signal', signal: 'SIGKILL' }, result: 'cancellation', type: 'SIGKILL', exitCode: 137 },
    {
      outcome: { kind: 'spawn-error', error: Object.assign(new Error('spawn x EACCES'), { code: 'EACCES' }) },
      result: 'error',
      type: 'EACCES',
      exitCode: 126,
    },
  ])('maps $outcome.kind to $result and exit $exitCode', ({ outcome, result, type, exitCode }) => {
    const got = describeOutcome(outcome, 'make');
    expect(got.exitCode).toBe(exitCode);
    expect(got.finish.result).toBe(result);
    expect(got.finish.error?.type).toBe(type);
  });

  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [1500, '1.5s'],
    [59_999, '1m00s'],
    [245_000, '4m05s'],
    [7_380_000, '2h03m'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
