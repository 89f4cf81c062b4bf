/**
 * `runwarden summary`: a workflow's numbers, readably, with the trend's arrows pointing the way
 * the numbers moved and coloured by whether that is good. In-process against canned JSON.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { painter } from '../../src/cli/format.ts';
import { formatSummary, runSummary, trendArrow } from '../../src/cli/summary.ts';
import type { WorkflowSummary } from '../../src/store/run-history.ts';
import { startCannedSidecar } from '../helpers/canned-sidecar.ts';
import type { CannedSidecar } from '../helpers/canned-sidecar.ts';

const plain = painter(false);
const colour = painter(true);

const SUMMARY: WorkflowSummary = {
  workflow: 'etl',
  window: '1d',
  from: '2026-01-01T12:00:00.000Z',
  to: '2026-01-02T12:00:00.000Z',
  runs: { finished: 6, active: 1, success: 3, failure: 1, error: 0, timeout: 1, cancellation: 1, skip: 0 },
  successRate: 0.5,
  durationSeconds: { min: 30, avg: 155, p50: 150, p95: 285, p99: 297, max: 300 },
  phases: [
    { name: 'extract', attempts: 8, failedAttempts: 3, failureRate: 0.375 },
    { name: 'load', attempts: 4, failedAttempts: 1, failureRate: 0.25 },
  ],
  retrySuccessRate: 0.5,
  meanQueueWaitSeconds: 2.2,
  trend: {
    firstHalf: { runs: 3, successRate: 1 / 3, p95DurationSeconds: 114 },
    secondHalf: { runs: 3, successRate: 2 / 3, p95DurationSeconds: 294 },
    successRateChange: 1 / 3,
    p95DurationChange: 180,
  },
};

const EMPTY: WorkflowSummary = {
  ...SUMMARY,
  runs: { finished: 0, active: 0, success: 0, failure: 0, error: 0, timeout: 0, cancellation: 0, skip: 0 },
  successRate: null,
  durationSeconds: { min: null, avg: null, p50: null, p95: null, p99: null, max: null },
  phases: [],
  retrySuccessRate: null,
  meanQueueWaitSeconds: null,
  trend: {
    firstHalf: { runs: 0, successRate: null, p95DurationSeconds: null },
    secondHalf: { runs: 0, successRate: null, p95DurationSeconds: null },
    successRateChange: null,
    p95DurationChange: null,
  },
};

describe('formatSummary', () => {
  it('prints counts, rates, percentiles, phases, retries and the trend', () => {
    expect(formatSummary(SUMMARY, plain)).toBe(
      [
        'etl, runs that finished in the last 1d (2026-01-01 12:00:00Z to 2026-01-02 12:00:00Z)',
        '',
        'runs          6 finished, 1 active now',
        'results       3 success, 1 failure, 1 timeout, 1 cancellation',
        'success rate  50.0%',
        'duration      min 30.0s  avg 2m35s  p50 2m30s  p95 4m45s  p99 4m57s  max 5m00s',
        'queue wait    2.2s mean',
        'retries       50.0% of the runs that retried succeeded',
        '',
        'phases     attempts  failed  failure rate',
        '  extract         8       3         37.5%',
        '  load            4       1         25.0%',
        '',
        'trend           first half  second half',
        '  runs                   3            3  → +0',
        '  success rate       33.3%        66.7%  ↑ +33.3 pts',
        '  p95 duration       1m54s        4m54s  ↑ +3m00s',
        '',
      ].join('\n'),
    );
  });

  it('prints dashes, not zeros dressed as numbers, for a window with no finished run', () => {
    const text = formatSummary(EMPTY, plain);
    expect(text).toContain('results       -\n');
    expect(text).toContain('success rate  -\n');
    expect(text).not.toContain('\nduration');
    expect(text).toContain('queue wait    -\n');
    expect(text).toContain('retries       no run retried\n');
    expect(text).not.toContain('phases');
    expect(text).toContain('  success rate           -            -\n');
  });
});

describe('trendArrow', () => {
  it.each([
    [0.2, 'up', '\u001b[32m↑\u001b[0m'], // success rate up: good
    [-0.2, 'up', '\u001b[31m↓\u001b[0m'], // success rate down: bad
    [30, 'down', '\u001b[31m↑\u001b[0m'], // p95 up: bad
    [-30, 'down', '\u001b[32m↓\u001b[0m'], // p95 down: good
    [0, 'up', '→'],
    [null, 'up', ''],
  ] as const)('%j with better=%s is %j', (change, better, arrow) => {
    expect(trendArrow(change, better, colour)).toBe(arrow);
  });
});

describe('runwarden summary', () => {
  let sidecar: CannedSidecar | undefined;
  afterEach(async () => {
    await sidecar?.close();
    sidecar = undefined;
  });

  async function run(argv: string[]): Promise<string> {
    let out = '';
    const code = await runSummary(argv, { env: { RUNWARDEN_URL: sidecar?.url ?? 'http://127.0.0.1:1' }, stdout: { write: (t: string) => (out += t) } });
    expect(code).toBe(0);
    return out;
  }

  it('asks for the window, 24h by default, and prints the summary or the JSON', async () => {
    sidecar = await startCannedSidecar({
      '/v1/workflows/nightly%20etl/summary?window=24h': { body: SUMMARY },
      '/v1/workflows/nightly%20etl/summary?window=1h30m': { body: EMPTY },
    });
    expect(await run(['nightly etl'])).toBe(formatSummary(SUMMARY, plain));
    expect(await run(['nightly etl', '--window', '1h30m', '--json'])).toBe(`${JSON.stringify(EMPTY)}\n`);
    expect(sidecar.paths).toHaveLength(2);
  });

  it.each([[[]], [['a', 'b']], [['etl', '--window', '24']], [['etl', '--window', '0s']]])('refuses %j with a usage error before asking', async (argv) => {
    await expect(run(argv)).rejects.toMatchObject({ code: 'RUNWARDEN_ERR_USAGE', command: 'summary' });
  });
});
