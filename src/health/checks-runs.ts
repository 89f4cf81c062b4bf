import { effectivePhaseBudget } from './defaults.ts';
import { outcome, pct, secs } from './grade.ts';
import type { Offender } from './grade.ts';
import type { HealthThresholds } from './thresholds.ts';
import type { CheckOutcome, HealthSnapshot } from './types.ts';
import type { Run } from '../domain/types.ts';

/**
 * Checks of the active runs: phase budgets, heartbeat gaps, progress, waiting to start, phases
 * that succeeded suspiciously fast. Pure: a snapshot and thresholds in, outcomes out.
 */

function who(run: Run): string {
  return `run ${run.runId} of ${run.workflow}`;
}

function lastWords(run: Run, nowMs: number): string {
  const age = secs(Math.max(0, nowMs - run.lastHeartbeatMs) / 1000);
  return run.message === undefined ? `it has sent no heartbeat message (last sign of life ${age} ago)` : `look at its last heartbeat message '${run.message}' (${age} ago)`;
}

/** checkPhaseBudgets grades each running phase by the fraction of its budget used, and its warn time. */
export function checkPhaseBudgets(s: HealthSnapshot, t: HealthThresholds): CheckOutcome {
  const b = t.phaseBudget;
  const offenders: Offender[] = [];
  let worst: number | null = null;
  for (const run of s.activeRuns) {
    for (const phase of run.runningPhases) {
      const attempt = run.phases.get(phase)?.at(-1);
      if (!attempt) continue;
      const elapsed = Math.max(0, s.nowMs - attempt.startMs) / 1000;
      const { budgetSeconds, warnSeconds } = effectivePhaseBudget(run, phase);
      const ratio = budgetSeconds === undefined ? undefined : elapsed / budgetSeconds;
      if (ratio !== undefined) worst = Math.max(worst ?? 0, ratio);
      const subject = `phase ${phase} of ${who(run)}`;
      if (ratio !== undefined && ratio > b.warn) {
        const threshold = ratio > b.critical ? b.critical : ratio > b.error ? b.error : b.warn;
        offenders.push({
          status: ratio > b.error ? 'fail' : 'warn',
          value: ratio,
          threshold,
          message: `${subject} has used ${pct(ratio)} of its ${budgetSeconds} s budget`,
          recommendation: `${subject} has used ${pct(ratio)} of its ${budgetSeconds} s budget: ${lastWords(run, s.nowMs)}`,
        });
      } else if (warnSeconds !== undefined && elapsed >= warnSeconds) {
        offenders.push({
          status: 'warn',
          value: ratio ?? 0,
          threshold: b.warn,
          message: `${subject} has run ${secs(elapsed)}, past its warn time of ${warnSeconds} s`,
          recommendation: `${subject} has run ${secs(elapsed)}, past its warn time of ${warnSeconds} s: ${lastWords(run, s.nowMs)}`,
        });
      }
    }
  }
  return outcome('phase_budget', offenders, { observed: worst, threshold: b.warn, message: worst === null ? 'no running phase has a budget' : `every running phase is within ${pct(b.warn)} of its budget` });
}

/** checkHeartbeats grades runs that declared a heartbeat interval by the gap since their last beat. */
export function checkHeartbeats(s: HealthSnapshot, t: HealthThresholds): CheckOutcome {
  const h = t.heartbeatGap;
  const offenders: Offender[] = [];
  let worst: number | null = null;
  for (const run of s.activeRuns) {
    const interval = run.heartbeatIntervalSeconds;
    if (interval === undefined || interval <= 0) continue;
    const age = Math.max(0, s.nowMs - run.lastHeartbeatMs) / 1000;
    const gap = age / interval;
    worst = Math.max(worst ?? 0, gap);
    if (gap < h.warn) continue;
    const failing = gap >= h.fail;
    offenders.push({
      status: failing ? 'fail' : 'warn',
      value: gap,
      threshold: failing ? h.fail : h.warn,
      message: `${who(run)} has sent no heartbeat for ${secs(age)}, ${gap.toFixed(1)}× its ${interval} s interval`,
      recommendation: `${who(run)} has sent no heartbeat for ${secs(age)} (${gap.toFixed(1)}× its ${interval} s interval): check that its process is alive${failing ? ' and cancel it if not' : ''}, or raise heartbeatIntervalSeconds if it beats slower by design`,
    });
  }
  return outcome('heartbeat_gap', offenders, { observed: worst, threshold: h.warn, message: `every run beats within ${h.warn}× its heartbeat interval` });
}

/** checkProgress grades runs that report progress by how long it has not moved. */
export function checkProgress(s: HealthSnapshot, t: HealthThresholds): CheckOutcome {
  const limit = t.noProgressSeconds;
  const offenders: Offender[] = [];
  let worst: number | null = null;
  for (const run of s.activeRuns) {
    if (run.progress === undefined) continue;
    const age = Math.max(0, s.nowMs - run.lastProgressMs) / 1000;
    worst = Math.max(worst ?? 0, age);
    if (age <= limit) continue;
    offenders.push({
      status: 'warn',
      value: age,
      threshold: limit,
      message: `${who(run)} has made no progress for ${secs(age)} (at ${pct(run.progress)})`,
      recommendation: `${who(run)} has been stuck at ${pct(run.progress)} for ${secs(age)}: ${lastWords(run, s.nowMs)}`,
    });
  }
  return outcome('run_progress', offenders, { observed: worst, threshold: limit, message: `every run reporting progress moved within ${secs(limit)}` });
}

/** checkPending grades runs still waiting to start. */
export function checkPending(s: HealthSnapshot, t: HealthThresholds): CheckOutcome {
  const limit = t.pendingSeconds;
  const offenders: Offender[] = [];
  let worst: number | null = null;
  const pool = s.pool;
  const poolNote = pool === undefined ? 'check that a runner picked it up' : `check the pool (${pool.busy} of ${pool.capacity} workers busy, ${pool.queued} queued)`;
  for (const run of s.activeRuns) {
    if (run.state !== 'pending') continue;
    const age = Math.max(0, s.nowMs - run.startMs) / 1000;
    worst = Math.max(worst ?? 0, age);
    if (age <= limit) continue;
    offenders.push({
      status: 'warn',
      value: age,
      threshold: limit,
      message: `${who(run)} has waited ${secs(age)} to start`,
      recommendation: `${who(run)} has waited ${secs(age)} without starting a phase or sending a heartbeat: ${poolNote}`,
    });
  }
  return outcome('run_pending', offenders, { observed: worst, threshold: limit, message: `no run has waited more than ${secs(limit)} to start` });
}

/** checkFastPhases flags successful phase attempts that ended recently in under the floor. */
export function checkFastPhases(s: HealthSnapshot, t: HealthThresholds): CheckOutcome {
  const floor = t.fastPhaseSeconds;
  const since = s.nowMs - t.fastPhaseWindowMs;
  const offenders: Offender[] = [];
  for (const run of [...s.activeRuns, ...s.finishedRuns]) {
    for (const [phase, attempts] of run.phases) {
      for (const a of attempts) {
        if (a.result !== 'success' || a.endMs === undefined || a.endMs < since) continue;
        const took = (a.endMs - a.startMs) / 1000;
        if (took >= floor) continue;
        offenders.push({
          status: 'warn',
          value: took,
          threshold: floor,
          message: `phase ${phase} of ${who(run)} succeeded in ${took.toFixed(2)} s`,
          recommendation: `phase ${phase} of ${who(run)} succeeded in ${took.toFixed(2)} s, under the ${floor} s floor: check that it really did its work`,
        });
      }
    }
  }
  return outcome('phase_too_fast', offenders, { observed: null, threshold: floor, message: `no phase succeeded in under ${floor} s in the last ${secs(t.fastPhaseWindowMs / 1000)}` }, false);
}
