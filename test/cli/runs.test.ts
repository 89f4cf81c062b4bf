/**
 * `runwarden runs`: flags become the right query, the table shows each run's state or result,
 * duration and progress, and `--json` passes the answer through. Runs in-process against a port-0
 * server answering canned JSON.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { painter } from '../../src/cli/format.ts';
import { formatRunsTable, runRuns, runsPath } from '../../src/cli/runs.ts';
import type { RunsAnswer, RunSummaryJson } from '../../src/cli/runs.ts';
import { startCannedSidecar } from '../helpers/canned-sidecar.ts';
import type { CannedSidecar } from '../helpers/canned-sidecar.ts';

const plain = painter(false);

function summary(over: Partial<RunSummaryJson>): RunSummaryJson {
  return {
    runId: 'r',
    workflow: 'w',
    state: 'executing',
    result: null,
    traceId: '0'.repeat(32),
    spanId: '0'.repeat(16),
    traceparent: `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`,
    startTime: '2026-01-02T03:04:05.000Z',
    endTime: null,
    durationSeconds: 0,
    progress: null,
    lastHeartbeatTime: null,
    currentPhases: [],
    ...over,
  };
}

const ANSWER: RunsAnswer = {
  runs: [
    summary({ runId: 'etl-3', workflow: 'nightly-etl', state: 'executing', durationSeconds: 95, progress: 0.45, currentPhases: ['load'] }),
    summary({ runId: 'etl-2', workflow: 'nightly-etl', state: 'pending', startTime: '2026-01-02T03:00:00.000Z', durationSeconds: 4.2 }),
    summary({ runId: 'rel-1', workflow: 'release', state: 'finished', result: 'failure', startTime: '2026-01-01T23:00:00.000Z', durationSeconds: 3725 }),
  ],
  nextCursor: null,
};

describe('runsPath', () => {
  it.each([
    [{}, '/v1/runs'],
    [{ workflow: 'nightly etl' }, '/v1/runs?workflow=nightly+etl'],
    [{ active: true }, '/v1/runs?state=active'],
    [{ active: true, state: 'active' }, '/v1/runs?state=active'],
    [{ state: 'finished', limit: '20' }, '/v1/runs?state=finished&limit=20'],
    [{ limit: '007' }, '/v1/runs?limit=7'],
  ])('%j asks for %s', (flags, path) => {
    expect(runsPath(flags)).toBe(path);
  });

  it.each([
    [{ state: 'running' }, '--state'],
    [{ active: true, state: 'finished' }, '--active'],
    [{ limit: '0' }, '--limit'],
    [{ limit: '1001' }, '--limit'],
    [{ limit: 'ten' }, '--limit'],
  ])('%j is a usage error about %s', (flags, flag) => {
    expect(() => runsPath(flags)).toThrow(expect.objectContaining({ code: 'RUNWARDEN_ERR_USAGE', message: expect.stringContaining(flag) }));
  });
});

describe('formatRunsTable', () => {
  it('shows the state of active runs and the result of finished ones, with durations and progress', () => {
    expect(formatRunsTable(ANSWER, plain)).toBe(
      [
        'RUN ID  WORKFLOW     STATE        STARTED               DURATION  PROGRESS',
        'etl-3   nightly-etl  ▶ executing  2026-01-02 03:04:05Z     1m35s  [####------] 45%',
        'etl-2   nightly-etl  ▶ pending    2026-01-02 03:00:00Z      4.2s  -',
        'rel-1   release      ✗ failure    2026-01-01 23:00:00Z     1h02m  -',
        '',
      ].join('\n'),
    );
  });

  it('says when there are more runs than shown, and when there are none', () => {
    expect(formatRunsTable({ ...ANSWER, nextCursor: 'abc' }, plain)).toMatch(/\(more runs: raise --limit to see them\)\n$/);
    expect(formatRunsTable({ runs: [], nextCursor: null }, plain)).toBe('no runs\n');
  });
});

describe('runwarden runs', () => {
  let sidecar: CannedSidecar | undefined;
  afterEach(async () => {
    await sidecar?.close();
    sidecar = undefined;
  });

  async function run(argv: string[], isTTY = false): Promise<string> {
    let out = '';
    const code = await runRuns(argv, { env: { RUNWARDEN_URL: sidecar!.url }, stdout: { write: (t: string) => (out += t), isTTY } });
    expect(code).toBe(0);
    return out;
  }

  it('asks the sidecar with the flags and prints the table, or the JSON', async () => {
    sidecar = await startCannedSidecar({ '/v1/runs?workflow=nightly-etl&state=active&limit=5': { body: ANSWER } });
    const argv = ['--workflow', 'nightly-etl', '--active', '--limit', '5'];
    expect(await run(argv)).toBe(formatRunsTable(ANSWER, plain));
    expect(await run([...argv, '--json'])).toBe(`${JSON.stringify(ANSWER)}\n`);
    expect(await run(argv, true)).toContain('\u001b[');
  });
});
