import { EVENT_TYPES, RESULTS } from '../domain/types.ts';

/**
 * JSON schemas of the ingest API's request bodies. One source for both the single-event routes
 * (validated by fastify before the handler) and `/v1/events` (each event validated alone).
 * `additionalProperties: false` everywhere: a misspelt field is an error naming it, not a silent no-op.
 */

const name = { type: 'string', minLength: 1, maxLength: 256 } as const;
const time = { type: ['string', 'integer'] } as const;
const positive = { type: 'number', exclusiveMinimum: 0 } as const;
const nonNegative = { type: 'number', minimum: 0 } as const;

const attributes = {
  type: 'object',
  maxProperties: 64,
  propertyNames: { minLength: 1, maxLength: 128 },
  additionalProperties: {
    anyOf: [
      { type: 'string', maxLength: 4096 },
      { type: 'number' },
      { type: 'boolean' },
      { type: 'array', maxItems: 64, items: { type: 'string', maxLength: 4096 } },
      { type: 'array', maxItems: 64, items: { type: 'number' } },
      { type: 'array', maxItems: 64, items: { type: 'boolean' } },
    ],
  },
} as const;

const result = { type: 'string', enum: RESULTS } as const;

const error = {
  anyOf: [
    { type: 'string', maxLength: 4096 },
    {
      type: 'object',
      properties: { type: { type: 'string', minLength: 1, maxLength: 256 }, message: { type: 'string', maxLength: 4096 } },
      additionalProperties: false,
    },
  ],
} as const;

/** runStartBody is `POST /v1/runs`. */
export const runStartBody = {
  type: 'object',
  required: ['workflow'],
  additionalProperties: false,
  properties: {
    workflow: name,
    runId: name,
    attributes,
    phases: {
      type: 'array',
      maxItems: 256,
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        // "auto": learned from the phase's recent successful durations (see health/learned-budget.ts).
        properties: { name, budgetSeconds: { anyOf: [positive, { const: 'auto' }] }, warnSeconds: positive },
      },
    },
    heartbeatIntervalSeconds: positive,
    dependsOn: { type: 'array', maxItems: 64, items: name },
    traceparent: { type: 'string', maxLength: 256 },
    time,
  },
} as const;

/** startBody is a phase's or step's start. */
export const startBody = {
  type: 'object',
  additionalProperties: false,
  properties: { attributes, time },
} as const;

/** finishBody is a phase's, step's or run's finish. */
export const finishBody = {
  type: 'object',
  required: ['result'],
  additionalProperties: false,
  properties: { result, error, time },
} as const;

/** heartbeatBody is `POST /v1/runs/{runId}/heartbeat`. */
export const heartbeatBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    progress: { type: 'number', minimum: 0, maximum: 1 },
    done: nonNegative,
    total: nonNegative,
    message: { type: 'string', maxLength: 4096 },
    time,
  },
} as const;

/** retryBody is `POST /v1/runs/{runId}/retries`. */
export const retryBody = {
  type: 'object',
  required: ['attempt'],
  additionalProperties: false,
  properties: { phase: name, attempt: { type: 'integer', minimum: 1 }, reason: { type: 'string', maxLength: 4096 }, time },
} as const;

/** poolBody is `POST /v1/pool`. */
export const poolBody = {
  type: 'object',
  required: ['capacity', 'busy', 'queued'],
  additionalProperties: false,
  properties: {
    capacity: { type: 'integer', minimum: 0 },
    busy: { type: 'integer', minimum: 0 },
    queued: { type: 'integer', minimum: 0 },
    oldestQueuedSeconds: nonNegative,
    time,
  },
} as const;

/** runParams, phaseParams, stepParams are the path parameters of the run routes. */
export const runParams = {
  type: 'object',
  required: ['runId'],
  properties: { runId: name },
} as const;
export const phaseParams = {
  type: 'object',
  required: ['runId', 'phase'],
  properties: { runId: name, phase: name },
} as const;
export const stepParams = {
  type: 'object',
  required: ['runId', 'phase', 'step'],
  properties: { runId: name, phase: name, step: name },
} as const;

type Schema = { properties: Record<string, unknown>; required?: readonly string[] };

/** withIdentity adds `type` and the path parameters of an event to its body schema, for `/v1/events`. */
function withIdentity(type: string, body: Schema, ids: readonly string[]): object {
  const identity = Object.fromEntries(ids.map((k) => [k, name]));
  return {
    type: 'object',
    additionalProperties: false,
    required: ['type', ...ids, ...(body.required ?? [])],
    properties: { type: { const: type }, ...identity, ...body.properties },
  };
}

/** batchEventSchemas maps each event type to the schema of one event in `/v1/events`. */
export const batchEventSchemas: Record<(typeof EVENT_TYPES)[number], object> = {
  'run.start': withIdentity('run.start', { ...runStartBody, required: ['workflow', 'runId'] }, []),
  'phase.start': withIdentity('phase.start', startBody, ['runId', 'phase']),
  'phase.finish': withIdentity('phase.finish', finishBody, ['runId', 'phase']),
  'step.start': withIdentity('step.start', startBody, ['runId', 'phase', 'step']),
  'step.finish': withIdentity('step.finish', finishBody, ['runId', 'phase', 'step']),
  heartbeat: withIdentity('heartbeat', heartbeatBody, ['runId']),
  retry: withIdentity('retry', retryBody, ['runId']),
  'run.finish': withIdentity('run.finish', finishBody, ['runId']),
};

/** batchBody is `POST /v1/events`: each event is validated on its own, so one bad event rejects only itself. */
export const batchBody = {
  type: 'object',
  required: ['events'],
  additionalProperties: false,
  properties: {
    events: { type: 'array', maxItems: 10_000, items: {} },
  },
} as const;
