import type { LatestResult } from '../domain/registry.ts';
import type { PoolReport, Run } from '../domain/types.ts';
import type { WorkflowEntry, WorkflowSummary } from '../store/run-history.ts';
import type { ResourceUsage } from './resources.ts';
import type { HealthThresholds } from './thresholds.ts';
import type { HealthSnapshot, RetryStats, WorkflowStats } from './types.ts';

/** HealthRuns is the in-memory run state the snapshot reads (RunRegistry). */
export interface HealthRuns {
  activeRuns(): Iterable<Run>;
  finishedRuns(): Iterable<Run>;
  pool(): PoolReport | undefined;
  latestResult(workflow: string): LatestResult | undefined;
}

/** HealthHistory is the durable run history the snapshot reads (RunHistory). */
export interface HealthHistory {
  workflows(): WorkflowEntry[];
  summary(workflow: string, windowMs: number, nowMs: number): WorkflowSummary;
}

/** MAX_WORKFLOWS bounds the workflows summarised per request: two history queries each. */
export const MAX_WORKFLOWS = 200;

/** workflowStats summarises a workflow over the window ending now and the same window a day earlier. */
export function workflowStats(history: HealthHistory, workflow: string, nowMs: number, t: HealthThresholds): WorkflowStats {
  const now = history.summary(workflow, t.successRate.windowMs, nowMs);
  const before = history.summary(workflow, t.successRate.windowMs, nowMs - t.durationBaseline.offsetMs);
  return {
    workflow,
    finished: now.runs.finished,
    success: now.runs.success,
    successRate: now.successRate,
    p95Seconds: now.durationSeconds.p95,
    baselineP95Seconds: before.durationSeconds.p95,
    failingPhases: now.phases
      .filter((p) => p.failureRate !== null && p.failureRate > 0)
      .map((p) => ({ name: p.name, failureRate: p.failureRate as number }))
      .sort((a, b) => b.failureRate - a.failureRate),
  };
}

/** retryStats counts, per workflow, retries of the in-memory runs that finished within the window. */
export function retryStats(finished: Iterable<Run>, nowMs: number, windowMs: number): RetryStats[] {
  const by = new Map<string, { runs: number; retries: number; phases: Map<string, number> }>();
  for (const run of finished) {
    if (run.endMs === undefined || run.endMs < nowMs - windowMs || run.endMs > nowMs) continue;
    let w = by.get(run.workflow);
    if (!w) by.set(run.workflow, (w = { runs: 0, retries: 0, phases: new Map() }));
    w.runs++;
    w.retries += run.retries.length;
    for (const r of run.retries) if (r.phase !== undefined) w.phases.set(r.phase, (w.phases.get(r.phase) ?? 0) + 1);
  }
  return [...by].map(([workflow, w]) => {
    let topPhase: string | undefined;
    let top = 0;
    for (const [phase, n] of w.phases) if (n > top) [topPhase, top] = [phase, n];
    return { workflow, runs: w.runs, retries: w.retries, topPhase };
  });
}

/** takeSnapshot reads the current state once, for one health report. */
export function takeSnapshot(runs: HealthRuns, history: HealthHistory | undefined, resources: ResourceUsage, nowMs: number, t: HealthThresholds): HealthSnapshot {
  const finishedRuns = [...runs.finishedRuns()];
  const workflows = history === undefined ? [] : history.workflows().slice(0, MAX_WORKFLOWS).map((w) => workflowStats(history, w.workflow, nowMs, t));
  return {
    nowMs,
    activeRuns: [...runs.activeRuns()],
    finishedRuns,
    latestResult: (w) => runs.latestResult(w),
    pool: runs.pool(),
    resources,
    workflows,
    retries: retryStats(finishedRuns, nowMs, t.successRate.windowMs),
  };
}
