import { describe, expect, it } from 'vitest';
import { checkPool, checkResources, poolSizeFor } from '../../src/health/checks-system.ts';
import { HEALTH_THRESHOLDS } from '../../src/health/thresholds.ts';
import type { PoolReport } from '../../src/domain/types.ts';
import type { ResourceUsage } from '../../src/health/resources.ts';
import { NOW, snapshot } from './fixtures.ts';

describe('checkResources', () => {
  it.each([
    ['nothing readable: no checks', {}, []],
    ['all fine', { memory: 0.5, cpu: 0.2, disk: 0.3 }, [['memory', 'pass'], ['cpu', 'pass'], ['data_dir_disk', 'pass']]],
    ['memory at 80% exactly passes, CPU 85% warns, disk 95% fails', { memory: 0.8, cpu: 0.85, disk: 0.95 }, [['memory', 'pass'], ['cpu', 'warn'], ['data_dir_disk', 'fail']]],
  ] as Array<[string, ResourceUsage, Array<[string, string]>]>)('%s', (_name, resources, want) => {
    expect(checkResources(snapshot({ resources }), HEALTH_THRESHOLDS).map((o) => [o.check.name, o.check.status])).toEqual(want);
  });

  it('recommends a memory limit that brings usage near the target', () => {
    const [mem] = checkResources(snapshot({ resources: { memory: 0.93 } }), HEALTH_THRESHOLDS);
    expect(mem?.check).toMatchObject({ status: 'fail', observed: 0.93, threshold: 0.9 });
    expect(mem?.recommendations).toEqual(["memory in use over the pod's limit is 93%: raise the pod's memory limit to about 1.4× its current value, or run fewer workflows at once (to bring it near 70%)"]);
  });
});

describe('checkPool', () => {
  const pool = (capacity: number, busy: number, queued: number, oldestQueuedSeconds?: number): PoolReport => ({ capacity, busy, queued, oldestQueuedSeconds, timeMs: NOW });
  const grade = (p: PoolReport) => Object.fromEntries(checkPool(snapshot({ pool: p }), HEALTH_THRESHOLDS).map((o) => [o.check.name, o.check.status]));

  it('no pool report: no pool checks', () => {
    expect(checkPool(snapshot(), HEALTH_THRESHOLDS)).toEqual([]);
  });

  it.each([
    ['half busy', pool(10, 5, 0), { pool_utilization: 'pass', pool_queue_depth: 'pass', pool_queue_wait: 'pass' }],
    ['90% busy warns', pool(10, 9, 0), { pool_utilization: 'warn', pool_queue_depth: 'pass', pool_queue_wait: 'pass' }],
    ['full fails', pool(5, 5, 3), { pool_utilization: 'fail', pool_queue_depth: 'pass', pool_queue_wait: 'pass' }],
    ['21 queued warns', pool(100, 10, 21), { pool_utilization: 'pass', pool_queue_depth: 'warn', pool_queue_wait: 'pass' }],
    ['101 queued fails', pool(100, 10, 101), { pool_utilization: 'pass', pool_queue_depth: 'fail', pool_queue_wait: 'pass' }],
    ['oldest waited 11 minutes', pool(100, 10, 1, 660), { pool_utilization: 'pass', pool_queue_depth: 'pass', pool_queue_wait: 'warn' }],
  ])('%s', (_name, p, want) => {
    expect(grade(p)).toEqual(want);
  });

  it('raises the pool size from 5 to 8 when 5 are busy and 1 waits', () => {
    const [util] = checkPool(snapshot({ pool: pool(5, 5, 1) }), HEALTH_THRESHOLDS);
    expect(util?.recommendations[0]).toBe('raise the pool size from 5 to 8: 5 of 5 workers busy, 1 queued would run at about 75%');
  });

  it.each([
    [5, 5, 1, 8],
    [5, 5, 0, 7],
    [10, 9, 0, 12],
    [100, 96, 0, 120],
    [4, 4, 40, 55],
  ])('poolSizeFor(capacity %i, busy %i, queued %i) = %i', (capacity, busy, queued, want) => {
    expect(poolSizeFor(capacity, busy, queued, 0.8)).toBe(want);
  });
});
