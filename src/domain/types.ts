import type { SmallMap } from './small-map.ts';

/**
 * The run model: a run of a workflow, its phases (possibly repeated on retry), the steps of a
 * phase, heartbeats, progress and retries. Plain data, no behaviour: transitions live in
 * `transition.ts`, and everything here must stay cheap to copy and to serialise.
 */

/** RESULTS are the OTel CICD result values (`cicd.pipeline.result`, `cicd.pipeline.task.run.result`). */
export const RESULTS = ['success', 'failure', 'error', 'timeout', 'cancellation', 'skip'] as const;

/** Result is one of the OTel CICD result values. */
export type Result = (typeof RESULTS)[number];

/** isFailing tells whether a result counts as an error for spans and `cicd.pipeline.run.errors`. */
export function isFailing(result: Result): boolean {
  return result === 'failure' || result === 'error' || result === 'timeout';
}

/**
 * RunState is `cicd.pipeline.run.state` of an active run, or `finished`.
 * `pending`: registered, nothing executing yet; `executing`: a phase started or a heartbeat came;
 * `finalizing`: every declared phase has finished but the run has not.
 */
export type RunState = 'pending' | 'executing' | 'finalizing' | 'finished';

/** ACTIVE_STATES are the states `cicd.pipeline.run.active` counts. */
export const ACTIVE_STATES = ['pending', 'executing', 'finalizing'] as const;

/** ActiveState is a RunState of a run that has not finished. */
export type ActiveState = (typeof ACTIVE_STATES)[number];

/** AttributeValue is what a run's or phase's attribute may hold (OTel attribute values). */
export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];

/** Attributes are user-given attributes, copied onto spans. */
export type Attributes = Record<string, AttributeValue>;

/** ErrorInfo describes why something failed: `type` becomes `error.type`, `message` the span status. */
export interface ErrorInfo {
  type: string;
  message?: string;
}

/** PhaseSpec is a phase declared at run start, with its time budget. */
export interface PhaseSpec {
  name: string;
  budgetSeconds?: number;
  warnSeconds?: number;
}

/** Attempt is one execution of a phase or a step: one span. */
export interface Attempt {
  /** 1-based; a phase started again after it finished is a new attempt. */
  attempt: number;
  spanId: string;
  startMs: number;
  endMs: number | undefined;
  result: Result | undefined;
  error: ErrorInfo | undefined;
  attributes: Attributes | undefined;
  /** Steps of this phase attempt by name, each with its attempts; made with the first step. */
  steps: SmallMap<Attempt[]> | undefined;
  /** Span events recorded while this attempt ran (heartbeats arriving during it); made with the first. */
  events: SpanEventRecord[] | undefined;
  droppedEvents: number;
}

/** SpanEventRecord is a heartbeat or retry, kept for the span it lands on. */
export interface SpanEventRecord {
  name: string;
  timeMs: number;
  attributes: Attributes;
}

/** RetryRecord is a retry the workflow reported. */
export interface RetryRecord {
  phase: string | undefined;
  attempt: number;
  reason: string | undefined;
  timeMs: number;
}

/** Run is the projection of every event of one run. */
export interface Run {
  runId: string;
  workflow: string;
  traceId: string;
  /** The root span's id. */
  spanId: string;
  /** The caller's span when run start carried a traceparent: the root's parent. */
  parentSpanId: string | undefined;
  attributes: Attributes | undefined;
  /** The phases declared at run start, as declared (names unique). Kept as the event's own array: a run holds little. */
  phaseSpecs: readonly PhaseSpec[];
  heartbeatIntervalSeconds: number | undefined;
  dependsOn: readonly string[];
  startMs: number;
  endMs: number | undefined;
  result: Result | undefined;
  error: ErrorInfo | undefined;
  state: RunState;
  /** When the current state was entered. */
  stateSinceMs: number;
  /** Time spent in each active state so far (ms); a state never entered is absent. */
  stateDurationsMs: Partial<Record<ActiveState, number>>;
  phases: SmallMap<Attempt[]>;
  /** Phases with a running attempt, in start order. */
  runningPhases: string[];
  lastHeartbeatMs: number;
  lastProgressMs: number;
  progress: number | undefined;
  done: number | undefined;
  total: number | undefined;
  message: string | undefined;
  heartbeats: number;
  retries: RetryRecord[];
  /** Events on the root span (heartbeats outside any phase, retries); made with the first. */
  events: SpanEventRecord[] | undefined;
  droppedEvents: number;
}

/** phaseSpec finds a declared phase. */
export function phaseSpec(run: Run, name: string): PhaseSpec | undefined {
  for (const spec of run.phaseSpecs) if (spec.name === name) return spec;
  return undefined;
}

/** MAX_SPAN_EVENTS caps events kept per span (the OTel default span limit is 128). */
export const MAX_SPAN_EVENTS = 128;

/** RunStartEvent registers a run. */
export interface RunStartEvent {
  type: 'run.start';
  runId: string;
  workflow: string;
  attributes?: Attributes;
  phases?: PhaseSpec[];
  heartbeatIntervalSeconds?: number;
  dependsOn?: string[];
  traceparent?: string;
  timeMs: number;
}

/** PhaseStartEvent starts (an attempt of) a phase. */
export interface PhaseStartEvent {
  type: 'phase.start';
  runId: string;
  phase: string;
  attributes?: Attributes;
  timeMs: number;
  /** Whether the client gave the time: a duplicate is recognised by its explicit time. */
  explicitTime: boolean;
}

/** PhaseFinishEvent finishes the running attempt of a phase. */
export interface PhaseFinishEvent {
  type: 'phase.finish';
  runId: string;
  phase: string;
  result: Result;
  error?: ErrorInfo;
  timeMs: number;
  explicitTime: boolean;
}

/** StepStartEvent starts (an attempt of) a step of a running phase. */
export interface StepStartEvent {
  type: 'step.start';
  runId: string;
  phase: string;
  step: string;
  attributes?: Attributes;
  timeMs: number;
  explicitTime: boolean;
}

/** StepFinishEvent finishes the running attempt of a step. */
export interface StepFinishEvent {
  type: 'step.finish';
  runId: string;
  phase: string;
  step: string;
  result: Result;
  error?: ErrorInfo;
  timeMs: number;
  explicitTime: boolean;
}

/** HeartbeatEvent says the run is alive, optionally with progress. */
export interface HeartbeatEvent {
  type: 'heartbeat';
  runId: string;
  progress?: number;
  done?: number;
  total?: number;
  message?: string;
  timeMs: number;
  explicitTime: boolean;
}

/** RetryEvent records that the workflow retried (a phase of) the run. */
export interface RetryEvent {
  type: 'retry';
  runId: string;
  phase?: string;
  attempt: number;
  reason?: string;
  timeMs: number;
}

/** RunFinishEvent ends the run. */
export interface RunFinishEvent {
  type: 'run.finish';
  runId: string;
  result: Result;
  error?: ErrorInfo;
  timeMs: number;
  explicitTime: boolean;
}

/** RunEvent is every event about a run, normalised (times in epoch ms). */
export type RunEvent =
  | RunStartEvent
  | PhaseStartEvent
  | PhaseFinishEvent
  | StepStartEvent
  | StepFinishEvent
  | HeartbeatEvent
  | RetryEvent
  | RunFinishEvent;

/** EventType is the `type` of a RunEvent, as clients send it in `/v1/events`. */
export type EventType = RunEvent['type'];

/** EVENT_TYPES lists every EventType. */
export const EVENT_TYPES: readonly EventType[] = [
  'run.start',
  'phase.start',
  'phase.finish',
  'step.start',
  'step.finish',
  'heartbeat',
  'retry',
  'run.finish',
];

/** PoolReport is the runner's worker pool as it last reported it. */
export interface PoolReport {
  capacity: number;
  busy: number;
  queued: number;
  oldestQueuedSeconds: number | undefined;
  timeMs: number;
}
