/**
 * `runwarden status`: the timeline of a run, from views the domain builds (so the CLI reads what
 * the sidecar really answers), and the real CLI against a port-0 server answering canned JSON.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { painter } from '../../src/cli/format.ts';
import { budgetNote, formatStatus, runStatus } from '../../src/cli/status.ts';
import type { RunViewJson } from '../../src/cli/status.ts';
import { transition } from '../../src/domain/transition.ts';
import type { Run, RunEvent } from '../../src/domain/types.ts';
import { runView } from '../../src/domain/view.ts';
import { startCannedSidecar } from '../helpers/canned-sidecar.ts';
import type { CannedSidecar } from '../helpers/canned-sidecar.ts';
import { runCli } from '../helpers/sidecar-process.ts';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const s = (n: number) => T0 + n * 1000;
const at = (n: number) => ({ timeMs: s(n), explicitTime: true });
const plain = painter(false);

function view(events: RunEvent[], nowSeconds: number): RunViewJson {
  let run: Run | undefined;
  for (const e of events) run = transition(run, e).run;
  return JSON.parse(JSON.stringify(runView(run as Run, s(nowSeconds))));
}

// A release run 95 s in: build failed once and passed on retry, test is running past its budget,
// lint was skipped, deploy has not started.
const RUNNING: RunEvent[] = [
  {
    type: 'run.start',
    runId: 'r1',
    workflow: 'release',
    phases: [{ name: 'build', budgetSeconds: 60, warnSeconds: 30 }, { name: 'test', budgetSeconds: 10 }, { name: 'lint' }, { name: 'deploy', budgetSeconds: 300 }],
    heartbeatIntervalSeconds: 30,
    dependsOn: ['nightly'],
    timeMs: T0,
  },
  { type: 'phase.start', runId: 'r1', phase: 'build', ...at(10) },
  { type: 'step.start', runId: 'r1', phase: 'build', step: 'compile', ...at(10) },
  { type: 'step.finish', runId: 'r1', phase: 'build', step: 'compile', result: 'failure', ...at(25) },
  { type: 'phase.finish', runId: 'r1', phase: 'build', result: 'failure', error: { type: 'CompileError', message: 'missing ;' }, ...at(30) },
  { type: 'retry', runId: 'r1', phase: 'build', attempt: 2, reason: 'flaky runner', timeMs: s(31) },
  { type: 'phase.start', runId: 'r1', phase: 'build', ...at(35) },
  { type: 'step.start', runId: 'r1', phase: 'build', step: 'compile', ...at(35) },
  { type: 'step.finish', runId: 'r1', phase: 'build', step: 'compile', result: 'success', ...at(70) },
  { type: 'phase.finish', runId: 'r1', phase: 'build', result: 'success', ...at(75) },
  { type: 'phase.start', runId: 'r1', phase: 'test', ...at(75) },
  { type: 'phase.start', runId: 'r1', phase: 'lint', ...at(76) },
  { type: 'phase.finish', runId: 'r1', phase: 'lint', result: 'skip', ...at(76) },
  { type: 'heartbeat', runId: 'r1', done: 450, total: 1000, message: 'rows', ...at(80) },
];

describe('formatStatus', () => {
  it('draws a running run: header, progress, heartbeat, retries, then phases with attempts and steps', () => {
    const v = view(RUNNING, 95);
    expect(formatStatus(v, plain)).toBe(
      [
        'Run r1  release',
        '  state      executing',
        '  result     -',
        `  trace      ${v.traceId}`,
        '  started    2026-01-02 03:04:05Z',
        '  duration   1m35s so far',
        '  progress   [#########-----------] 45% 450/1000 rows',
        '  heartbeat  15.0s ago (1 received, expected every 30.0s)',
        '  depends on nightly',
        '  retries    build attempt 2 at 2026-01-02 03:04:36Z: flaky runner',
        '',
        'PHASE              DURATION  RESULT       NOTES',
        '✓ build               1m00s  success      2 attempts, budget 1m00s',
        '    ✗ attempt 1       20.0s  failure      CompileError: missing ;',
        '        ✗ compile     15.0s  failure',
        '    ✓ attempt 2       40.0s  success      past warning (30.0s)',
        '        ✓ compile     35.0s  success',
        '▶ test                20.0s  running      budget 10.0s, over budget (10.0s)',
        '↷ lint                  0ms  skip',
        '○ deploy                  -  not started  budget 5m00s',
        '',
      ].join('\n'),
    );
  });

  it('draws a finished run with its result, end, error and heartbeat count, and no age', () => {
    const v = view(
      [
        { type: 'run.start', runId: 'r2', workflow: 'etl', timeMs: T0 },
        { type: 'heartbeat', runId: 'r2', progress: 1, ...at(50) },
        { type: 'run.finish', runId: 'r2', result: 'failure', error: { type: 'http_503', message: 'source unavailable' }, ...at(61) },
      ],
      500,
    );
    const text = formatStatus(v, plain);
    expect(text).toContain('  result     ✗ failure\n');
    expect(text).toContain('  error      http_503: source unavailable\n');
    expect(text).toContain('  ended      2026-01-02 03:05:06Z\n');
    expect(text).toContain('  duration   1m01s\n');
    expect(text).toContain('  progress   [####################] 100%\n');
    expect(text).toContain('  heartbeat  1 received, last 2026-01-02 03:04:55Z\n');
    expect(text).not.toContain('ago');
    expect(text).not.toContain('PHASE');
  });

  it('says a heartbeat is late past two intervals', () => {
    const events: RunEvent[] = [{ type: 'run.start', runId: 'r3', workflow: 'etl', heartbeatIntervalSeconds: 10, timeMs: T0 }];
    expect(formatStatus(view(events, 20), plain)).not.toContain('late');
    expect(formatStatus(view(events, 21), plain)).toContain('  heartbeat  21.0s ago (0 received, expected every 10.0s) late\n');
  });

  it('colours marks and results only with a colour painter', () => {
    const v = view(RUNNING, 95);
    expect(formatStatus(v, plain)).not.toContain('\u001b[');
    const coloured = formatStatus(v, painter(true));
    expect(coloured).toContain('\u001b[31mover budget (10.0s)\u001b[0m');
    expect(coloured).toContain('\u001b[32m✓\u001b[0m build');
  });
});

describe('budgetNote', () => {
  it.each([
    [{ budgetSeconds: 60, warnSeconds: 30 }, 61, 'over budget (1m00s)'],
    [{ budgetSeconds: 60, warnSeconds: 30 }, 60, 'past warning (30.0s)'],
    [{ budgetSeconds: 60, warnSeconds: 30 }, 30, undefined],
    [{ budgetSeconds: 60, warnSeconds: null }, 45, undefined],
    [{ budgetSeconds: null, warnSeconds: null }, 1e6, undefined],
  ])('%j at %ds: %s', (phase, seconds, note) => {
    expect(budgetNote(seconds, phase, plain)).toBe(note);
  });
});

describe('runwarden status', () => {
  let sidecar: CannedSidecar | undefined;
  afterEach(async () => {
    await sidecar?.close();
    sidecar = undefined;
  });

  it('prints the timeline, uncoloured on a pipe, and the raw JSON with --json', async () => {
    const v = view(RUNNING, 95);
    sidecar = await startCannedSidecar({ '/v1/runs/r%2F1': { body: v } });
    const res = await runCli(['status', 'r/1'], { RUNWARDEN_URL: sidecar.url });
    expect(res).toEqual({ code: 0, stdout: formatStatus(v, plain), stderr: '' });
    const json = await runCli(['status', 'r/1', '--json'], { RUNWARDEN_URL: sidecar.url });
    expect(json.code).toBe(0);
    expect(json.stdout).toBe(`${JSON.stringify(v)}\n`);
    expect(sidecar.paths).toEqual(['/v1/runs/r%2F1', '/v1/runs/r%2F1']);
  });

  it('exits 1 with one line for a run the sidecar does not know', async () => {
    sidecar = await startCannedSidecar({});
    const res = await runCli(['status', 'nope'], { RUNWARDEN_URL: sidecar.url });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(`runwarden: sidecar at ${sidecar.url} answered HTTP 404: no canned answer for /v1/runs/nope\n`);
  });

  it.each([[[]], [['a', 'b']], [['--bogus', 'a']]])('refuses the arguments %j with a usage error', async (args) => {
    await expect(runStatus(args, { stdout: { write: () => true } })).rejects.toMatchObject({ code: 'RUNWARDEN_ERR_USAGE', command: 'status' });
  });
});
