import type { Attributes } from '@opentelemetry/api';
import type { ValidateFunction } from 'ajv';
import { isRunwardenError, ValidationError } from '../errors.ts';
import type { RunRegistry } from '../domain/registry.ts';
import { transition } from '../domain/transition.ts';
import type { Transition } from '../domain/transition.ts';
import { EVENT_TYPES } from '../domain/types.ts';
import type { EventType, PoolReport } from '../domain/types.ts';
import type { Instruments } from '../telemetry/instruments.ts';
import type { Recorder } from '../telemetry/recorder.ts';
import { toEvent, toPool } from './normalize.ts';
import type { Ids } from './normalize.ts';
import { batchEventSchemas } from './schemas.ts';
import { compile, toProblems } from './validator.ts';

/**
 * IngestService applies events to runs: normalise, transition, remember, record telemetry, count.
 * Single-event routes and `/v1/events` share it, so both answer and count alike.
 */

/** IngestOptions wire the service. */
export interface IngestOptions {
  registry: RunRegistry;
  recorder: Recorder;
  instruments: Instruments;
  clock: () => number;
  newRunId: () => string;
}

/** Rejection is one event of a batch that was not applied. */
export interface Rejection {
  index: number;
  status: number;
  error: string;
  details?: { path: string; message: string }[];
}

/** BatchResult answers `/v1/events`. */
export interface BatchResult {
  accepted: number;
  rejected: Rejection[];
}

type Outcome = 'accepted' | 'duplicate' | 'rejected';

/** reasonOf names why an event was rejected, for the `reason` metric attribute (low cardinality). */
function reasonOf(err: unknown): string {
  if (!isRunwardenError(err)) return 'internal';
  switch (err.code) {
    case 'RUNWARDEN_ERR_VALIDATION':
      return 'invalid';
    case 'RUNWARDEN_ERR_NOT_FOUND':
      return 'unknown_run';
    case 'RUNWARDEN_ERR_CONFLICT':
      return 'conflict';
    default:
      return 'internal';
  }
}

/** IngestService is the one way events reach runs. */
export class IngestService {
  readonly #o: IngestOptions;
  readonly #validators: Map<string, ValidateFunction>;
  // Attribute sets of the ingest counter, made once: the counter is on every event's path.
  readonly #attrs = new Map<string, Attributes>();

  constructor(options: IngestOptions) {
    this.#o = options;
    this.#validators = new Map(Object.entries(batchEventSchemas).map(([type, schema]) => [type, compile(schema)]));
  }

  #count(type: string, outcome: Outcome, reason?: string): void {
    const key = reason === undefined ? `${type}|${outcome}` : `${type}|${outcome}|${reason}`;
    let attrs = this.#attrs.get(key);
    if (!attrs) {
      attrs = reason === undefined ? { type, outcome } : { type, outcome, reason };
      this.#attrs.set(key, attrs);
    }
    this.#o.instruments.ingestEvents.add(1, attrs);
  }

  /** countRejected counts an event refused before it reached the service (by its route's schema). */
  countRejected(type: EventType, reason: string): void {
    this.#count(type, 'rejected', reason);
  }

  /**
   * apply applies one event whose body already passed its schema. `base` prefixes field paths in
   * errors. Throws ValidationError, NotFoundError or ConflictError, having changed nothing.
   */
  apply(type: EventType, ids: Ids, body: Record<string, unknown>, base = ''): Transition {
    try {
      const event = toEvent(type, ids, body, this.#o.clock(), base, this.#o.newRunId);
      const result = transition(this.#o.registry.get(event.runId), event);
      if (result.duplicate) {
        this.#count(type, 'duplicate');
        return result;
      }
      this.#o.registry.put(result.run);
      this.#o.recorder.record(result.effects);
      this.#count(type, 'accepted');
      return result;
    } catch (err) {
      this.#count(type, 'rejected', reasonOf(err));
      throw err;
    }
  }

  /** applyBatch applies each event of `/v1/events` on its own, in order. */
  applyBatch(events: unknown[]): BatchResult {
    const rejected: Rejection[] = [];
    let accepted = 0;
    for (let i = 0; i < events.length; i++) {
      const raw = events[i] as Record<string, unknown>;
      const base = `/events/${i}`;
      try {
        const type = this.#validate(raw, base);
        this.apply(type, raw as unknown as Ids, raw, base);
        accepted++;
      } catch (err) {
        rejected.push(toRejection(i, err));
      }
    }
    return { accepted, rejected };
  }

  #validate(raw: unknown, base: string): EventType {
    const type = (raw as { type?: unknown } | null)?.type;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      this.#count('unknown', 'rejected', 'invalid');
      throw new ValidationError([{ path: base, message: 'must be an object' }]);
    }
    const validate = typeof type === 'string' ? this.#validators.get(type) : undefined;
    if (!validate) {
      this.#count('unknown', 'rejected', 'invalid');
      throw new ValidationError([{ path: `${base}/type`, message: `must be one of ${EVENT_TYPES.join(', ')}` }]);
    }
    if (!validate(raw)) {
      this.#count(type as string, 'rejected', 'invalid');
      throw new ValidationError(toProblems(validate.errors, base));
    }
    return type as EventType;
  }

  /** reportPool records the runner's worker pool. */
  reportPool(body: Record<string, unknown>): PoolReport {
    const report = toPool(body, this.#o.clock());
    this.#o.registry.setPool(report);
    return report;
  }
}

function toRejection(index: number, err: unknown): Rejection {
  if (isRunwardenError(err)) {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    const r: Rejection = { index, status, error: err.message };
    if (err instanceof ValidationError) r.details = err.details;
    return r;
  }
  return { index, status: 500, error: 'internal error' };
}
