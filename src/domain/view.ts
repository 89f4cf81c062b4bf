import { formatTraceParent } from './ids.ts';
import { phaseSpec } from './types.ts';
import type { Attempt, ErrorInfo, Run } from './types.ts';

/**
 * The JSON views of a run that the query API answers with. Pure: `nowMs` comes in, so the
 * elapsed time of a running phase is computed against the caller's clock.
 */

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

function seconds(startMs: number, endMs: number | undefined, nowMs: number): number {
  return Math.max(0, (endMs ?? nowMs) - startMs) / 1000;
}

/** AttemptView is one phase or step attempt. */
export interface AttemptView {
  attempt: number;
  spanId: string;
  traceparent: string;
  state: 'running' | 'finished';
  startTime: string | null;
  endTime: string | null;
  durationSeconds: number;
  result: string | null;
  error: ErrorInfo | null;
  steps?: StepView[];
}

/** StepView is a step with its attempts. */
export interface StepView {
  name: string;
  attempts: AttemptView[];
}

/** PhaseView is a phase (declared, started, or both) with its attempts. */
export interface PhaseView {
  name: string;
  budgetSeconds: number | null;
  warnSeconds: number | null;
  state: 'not_started' | 'running' | 'finished';
  result: string | null;
  attempts: AttemptView[];
}

function attemptView(run: Run, a: Attempt, nowMs: number, isPhase: boolean): AttemptView {
  const view: AttemptView = {
    attempt: a.attempt,
    spanId: a.spanId,
    traceparent: formatTraceParent(run.traceId, a.spanId),
    state: a.endMs === undefined ? 'running' : 'finished',
    startTime: iso(a.startMs),
    endTime: iso(a.endMs),
    durationSeconds: seconds(a.startMs, a.endMs, nowMs),
    result: a.result ?? null,
    error: a.error ?? null,
  };
  if (isPhase) {
    view.steps = [...(a.steps ?? [])].map(([name, attempts]) => ({ name, attempts: attempts.map((s) => attemptView(run, s, nowMs, false)) }));
  }
  return view;
}

function phaseViews(run: Run, nowMs: number): PhaseView[] {
  const names = [...run.phases.keys()];
  for (const { name } of run.phaseSpecs) if (!run.phases.has(name)) names.push(name);
  return names.map((name) => {
    const spec = phaseSpec(run, name);
    const attempts = run.phases.get(name) ?? [];
    const last = attempts[attempts.length - 1];
    return {
      name,
      budgetSeconds: spec?.budgetSeconds ?? null,
      warnSeconds: spec?.warnSeconds ?? null,
      state: !last ? 'not_started' : last.endMs === undefined ? 'running' : 'finished',
      result: last?.result ?? null,
      attempts: attempts.map((a) => attemptView(run, a, nowMs, true)),
    };
  });
}

/** runSummaryView is a run without its phases, for lists. */
export function runSummaryView(run: Run, nowMs: number) {
  return {
    runId: run.runId,
    workflow: run.workflow,
    state: run.state,
    result: run.result ?? null,
    traceId: run.traceId,
    spanId: run.spanId,
    traceparent: formatTraceParent(run.traceId, run.spanId),
    startTime: iso(run.startMs),
    endTime: iso(run.endMs),
    durationSeconds: seconds(run.startMs, run.endMs, nowMs),
    progress: run.progress ?? null,
    lastHeartbeatTime: iso(run.lastHeartbeatMs),
    currentPhases: [...run.runningPhases],
  };
}

/** runView is one run with its whole timeline. */
export function runView(run: Run, nowMs: number) {
  const phases = phaseViews(run, nowMs);
  return {
    ...runSummaryView(run, nowMs),
    error: run.error ?? null,
    attributes: run.attributes ?? {},
    dependsOn: run.dependsOn,
    heartbeatIntervalSeconds: run.heartbeatIntervalSeconds ?? null,
    phases,
    phaseCounts: {
      completed: phases.filter((p) => p.result === 'success').length,
      failed: phases.filter((p) => p.result === 'failure' || p.result === 'error' || p.result === 'timeout').length,
      skipped: phases.filter((p) => p.result === 'skip').length,
    },
    heartbeat: {
      count: run.heartbeats,
      lastTime: iso(run.lastHeartbeatMs),
      secondsSince: seconds(run.lastHeartbeatMs, run.endMs, nowMs),
    },
    progressDetail: {
      ratio: run.progress ?? null,
      done: run.done ?? null,
      total: run.total ?? null,
      message: run.message ?? null,
      lastMovedTime: iso(run.lastProgressMs),
    },
    retries: run.retries.map((r) => ({ phase: r.phase ?? null, attempt: r.attempt, reason: r.reason ?? null, time: iso(r.timeMs) })),
  };
}

/** RunRecord is what the run index keeps of a finished run, for summaries over many runs. */
export interface RunRecord {
  durationMs: number;
  /** Time spent pending before the run started executing; null if it never did. */
  pendingMs: number | null;
  /** A retry was reported, or a phase ran more than once. */
  retried: boolean;
  phases: { name: string; attempts: number; failedAttempts: number; result: string | null }[];
}

/** runRecord summarises a finished run for the run index. */
export function runRecord(run: Run): RunRecord {
  const phases = [...run.phases].map(([name, attempts]) => ({
    name,
    attempts: attempts.length,
    failedAttempts: attempts.filter((a) => a.result === 'failure' || a.result === 'error' || a.result === 'timeout').length,
    result: attempts[attempts.length - 1]?.result ?? null,
  }));
  return {
    durationMs: (run.endMs ?? run.startMs) - run.startMs,
    pendingMs: run.stateDurationsMs.executing !== undefined ? (run.stateDurationsMs.pending ?? 0) : null,
    retried: run.retries.length > 0 || phases.some((p) => p.attempts > 1),
    phases,
  };
}
