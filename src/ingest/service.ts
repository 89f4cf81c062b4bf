import type { Attributes } from '@opentelemetry/api';
import type { ValidateFunction } from 'ajv';
import { isRunwardenError, StoreUnavailableError, ValidationError } from '../errors.ts';
import type { RunRegistry } from '../domain/registry.ts';
import { transition } from '../domain/transition.ts';
import type { Transition } from '../domain/transition.ts';
import { EVENT_TYPES } from '../domain/types.ts';
import type { EventType, PoolReport, Run } from '../domain/types.ts';
import { replay } from '../domain/replay.ts';
import { runRecord, runView } from '../domain/view.ts';
import type { EventStore } from '../store/event-store.ts';
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
  store: EventStore;
  /** learnBudget resolves `budgetSeconds: "auto"` for a workflow's phase; undefined leaves it unset. */
  learnBudget?: (workflow: string, phase: string) => number | undefined;
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
    case 'RUNWARDEN_ERR_STORE_UNAVAILABLE':
      return 'store_unavailable';
    default:
      return 'internal';
  }
}

/** IngestService is the one way events reach runs. */
export class IngestService {
  readonly #o: IngestOptions;
  readonly #validators: Map<string, ValidateFunction>;

  // Effects of events written but not yet committed: telemetry acts on them only once they are durable.
  #uncommitted: { seq: number; type: EventType; effects: Transition['effects'] }[] = [];
  #uncommittedPool: PoolReport | undefined;

  constructor(options: IngestOptions) {
    this.#o = options;
    this.#validators = new Map(Object.entries(batchEventSchemas).map(([type, schema]) => [type, compile(schema)]));
    options.store.setCommitListener((maxSeq) => this.#committed(maxSeq));
    options.store.setRollbackListener((runIds) => this.#rolledBack(runIds));
  }

  #committed(maxSeq: number): void {
    const done = this.#uncommitted;
    this.#uncommitted = [];
    if (this.#uncommittedPool) {
      this.#o.registry.setPool(this.#uncommittedPool);
      this.#uncommittedPool = undefined;
    }
    for (const { seq, type, effects } of done) {
      this.#o.recorder.record(effects, seq);
      this.#count(type, 'accepted');
    }
    this.#o.recorder.committed(maxSeq);
  }

  /** A batch was rolled back: its runs go back to what the log holds, its effects never happen. */
  #rolledBack(runIds: Set<string>): void {
    for (const { type } of this.#uncommitted) this.#count(type, 'rejected', 'store_unavailable');
    this.#uncommitted = [];
    this.#uncommittedPool = undefined;
    for (const runId of runIds) {
      if (runId === '') continue;
      const run = replay(this.#o.store.eventsOf(runId));
      if (run) this.#o.registry.put(run);
      else this.#o.registry.delete(runId);
    }
  }

  /** lookup finds a run in memory, or rebuilds it from the log (a run finished long ago). */
  #lookup(runId: string): Run | undefined {
    const live = this.#o.registry.get(runId);
    if (live) return live;
    const run = replay(this.#o.store.eventsOf(runId));
    if (run) this.#o.registry.put(run);
    return run;
  }

  /** durable resolves once every event applied so far is committed; rejects with StoreUnavailableError. */
  durable(): Promise<void> {
    return this.#o.store.committed();
  }

  #count(type: string, outcome: Outcome, reason?: string): void {
    // The accepted cell is found by the type alone: no key is built on the per-event path.
    const key = outcome === 'accepted' ? type : reason === undefined ? `${type}|${outcome}` : `${type}|${outcome}|${reason}`;
    this.#o.instruments.ingestEvents.cell(key).value++;
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
    let event;
    let result: Transition;
    try {
      event = toEvent(type, ids, body, this.#o.clock(), base, this.#o.newRunId);
      // A learned budget is resolved now and logged as a number, so a replay sees what was decided.
      if (event.type === 'run.start' && event.phases?.some((p) => (p.budgetSeconds as unknown) === 'auto')) {
        const workflow = event.workflow;
        event.phases = event.phases.map((p) => {
          if ((p.budgetSeconds as unknown) !== 'auto') return p;
          const learned = this.#o.learnBudget?.(workflow, p.name);
          const { budgetSeconds: _auto, ...rest } = p;
          return learned === undefined ? rest : { ...rest, budgetSeconds: learned };
        });
      }
      result = transition(this.#lookup(event.runId), event);
    } catch (err) {
      this.#count(type, 'rejected', reasonOf(err));
      throw err;
    }
    if (result.duplicate) {
      this.#count(type, 'duplicate');
      return result;
    }
    // From here the run is changed in memory; if the write fails, the rollback listener rebuilds
    // it from the log, so memory never runs ahead of what is durable.
    const { store } = this.#o;
    const run = result.run;
    let seq: number;
    try {
      seq = store.append(event);
      if (result.created) store.runStarted(run.runId, run.workflow, run.startMs, seq);
      if (event.type === 'run.finish') {
        store.runFinished({ runId: run.runId, result: run.result as string, endMs: run.endMs as number, summary: runRecord(run), view: runView(run, run.endMs as number), lastSeq: seq });
      }
    } catch (err) {
      this.#count(type, 'rejected', reasonOf(err));
      throw err;
    }
    this.#o.registry.put(run);
    this.#uncommitted.push({ seq, type, effects: result.effects });
    return result;
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
        // The store refusing a write rolled back the whole batch: the request fails as one, and
        // the events after this one, never tried, count as refused for the same reason.
        if (err instanceof StoreUnavailableError) {
          for (const rest of events.slice(i + 1)) {
            const t = (rest as { type?: unknown } | null)?.type;
            this.#count(typeof t === 'string' && this.#validators.has(t) ? t : 'unknown', 'rejected', 'store_unavailable');
          }
          throw err;
        }
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
    this.#o.store.setMeta('pool', report);
    // Shown in the gauges once committed, like everything else acknowledged.
    this.#uncommittedPool = report;
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
