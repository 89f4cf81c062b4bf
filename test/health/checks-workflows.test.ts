import { describe, expect, it } from 'vitest';
import { checkDependencies, checkDuration, checkRetries, checkSuccessRate } from '../../src/health/checks-workflows.ts';
import { HEALTH_THRESHOLDS } from '../../src/health/thresholds.ts';
import type { LatestResult } from '../../src/domain/registry.ts';
import type { Result } from '../../src/domain/types.ts';
import type { WorkflowStats } from '../../src/health/types.ts';
import { makeRun, snapshot } from './fixtures.ts';

function stats(over: Partial<WorkflowStats>): WorkflowStats {
  return { workflow: 'etl', finished: 10, success: 10, successRate: 1, p95Seconds: 100, baselineP95Seconds: 100, failingPhases: [], ...over };
}

describe('checkSuccessRate', () => {
  it.each([
    ['all succeeded', stats({}), 'pass'],
    ['80% passes', stats({ success: 8, successRate: 0.8 }), 'pass'],
    ['75% warns', stats({ success: 3, finished: 4, successRate: 0.75 }), 'warn'],
    ['40% fails', stats({ success: 4, successRate: 0.4 }), 'fail'],
    ['too few runs to judge', stats({ success: 0, finished: 2, successRate: 0 }), 'pass'],
    ['nothing finished', stats({ success: 0, finished: 0, successRate: null }), 'pass'],
  ])('%s', (_name, w, want) => {
    expect(checkSuccessRate(snapshot({ workflows: [w] }), HEALTH_THRESHOLDS).check.status).toBe(want);
  });

  it('names the phase that fails most', () => {
    const got = checkSuccessRate(snapshot({ workflows: [stats({ success: 2, finished: 6, successRate: 2 / 6, failingPhases: [{ name: 'load', failureRate: 0.6 }] })] }), HEALTH_THRESHOLDS);
    expect(got.check).toMatchObject({ status: 'fail', threshold: 0.5 });
    expect(got.recommendations).toEqual(['workflow etl succeeded in 2 of 6 runs (33%) over the last 1 h: start with phase load, which failed 60% of its attempts']);
  });
});

describe('checkDuration', () => {
  it.each([
    ['as yesterday', stats({}), 'pass'],
    ['twice yesterday exactly', stats({ p95Seconds: 200 }), 'pass'],
    ['2.4× yesterday', stats({ p95Seconds: 240 }), 'warn'],
    ['no baseline', stats({ p95Seconds: 1000, baselineP95Seconds: null }), 'pass'],
  ])('%s', (_name, w, want) => {
    expect(checkDuration(snapshot({ workflows: [w] }), HEALTH_THRESHOLDS).check.status).toBe(want);
  });
});

describe('checkRetries', () => {
  it.each([
    ['one retry per run is the limit', { workflow: 'etl', runs: 4, retries: 4, topPhase: undefined }, 'pass'],
    ['2.5 per run warns', { workflow: 'etl', runs: 2, retries: 5, topPhase: 'fetch' }, 'warn'],
    ['no runs', { workflow: 'etl', runs: 0, retries: 5, topPhase: undefined }, 'pass'],
  ])('%s', (_name, r, want) => {
    expect(checkRetries(snapshot({ retries: [r] }), HEALTH_THRESHOLDS).check.status).toBe(want);
  });

  it('names the most retried phase', () => {
    const got = checkRetries(snapshot({ retries: [{ workflow: 'etl', runs: 2, retries: 5, topPhase: 'fetch' }] }), HEALTH_THRESHOLDS);
    expect(got.recommendations[0]).toMatch(/^runs of etl retried 2\.5 times each, most of them in phase fetch:/);
  });
});

describe('checkDependencies', () => {
  const latest: Record<string, Result> = { a: 'failure', b: 'success', c: 'timeout', d: 'error' };
  const latestResult = (w: string): LatestResult | undefined => (latest[w] === undefined ? undefined : { runId: `${w}1`, result: latest[w] as Result, endMs: 0 });
  it.each([
    ['no dependsOn', [], 'pass'],
    ['all passing or never ran', ['b', 'zzz'], 'pass'],
    ['one failing warns', ['a', 'b'], 'warn'],
    ['two failing warns', ['a', 'c'], 'warn'],
    ['three failing is a cascade', ['a', 'c', 'd'], 'fail'],
    ['a repeated dependency counts once', ['a', 'a', 'a'], 'warn'],
  ])('%s', (_name, dependsOn, want) => {
    const got = checkDependencies(snapshot({ activeRuns: [makeRun({ workflow: 'deploy', dependsOn })], latestResult }), HEALTH_THRESHOLDS);
    expect(got.check.status).toBe(want);
    if (want === 'fail') expect(got.recommendations[0]).toBe('run r1 of deploy depends on failing a, c, d: a cascade; fix those first and hold deploy until they pass');
  });
});
