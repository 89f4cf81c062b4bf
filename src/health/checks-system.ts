import { outcome, pct, secs } from './grade.ts';
import type { Offender } from './grade.ts';
import type { HealthThresholds } from './thresholds.ts';
import type { CheckOutcome, HealthSnapshot } from './types.ts';

/**
 * Checks of the pod and the runner's pool: memory, CPU, data-dir disk, pool utilization, queue
 * depth and wait. Pure. A resource the sidecar cannot read gives no check; no pool report, no pool
 * checks.
 */

/** poolSizeFor is the pool size that would run `busy + queued` at the target utilization (at least one more than now). */
export function poolSizeFor(capacity: number, busy: number, queued: number, target: number): number {
  return Math.max(capacity + 1, Math.ceil((busy + queued) / target));
}

const RESOURCES = [
  { key: 'memory', name: 'memory', what: "memory in use over the pod's limit", fix: (f: string) => `raise the pod's memory limit to about ${f}× its current value, or run fewer workflows at once` },
  { key: 'cpu', name: 'cpu', what: "CPU in use over the pod's quota", fix: (f: string) => `raise the pod's CPU limit to about ${f}× its current value, or run fewer workflows at once` },
  { key: 'disk', name: 'data_dir_disk', what: "disk used on the data directory's filesystem", fix: (f: string) => `free space on the data directory's filesystem or grow it to about ${f}× its size, or shorten store.retention` },
] as const;

/** checkResources grades memory, CPU and data-dir disk against the warn/fail ratios. */
export function checkResources(s: HealthSnapshot, t: HealthThresholds): CheckOutcome[] {
  const out: CheckOutcome[] = [];
  for (const r of RESOURCES) {
    const v = s.resources[r.key];
    if (v === undefined) continue;
    const offenders: Offender[] = [];
    if (v > t.resources.warn) {
      const failing = v > t.resources.fail;
      const factor = (Math.ceil((v / t.resourceTarget) * 10) / 10).toFixed(1);
      offenders.push({
        status: failing ? 'fail' : 'warn',
        value: v,
        threshold: failing ? t.resources.fail : t.resources.warn,
        message: `${r.what} is ${pct(v)}`,
        recommendation: `${r.what} is ${pct(v)}: ${r.fix(factor)} (to bring it near ${pct(t.resourceTarget)})`,
      });
    }
    out.push(outcome(r.name, offenders, { observed: v, threshold: t.resources.warn, message: `${r.what} is ${pct(v)}` }));
  }
  return out;
}

/** checkPool grades the last pool report: utilization, queue depth, the oldest queued item's wait. */
export function checkPool(s: HealthSnapshot, t: HealthThresholds): CheckOutcome[] {
  const pool = s.pool;
  if (pool === undefined) return [];
  const p = t.pool;
  const util = pool.capacity > 0 ? pool.busy / pool.capacity : 0;
  const size = poolSizeFor(pool.capacity, pool.busy, pool.queued, p.targetUtilization);
  const raise = `raise the pool size from ${pool.capacity} to ${size}`;
  const demand = `${pool.busy} of ${pool.capacity} workers busy, ${pool.queued} queued`;

  const utilOffenders: Offender[] = [];
  if (util > p.utilizationWarn) {
    const failing = util > p.utilizationFail;
    utilOffenders.push({
      status: failing ? 'fail' : 'warn',
      value: util,
      threshold: failing ? p.utilizationFail : p.utilizationWarn,
      message: `the pool is ${pct(util)} busy (${demand})`,
      recommendation: `${raise}: ${demand} would run at about ${pct((pool.busy + pool.queued) / size)}`,
    });
  }
  const queueOffenders: Offender[] = [];
  if (pool.queued > p.queueWarn) {
    const failing = pool.queued > p.queueFail;
    queueOffenders.push({
      status: failing ? 'fail' : 'warn',
      value: pool.queued,
      threshold: failing ? p.queueFail : p.queueWarn,
      message: `${pool.queued} items wait for a worker`,
      recommendation: `${pool.queued} items wait for a worker: ${raise}, or hold back new work`,
    });
  }
  const wait = pool.queued > 0 && pool.oldestQueuedSeconds !== undefined ? pool.oldestQueuedSeconds + Math.max(0, s.nowMs - pool.timeMs) / 1000 : 0;
  const waitOffenders: Offender[] = [];
  if (wait > p.queueWaitSeconds) {
    waitOffenders.push({
      status: 'warn',
      value: wait,
      threshold: p.queueWaitSeconds,
      message: `the oldest queued item has waited ${secs(wait)}`,
      recommendation: `the oldest queued item has waited ${secs(wait)} for a worker: ${raise}`,
    });
  }
  return [
    outcome('pool_utilization', utilOffenders, { observed: util, threshold: p.utilizationWarn, message: `the pool is ${pct(util)} busy` }),
    outcome('pool_queue_depth', queueOffenders, { observed: pool.queued, threshold: p.queueWarn, message: `${pool.queued} items wait for a worker` }),
    outcome('pool_queue_wait', waitOffenders, { observed: wait, threshold: p.queueWaitSeconds, message: wait > 0 ? `the oldest queued item has waited ${secs(wait)}` : 'nothing waits for a worker' }),
  ];
}
