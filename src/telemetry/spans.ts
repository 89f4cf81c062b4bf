import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { Attributes, HrTime, Link, SpanContext, SpanStatus } from '@opentelemetry/api';
import { hrTimeDuration, millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import { isFailing, phaseSpec } from '../domain/types.ts';
import type { Attempt, ErrorInfo, Result, Run, SpanEventRecord } from '../domain/types.ts';
import { SCOPE } from './scope.ts';

/**
 * Spans built from the run model, not recorded live: a span is made whole when its run, phase or
 * step ends, with the event times as start and end and the deterministic ids of `domain/ids.ts`.
 * Building them from state (rather than holding SDK Span objects open for hours) is what lets a
 * restarted sidecar export the same spans again from its log.
 */

function context(traceId: string, spanId: string, isRemote = false): SpanContext {
  return { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote };
}

function status(result: Result | undefined, error: ErrorInfo | undefined, what: string): SpanStatus {
  if (result === undefined || !isFailing(result)) return { code: SpanStatusCode.UNSET };
  return { code: SpanStatusCode.ERROR, message: error?.message ?? `${what} ended with ${result}` };
}

function timedEvents(events: SpanEventRecord[] | undefined): TimedEvent[] {
  if (!events) return [];
  return events.map((e) => ({ name: e.name, time: millisToHrTime(e.timeMs), attributes: e.attributes }));
}

interface SpanParts {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  parent: SpanContext | undefined;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  status: SpanStatus;
  events: SpanEventRecord[] | undefined;
  droppedEvents: number;
  links: Link[];
}

function readable(p: SpanParts, resource: Resource): ReadableSpan {
  const startTime: HrTime = millisToHrTime(p.startMs);
  const endTime: HrTime = millisToHrTime(Math.max(p.endMs, p.startMs));
  const ctx = context(p.traceId, p.spanId);
  return {
    name: p.name,
    kind: p.kind,
    spanContext: () => ctx,
    parentSpanContext: p.parent,
    startTime,
    endTime,
    duration: hrTimeDuration(startTime, endTime),
    status: p.status,
    attributes: p.attributes,
    links: p.links,
    events: timedEvents(p.events),
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: p.droppedEvents,
    droppedLinksCount: 0,
  };
}

function withError(attrs: Attributes, result: Result | undefined, error: ErrorInfo | undefined): Attributes {
  if (result !== undefined && isFailing(result)) attrs['error.type'] = error?.type ?? result;
  return attrs;
}

/** runSpan is the root span of a finished run: kind SERVER, named `RUN {workflow}`. */
export function runSpan(run: Run, resource: Resource): ReadableSpan {
  const attributes: Attributes = {
    ...run.attributes,
    'cicd.pipeline.name': run.workflow,
    'cicd.pipeline.run.id': run.runId,
    'cicd.pipeline.action.name': 'RUN',
  };
  if (run.result !== undefined) attributes['cicd.pipeline.result'] = run.result;
  if (run.dependsOn.length > 0) attributes['runwarden.run.depends_on'] = [...run.dependsOn];
  if (run.retries.length > 0) attributes['runwarden.run.retries'] = run.retries.length;
  return readable(
    {
      name: `RUN ${run.workflow}`,
      kind: SpanKind.SERVER,
      traceId: run.traceId,
      spanId: run.spanId,
      parent: run.parentSpanId === undefined ? undefined : context(run.traceId, run.parentSpanId, true),
      startMs: run.startMs,
      endMs: run.endMs ?? run.startMs,
      attributes: withError(attributes, run.result, run.error),
      status: status(run.result, run.error, 'run'),
      events: run.events,
      droppedEvents: run.droppedEvents,
      links: [],
    },
    resource,
  );
}

function previousLink(run: Run, previous: Attempt | undefined): Link[] {
  if (!previous) return [];
  return [{ context: context(run.traceId, previous.spanId), attributes: { 'runwarden.link.type': 'previous_attempt', 'runwarden.attempt': previous.attempt } }];
}

/** attemptSpan is the span of one finished phase or step attempt: what the two share. */
function attemptSpan(
  run: Run,
  name: string,
  attempt: Attempt,
  previous: Attempt | undefined,
  parentSpanId: string,
  own: Attributes,
  resource: Resource,
): ReadableSpan {
  const attributes: Attributes = {
    ...attempt.attributes,
    'cicd.pipeline.name': run.workflow,
    'cicd.pipeline.run.id': run.runId,
    'cicd.pipeline.task.name': name,
    ...own,
    'runwarden.attempt': attempt.attempt,
  };
  if (attempt.result !== undefined) attributes['cicd.pipeline.task.run.result'] = attempt.result;
  return readable(
    {
      name,
      kind: SpanKind.INTERNAL,
      traceId: run.traceId,
      spanId: attempt.spanId,
      parent: context(run.traceId, parentSpanId),
      startMs: attempt.startMs,
      endMs: attempt.endMs ?? attempt.startMs,
      attributes: withError(attributes, attempt.result, attempt.error),
      status: status(attempt.result, attempt.error, name),
      events: attempt.events,
      droppedEvents: attempt.droppedEvents,
      links: previousLink(run, previous),
    },
    resource,
  );
}

/**
 * phaseSpan is the span of one finished phase attempt, a child of the run's root; a retried phase
 * links to its previous attempt.
 */
export function phaseSpan(run: Run, phase: string, attempt: Attempt, previous: Attempt | undefined, resource: Resource): ReadableSpan {
  const own: Attributes = { 'cicd.pipeline.task.run.id': `${run.runId}/${phase}/${attempt.attempt}` };
  const budget = phaseSpec(run, phase)?.budgetSeconds;
  if (budget !== undefined) own['runwarden.phase.budget_seconds'] = budget;
  return attemptSpan(run, phase, attempt, previous, run.spanId, own, resource);
}

/** stepSpan is the span of one finished step attempt, a child of its phase attempt's span. */
export function stepSpan(
  run: Run,
  phase: string,
  phaseAttempt: Attempt,
  step: string,
  attempt: Attempt,
  previous: Attempt | undefined,
  resource: Resource,
): ReadableSpan {
  const own: Attributes = {
    'cicd.pipeline.task.run.id': `${run.runId}/${phase}/${phaseAttempt.attempt}/${step}/${attempt.attempt}`,
    'runwarden.phase': phase,
  };
  return attemptSpan(run, step, attempt, previous, phaseAttempt.spanId, own, resource);
}
