import type { Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import type { Effect } from '../domain/transition.ts';
import { ACTIVE_STATES, isFailing } from '../domain/types.ts';
import type { Attempt, Run, RunState } from '../domain/types.ts';
import { phaseSpan, runSpan, stepSpan } from './spans.ts';
import type { Telemetry } from './sdk.ts';

/**
 * Recorder turns the effects of run transitions into telemetry: spans when a run, phase or step
 * ends, the CICD metrics, and log lines that carry run_id, trace_id and span_id.
 */
export class Recorder {
  readonly #t: Telemetry;
  readonly #log: Logger;

  constructor(telemetry: Telemetry, logger: Logger) {
    this.#t = telemetry;
    this.#log = logger;
  }

  /** record acts on every effect of the transition that log event `seq` made, in order. MUST NOT throw. */
  record(effects: readonly Effect[], seq: number): void {
    for (const effect of effects) {
      try {
        this.#one(effect, seq);
      } catch (err) {
        // Telemetry must never fail an acknowledged event; say so and go on.
        this.#log.error({ err, effect: effect.type, run_id: effect.run.runId }, 'recording telemetry failed');
      }
    }
  }

  /**
   * exportSpans exports only the spans of `effects` (recovery re-exports what the last process had
   * not; its metrics died with it and are not counted twice).
   */
  exportSpans(effects: readonly Effect[], seq: number): number {
    const { resource } = this.#t;
    let n = 0;
    for (const e of effects) {
      const span = spanOf(e, resource);
      if (span) {
        this.#t.exportSpan(seq, span);
        n++;
      }
    }
    return n;
  }

  /** startSpans begins span export from the persisted mark (see SpanOutbox.start). */
  startSpans(mark: number, committedSeq: number): void {
    this.#t.startSpans(mark, committedSeq);
  }

  /** setSpanBackfill sets who rebuilds deferred spans from the log. */
  setSpanBackfill(backfill: (mark: number) => void): void {
    this.#t.setSpanBackfill(backfill);
  }

  /** deferSpansFrom leaves spans of events from `seq` on to the backfill. */
  deferSpansFrom(seq: number): void {
    this.#t.deferSpansFrom(seq);
  }

  /** committed says every event up to `seq` is durable. */
  committed(seq: number): void {
    this.#t.spansCommitted(seq);
  }

  /** restore puts a run recovered at start back into the gauges that count active runs. */
  restore(run: Run): void {
    if (isActive(run.state)) this.#t.instruments.runActive.add(1, { 'cicd.pipeline.name': run.workflow, 'cicd.pipeline.run.state': run.state });
  }

  #one(e: Effect, seq: number): void {
    const { instruments: m, resource } = this.#t;
    const run = e.run;
    switch (e.type) {
      case 'run.started':
        m.runActive.add(1, { 'cicd.pipeline.name': run.workflow, 'cicd.pipeline.run.state': e.state });
        this.#log.info(logFields(run), `run started: ${run.workflow}`);
        return;
      case 'state.changed':
        if (isActive(e.from)) m.runActive.add(-1, { 'cicd.pipeline.name': run.workflow, 'cicd.pipeline.run.state': e.from });
        if (isActive(e.to)) m.runActive.add(1, { 'cicd.pipeline.name': run.workflow, 'cicd.pipeline.run.state': e.to });
        return;
      case 'phase.started':
      case 'step.started':
        return;
      case 'phase.finished': {
        this.#t.exportSpan(seq, spanOf(e, resource) as ReadableSpan);
        m.phaseDuration.record(seconds(e.attempt), {
          'cicd.pipeline.name': run.workflow,
          'cicd.pipeline.task.name': e.phase,
          'cicd.pipeline.task.run.result': e.attempt.result as string,
        });
        if (e.attempt.result !== undefined && isFailing(e.attempt.result)) {
          this.#log.info({ ...logFields(run), span_id: e.attempt.spanId, phase: e.phase, result: e.attempt.result }, `phase ${e.phase} ended with ${e.attempt.result}`);
        }
        return;
      }
      case 'step.finished': {
        this.#t.exportSpan(seq, spanOf(e, resource) as ReadableSpan);
        return;
      }
      case 'heartbeat':
        m.heartbeats.cell(run.workflow).value++;
        return;
      case 'retry': {
        const attrs: Attributes = { 'cicd.pipeline.name': run.workflow };
        if (e.retry.phase !== undefined) attrs['cicd.pipeline.task.name'] = e.retry.phase;
        m.retries.add(1, attrs);
        return;
      }
      case 'run.finished': {
        this.#t.exportSpan(seq, spanOf(e, resource) as ReadableSpan);
        const result = run.result as string;
        const failing = isFailing(run.result as NonNullable<Run['result']>);
        const errorType = failing ? (run.error?.type ?? result) : undefined;
        // cicd.pipeline.run.duration is per state: one observation for each state the run went through.
        for (const state of ACTIVE_STATES) {
          const ms = run.stateDurationsMs[state];
          if (ms === undefined) continue;
          const attrs: Attributes = { 'cicd.pipeline.name': run.workflow, 'cicd.pipeline.run.state': state, 'cicd.pipeline.result': result };
          if (errorType !== undefined) attrs['error.type'] = errorType;
          m.runDuration.record(ms / 1000, attrs);
        }
        if (errorType !== undefined) m.runErrors.add(1, { 'cicd.pipeline.name': run.workflow, 'error.type': errorType });
        this.#log.info({ ...logFields(run), result, duration_s: ((run.endMs as number) - run.startMs) / 1000 }, `run finished: ${run.workflow} ${result}`);
        return;
      }
    }
  }
}

/** spanOf is the span an effect completes, if it completes one. */
function spanOf(e: Effect, resource: Resource): ReadableSpan | undefined {
  switch (e.type) {
    case 'phase.finished':
      return phaseSpan(e.run, e.phase, e.attempt, previous(e.run.phases.get(e.phase) ?? [], e.attempt), resource);
    case 'step.finished':
      return stepSpan(e.run, e.phase, e.phaseAttempt, e.step, e.attempt, previous(e.phaseAttempt.steps?.get(e.step) ?? [], e.attempt), resource);
    case 'run.finished':
      return runSpan(e.run, resource);
    default:
      return undefined;
  }
}

function isActive(state: RunState): boolean {
  return state !== 'finished';
}

function seconds(a: Attempt): number {
  return ((a.endMs as number) - a.startMs) / 1000;
}

function previous(attempts: Attempt[], a: Attempt): Attempt | undefined {
  return a.attempt > 1 ? attempts[a.attempt - 2] : undefined;
}

/** logFields are the fields every log line about a run carries. */
export function logFields(run: Run): { run_id: string; trace_id: string; span_id: string; workflow: string } {
  return { run_id: run.runId, trace_id: run.traceId, span_id: run.spanId, workflow: run.workflow };
}
