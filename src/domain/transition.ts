import { ConflictError, NotFoundError } from '../errors.ts';
import {
  formatTraceParent,
  parseTraceParent,
  phaseSpanIdFor,
  rootSpanIdFor,
  stepSpanIdFor,
  traceIdFor,
} from './ids.ts';
import { append, SmallMap, without } from './small-map.ts';
import { MAX_SPAN_EVENTS } from './types.ts';
import type {
  ActiveState,
  Attempt,
  Attributes,
  HeartbeatEvent,
  PhaseFinishEvent,
  PhaseStartEvent,
  RetryEvent,
  RetryRecord,
  Run,
  RunEvent,
  RunFinishEvent,
  RunStartEvent,
  RunState,
  SpanEventRecord,
  StepFinishEvent,
  StepStartEvent,
} from './types.ts';

/**
 * The run state machine. `transition` MUST stay pure: no I/O and no clock reads (event times come
 * in on the events). It validates the whole transition before it changes anything, so an event
 * refused with a ConflictError leaves the run exactly as it was.
 */

/**
 * Effect is what a transition changed, for telemetry (spans, metrics) to act on. Telemetry acts
 * once the event is committed, when later events of the same batch may have moved `run` on: what
 * an effect says about the moment it was made is in its own fields (`state`, `from`, `to`).
 */
export type Effect =
  | { type: 'run.started'; run: Run; state: RunState }
  | { type: 'state.changed'; run: Run; from: RunState; to: RunState }
  | { type: 'phase.started'; run: Run; phase: string; attempt: Attempt }
  | { type: 'phase.finished'; run: Run; phase: string; attempt: Attempt }
  | { type: 'step.started'; run: Run; phase: string; phaseAttempt: Attempt; step: string; attempt: Attempt }
  | { type: 'step.finished'; run: Run; phase: string; phaseAttempt: Attempt; step: string; attempt: Attempt }
  | { type: 'heartbeat'; run: Run }
  | { type: 'retry'; run: Run; retry: RetryRecord }
  | { type: 'run.finished'; run: Run };

/** Transition is the outcome of applying one event. */
export interface Transition {
  run: Run;
  /** True when the event repeats one already applied: it is answered alike and changes nothing. */
  duplicate: boolean;
  /** True when the event created the run. */
  created: boolean;
  /** The traceparent of the span the event is about (run, phase or step). */
  traceparent: string;
  effects: Effect[];
}

const NO_EFFECTS: Effect[] = [];
// Shared by every run that declares nothing: never mutated.
const NONE: readonly never[] = Object.freeze([]);

/**
 * transition applies `event` to `run` (undefined when the sidecar does not know the run).
 * Throws NotFoundError for an unknown run, ConflictError for a transition that makes no sense.
 */
export function transition(run: Run | undefined, event: RunEvent): Transition {
  if (event.type === 'run.start') return startRun(run, event);
  if (!run) throw new NotFoundError(`run ${JSON.stringify(event.runId)} is not known`);
  switch (event.type) {
    case 'phase.start':
      return startPhase(run, event);
    case 'phase.finish':
      return finishPhase(run, event);
    case 'step.start':
      return startStep(run, event);
    case 'step.finish':
      return finishStep(run, event);
    case 'heartbeat':
      return heartbeat(run, event);
    case 'retry':
      return retry(run, event);
    case 'run.finish':
      return finishRun(run, event);
  }
}

function runTraceParent(run: Run): string {
  return formatTraceParent(run.traceId, run.spanId);
}

function unchanged(run: Run, traceparent: string): Transition {
  return { run, duplicate: true, created: false, traceparent, effects: NO_EFFECTS };
}

function assertActive(run: Run): void {
  if (run.state === 'finished') {
    throw new ConflictError(`run ${JSON.stringify(run.runId)} already finished with ${run.result}`);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function startRun(existing: Run | undefined, e: RunStartEvent): Transition {
  if (existing) {
    if (existing.workflow !== e.workflow) {
      throw new ConflictError(
        `run ${JSON.stringify(e.runId)} already exists for workflow ${JSON.stringify(existing.workflow)}`,
      );
    }
    return unchanged(existing, runTraceParent(existing));
  }
  const parent = e.traceparent === undefined ? undefined : parseTraceParent(e.traceparent);
  const run: Run = {
    runId: e.runId,
    workflow: e.workflow,
    traceId: parent ? parent.traceId : traceIdFor(e.runId),
    spanId: rootSpanIdFor(e.runId),
    parentSpanId: parent?.spanId,
    attributes: e.attributes,
    phaseSpecs: e.phases ?? NONE,
    heartbeatIntervalSeconds: e.heartbeatIntervalSeconds,
    dependsOn: e.dependsOn ?? NONE,
    startMs: e.timeMs,
    endMs: undefined,
    result: undefined,
    error: undefined,
    state: 'pending',
    stateSinceMs: e.timeMs,
    stateDurationsMs: { pending: 0 },
    phases: new SmallMap(),
    runningPhases: [],
    lastHeartbeatMs: e.timeMs,
    lastProgressMs: e.timeMs,
    progress: undefined,
    done: undefined,
    total: undefined,
    message: undefined,
    heartbeats: 0,
    retries: [],
    events: undefined,
    droppedEvents: 0,
  };
  return { run, duplicate: false, created: true, traceparent: runTraceParent(run), effects: [{ type: 'run.started', run, state: run.state }] };
}

/** setState moves the run to `to` at `atMs`, accumulating the time spent in the state it leaves. */
function setState(run: Run, to: RunState, atMs: number, effects: Effect[]): void {
  const from = run.state;
  if (from === to) return;
  const at = Math.max(atMs, run.stateSinceMs);
  if (from !== 'finished') {
    run.stateDurationsMs[from] = (run.stateDurationsMs[from] ?? 0) + (at - run.stateSinceMs);
  }
  if (to !== 'finished') run.stateDurationsMs[to as ActiveState] ??= 0;
  run.state = to;
  run.stateSinceMs = at;
  effects.push({ type: 'state.changed', run, from, to });
}

function newAttempt(attempt: number, spanId: string, startMs: number, attributes: Attributes | undefined): Attempt {
  return {
    attempt,
    spanId,
    startMs,
    endMs: undefined,
    result: undefined,
    error: undefined,
    attributes,
    steps: undefined,
    events: undefined,
    droppedEvents: 0,
  };
}

/**
 * isDuplicateStart decides what a start event means for a list of attempts: a duplicate of an
 * existing attempt, a conflict, or a new attempt (the first, or a retry after the last finished).
 */
function isDuplicateStart(
  attempts: Attempt[] | undefined,
  e: { timeMs: number; explicitTime: boolean },
  what: string,
): Attempt | undefined {
  if (!attempts || attempts.length === 0) return undefined;
  if (e.explicitTime) {
    const same = attempts.find((a) => a.startMs === e.timeMs);
    if (same) return same;
  }
  const last = attempts[attempts.length - 1] as Attempt;
  if (last.endMs === undefined) {
    if (!e.explicitTime) return last;
    throw new ConflictError(`${what} attempt ${last.attempt} is already running since ${iso(last.startMs)}`);
  }
  return undefined;
}

function startPhase(run: Run, e: PhaseStartEvent): Transition {
  const attempts = run.phases.get(e.phase);
  const dup = isDuplicateStart(attempts, e, `phase ${JSON.stringify(e.phase)}`);
  if (dup) return unchanged(run, formatTraceParent(run.traceId, dup.spanId));
  assertActive(run);
  const n = (attempts?.length ?? 0) + 1;
  const attempt = newAttempt(n, phaseSpanIdFor(run.runId, e.phase, n), e.timeMs, e.attributes);
  const effects: Effect[] = [];
  if (attempts) attempts.push(attempt);
  else run.phases.set(e.phase, [attempt]);
  run.runningPhases = append(run.runningPhases, e.phase);
  if (run.state !== 'executing') setState(run, 'executing', e.timeMs, effects);
  effects.push({ type: 'phase.started', run, phase: e.phase, attempt });
  return { run, duplicate: false, created: false, traceparent: formatTraceParent(run.traceId, attempt.spanId), effects };
}

/**
 * checkFinish decides what a finish event means for the last attempt: undefined to finish it,
 * or the attempt when the event repeats the finish already applied. Throws on a conflict.
 */
function checkFinish(
  attempts: Attempt[] | undefined,
  e: { result: string; timeMs: number; explicitTime: boolean },
  what: string,
): Attempt | undefined {
  const last = attempts?.[attempts.length - 1];
  if (!last) throw new ConflictError(`${what} was never started`);
  if (last.endMs !== undefined) {
    if (last.result === e.result && (!e.explicitTime || last.endMs === e.timeMs)) return last;
    throw new ConflictError(`${what} attempt ${last.attempt} already finished with ${last.result} at ${iso(last.endMs)}`);
  }
  if (e.timeMs < last.startMs) {
    throw new ConflictError(`${what}: finish time ${iso(e.timeMs)} is before its start ${iso(last.startMs)}`);
  }
  return undefined;
}

function closeAttempt(a: Attempt, e: { result: Attempt['result']; error?: Attempt['error']; timeMs: number }): void {
  a.endMs = Math.max(e.timeMs, a.startMs);
  a.result = e.result;
  a.error = e.error;
}

/** closeSteps ends every running step of a phase attempt the way the phase itself ends. */
function closeSteps(run: Run, phase: string, pa: Attempt, e: RunFinishEvent | PhaseFinishEvent, effects: Effect[]): void {
  if (!pa.steps) return;
  for (const [step, attempts] of pa.steps) {
    const last = attempts[attempts.length - 1];
    if (last && last.endMs === undefined) {
      closeAttempt(last, e);
      effects.push({ type: 'step.finished', run, phase, phaseAttempt: pa, step, attempt: last });
    }
  }
}

function allDeclaredPhasesDone(run: Run): boolean {
  if (run.phaseSpecs.length === 0 || run.runningPhases.length > 0) return false;
  for (const { name } of run.phaseSpecs) {
    const attempts = run.phases.get(name);
    if (!attempts || attempts.length === 0) return false;
  }
  return true;
}

function finishPhase(run: Run, e: PhaseFinishEvent): Transition {
  const attempts = run.phases.get(e.phase);
  const dup = checkFinish(attempts, e, `phase ${JSON.stringify(e.phase)}`);
  if (dup) return unchanged(run, formatTraceParent(run.traceId, dup.spanId));
  const last = (attempts as Attempt[])[(attempts as Attempt[]).length - 1] as Attempt;
  const effects: Effect[] = [];
  closeSteps(run, e.phase, last, e, effects);
  closeAttempt(last, e);
  run.runningPhases = without(run.runningPhases, e.phase);
  effects.push({ type: 'phase.finished', run, phase: e.phase, attempt: last });
  if (allDeclaredPhasesDone(run)) setState(run, 'finalizing', e.timeMs, effects);
  return { run, duplicate: false, created: false, traceparent: formatTraceParent(run.traceId, last.spanId), effects };
}

function runningPhaseAttempt(run: Run, phase: string): Attempt {
  const attempts = run.phases.get(phase);
  const last = attempts?.[attempts.length - 1];
  if (!last || last.endMs !== undefined) {
    throw new ConflictError(`phase ${JSON.stringify(phase)} is not running`);
  }
  return last;
}

function latestPhaseAttempt(run: Run, phase: string): Attempt | undefined {
  const attempts = run.phases.get(phase);
  return attempts?.[attempts.length - 1];
}

function startStep(run: Run, e: StepStartEvent): Transition {
  const latest = latestPhaseAttempt(run, e.phase);
  const what = `step ${JSON.stringify(e.step)} of phase ${JSON.stringify(e.phase)}`;
  const dup = isDuplicateStart(latest?.steps?.get(e.step), e, what);
  if (dup) return unchanged(run, formatTraceParent(run.traceId, dup.spanId));
  assertActive(run);
  const pa = runningPhaseAttempt(run, e.phase);
  const steps = (pa.steps ??= new SmallMap());
  const attempts = steps.get(e.step);
  const n = (attempts?.length ?? 0) + 1;
  const attempt = newAttempt(n, stepSpanIdFor(run.runId, e.phase, pa.attempt, e.step, n), e.timeMs, e.attributes);
  if (attempts) attempts.push(attempt);
  else steps.set(e.step, [attempt]);
  const effects: Effect[] = [{ type: 'step.started', run, phase: e.phase, phaseAttempt: pa, step: e.step, attempt }];
  return { run, duplicate: false, created: false, traceparent: formatTraceParent(run.traceId, attempt.spanId), effects };
}

function finishStep(run: Run, e: StepFinishEvent): Transition {
  const pa = latestPhaseAttempt(run, e.phase);
  const what = `step ${JSON.stringify(e.step)} of phase ${JSON.stringify(e.phase)}`;
  const attempts = pa?.steps?.get(e.step);
  const dup = checkFinish(attempts, e, what);
  if (dup) return unchanged(run, formatTraceParent(run.traceId, dup.spanId));
  const last = (attempts as Attempt[])[(attempts as Attempt[]).length - 1] as Attempt;
  closeAttempt(last, e);
  const effects: Effect[] = [{ type: 'step.finished', run, phase: e.phase, phaseAttempt: pa as Attempt, step: e.step, attempt: last }];
  return { run, duplicate: false, created: false, traceparent: formatTraceParent(run.traceId, last.spanId), effects };
}

function pushEvent(target: { events: SpanEventRecord[] | undefined; droppedEvents: number }, ev: SpanEventRecord): void {
  // Arrays here are made to their exact size: a first push() would reserve room for 16, and a
  // sidecar holds many runs, each with few events, retries and running phases.
  const events = target.events;
  if (!events) target.events = [ev];
  else if (events.length < MAX_SPAN_EVENTS) events.push(ev);
  else target.droppedEvents++;
}

function heartbeat(run: Run, e: HeartbeatEvent): Transition {
  if (e.explicitTime && run.heartbeats > 0 && e.timeMs === run.lastHeartbeatMs) {
    return unchanged(run, runTraceParent(run));
  }
  assertActive(run);
  const effects: Effect[] = [];
  run.heartbeats++;
  if (e.timeMs > run.lastHeartbeatMs) run.lastHeartbeatMs = e.timeMs;
  const ratio = e.progress ?? (e.total !== undefined && e.total > 0 && e.done !== undefined ? e.done / e.total : undefined);
  if (ratio !== undefined && ratio !== run.progress) {
    run.progress = ratio;
    if (e.timeMs > run.lastProgressMs) run.lastProgressMs = e.timeMs;
  }
  if (e.done !== undefined) run.done = e.done;
  if (e.total !== undefined) run.total = e.total;
  if (e.message !== undefined) run.message = e.message;
  if (run.state === 'pending') setState(run, 'executing', e.timeMs, effects);
  const current = run.runningPhases[run.runningPhases.length - 1];
  const target = current === undefined ? run : (latestPhaseAttempt(run, current) as Attempt);
  effects.push({ type: 'heartbeat', run });
  // A span holds 128 events; past that a heartbeat is only counted, not built.
  if ((target.events?.length ?? 0) >= MAX_SPAN_EVENTS) {
    target.droppedEvents++;
    return { run, duplicate: false, created: false, traceparent: runTraceParent(run), effects };
  }
  const attributes: Attributes = {};
  if (ratio !== undefined) attributes['runwarden.progress'] = ratio;
  if (e.done !== undefined) attributes['runwarden.progress.done'] = e.done;
  if (e.total !== undefined) attributes['runwarden.progress.total'] = e.total;
  if (e.message !== undefined) attributes['runwarden.message'] = e.message;
  pushEvent(target, { name: 'heartbeat', timeMs: e.timeMs, attributes });
  return { run, duplicate: false, created: false, traceparent: runTraceParent(run), effects };
}

function retry(run: Run, e: RetryEvent): Transition {
  if (run.retries.some((r) => r.phase === e.phase && r.attempt === e.attempt)) {
    return unchanged(run, runTraceParent(run));
  }
  assertActive(run);
  const record: RetryRecord = { phase: e.phase, attempt: e.attempt, reason: e.reason, timeMs: e.timeMs };
  run.retries = append(run.retries, record);
  const attributes: Attributes = { 'runwarden.retry.attempt': e.attempt };
  if (e.phase !== undefined) attributes['cicd.pipeline.task.name'] = e.phase;
  if (e.reason !== undefined) attributes['runwarden.retry.reason'] = e.reason;
  pushEvent(run, { name: 'retry', timeMs: e.timeMs, attributes });
  return { run, duplicate: false, created: false, traceparent: runTraceParent(run), effects: [{ type: 'retry', run, retry: record }] };
}

function finishRun(run: Run, e: RunFinishEvent): Transition {
  if (run.state === 'finished') {
    if (run.result === e.result && (!e.explicitTime || run.endMs === e.timeMs)) return unchanged(run, runTraceParent(run));
    throw new ConflictError(`run ${JSON.stringify(run.runId)} already finished with ${run.result} at ${iso(run.endMs as number)}`);
  }
  if (e.timeMs < run.startMs) {
    throw new ConflictError(`finish time ${iso(e.timeMs)} is before the run's start ${iso(run.startMs)}`);
  }
  const effects: Effect[] = [];
  for (const phase of run.runningPhases) {
    const pa = latestPhaseAttempt(run, phase) as Attempt;
    closeSteps(run, phase, pa, e, effects);
    closeAttempt(pa, e);
    effects.push({ type: 'phase.finished', run, phase, attempt: pa });
  }
  run.runningPhases = [];
  run.endMs = e.timeMs;
  run.result = e.result;
  run.error = e.error;
  setState(run, 'finished', e.timeMs, effects);
  effects.push({ type: 'run.finished', run });
  return { run, duplicate: false, created: false, traceparent: runTraceParent(run), effects };
}
