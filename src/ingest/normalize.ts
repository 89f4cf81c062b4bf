import { ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import { parseTraceParent } from '../domain/ids.ts';
import type {
  Attributes,
  ErrorInfo,
  EventType,
  PhaseSpec,
  PoolReport,
  Result,
  RunEvent,
} from '../domain/types.ts';

/**
 * Turning validated request bodies into domain events: times into epoch ms, string errors into
 * ErrorInfo, and the checks a JSON schema cannot express (RFC 3339 times, traceparent syntax,
 * duplicate phase names, warn ≤ budget, done ≤ total). Throws ValidationError naming the field.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * isRealTime checks the fields' ranges, which Date.parse does not: V8 rolls 2026-02-30 over to
 * March 2nd and 24:00 to the next day instead of refusing them.
 */
function isRealTime(m: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = m[8] === undefined || (Number(m[8]) <= 23 && Number(m[9]) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk;
}

/** MAX_EPOCH_MS bounds epoch-millisecond times to year 9999, so Date stays valid. */
const MAX_EPOCH_MS = 253_402_300_799_999;

function fail(path: string, message: string): never {
  throw new ValidationError([{ path, message }]);
}

/** parseTime turns an RFC 3339 string or epoch milliseconds into epoch ms; absent means `nowMs`. */
export function parseTime(value: unknown, path: string, nowMs: number): number {
  if (value === undefined) return nowMs;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > MAX_EPOCH_MS) {
      fail(path, 'must be an RFC 3339 time or Unix epoch milliseconds');
    }
    return value;
  }
  const m = typeof value === 'string' ? RFC3339.exec(value) : null;
  if (m && isRealTime(m)) {
    const ms = Date.parse(value as string);
    if (!Number.isNaN(ms) && ms >= 0) return ms;
  }
  return fail(path, 'must be an RFC 3339 time (2026-01-02T15:04:05Z) or Unix epoch milliseconds');
}

function errorInfo(value: unknown, result: Result): ErrorInfo | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { type: result, message: value };
  const e = value as { type?: string; message?: string };
  const info: ErrorInfo = { type: e.type ?? result };
  if (e.message !== undefined) info.message = e.message;
  return info;
}

// Bodies arrive already checked against their JSON schema, so these are typed views of them.
interface Body {
  [key: string]: unknown;
}

/** Ids are the path parameters of an event (or the same fields of an event in `/v1/events`). */
export interface Ids {
  runId: string;
  phase?: string;
  step?: string;
}

function phaseSpecs(value: unknown, base: string): PhaseSpec[] | undefined {
  if (value === undefined) return undefined;
  const specs = value as PhaseSpec[];
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  specs.forEach((spec, i) => {
    if (seen.has(spec.name)) problems.push({ path: `${base}/phases/${i}/name`, message: `duplicate phase ${JSON.stringify(spec.name)}` });
    seen.add(spec.name);
    if (spec.warnSeconds !== undefined && typeof spec.budgetSeconds === 'number' && spec.warnSeconds > spec.budgetSeconds) {
      problems.push({ path: `${base}/phases/${i}/warnSeconds`, message: 'must not exceed budgetSeconds' });
    }
  });
  if (problems.length > 0) throw new ValidationError(problems);
  return specs;
}

/**
 * toEvent builds the domain event of `type` from its ids and validated body. `base` prefixes
 * field paths in errors (`/events/3` in a batch). `newRunId` supplies a run id when run start has none.
 */
export function toEvent(
  type: EventType,
  ids: Ids,
  body: Body,
  nowMs: number,
  base: string,
  newRunId: () => string,
): RunEvent {
  const explicitTime = body.time !== undefined;
  // The error path is built only when there is a time to check: most events carry none.
  const timeMs = explicitTime ? parseTime(body.time, `${base}/time`, nowMs) : nowMs;
  const runId = ids.runId;
  switch (type) {
    case 'run.start': {
      const traceparent = body.traceparent as string | undefined;
      if (traceparent !== undefined && !parseTraceParent(traceparent)) {
        fail(`${base}/traceparent`, 'must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)');
      }
      const event: RunEvent = {
        type,
        runId: (body.runId as string | undefined) ?? (runId || newRunId()),
        workflow: body.workflow as string,
        timeMs,
      };
      if (body.attributes !== undefined) event.attributes = body.attributes as Attributes;
      const phases = phaseSpecs(body.phases, base);
      if (phases !== undefined) event.phases = phases;
      if (body.heartbeatIntervalSeconds !== undefined) event.heartbeatIntervalSeconds = body.heartbeatIntervalSeconds as number;
      if (body.dependsOn !== undefined) event.dependsOn = body.dependsOn as string[];
      if (traceparent !== undefined) event.traceparent = traceparent;
      return event;
    }
    case 'phase.start':
    case 'step.start': {
      const event =
        type === 'phase.start'
          ? { type, runId, phase: ids.phase as string, timeMs, explicitTime }
          : { type, runId, phase: ids.phase as string, step: ids.step as string, timeMs, explicitTime };
      if (body.attributes !== undefined) (event as { attributes?: Attributes }).attributes = body.attributes as Attributes;
      return event;
    }
    case 'phase.finish':
    case 'step.finish':
    case 'run.finish': {
      const result = body.result as Result;
      const error = errorInfo(body.error, result);
      const common = { runId, result, timeMs, explicitTime, ...(error ? { error } : {}) };
      if (type === 'run.finish') return { type, ...common };
      if (type === 'phase.finish') return { type, phase: ids.phase as string, ...common };
      return { type, phase: ids.phase as string, step: ids.step as string, ...common };
    }
    case 'heartbeat': {
      const done = body.done as number | undefined;
      const total = body.total as number | undefined;
      if (done !== undefined && total !== undefined && done > total) fail(`${base}/done`, 'must not exceed total');
      const event: RunEvent = { type, runId, timeMs, explicitTime };
      if (body.progress !== undefined) event.progress = body.progress as number;
      if (done !== undefined) event.done = done;
      if (total !== undefined) event.total = total;
      if (body.message !== undefined) event.message = body.message as string;
      return event;
    }
    case 'retry': {
      const event: RunEvent = { type, runId, attempt: body.attempt as number, timeMs };
      if (body.phase !== undefined) event.phase = body.phase as string;
      if (body.reason !== undefined) event.reason = body.reason as string;
      return event;
    }
  }
}

/** toPool builds a PoolReport from a validated `/v1/pool` body. */
export function toPool(body: Body, nowMs: number): PoolReport {
  const capacity = body.capacity as number;
  const busy = body.busy as number;
  if (busy > capacity) fail('/busy', 'must not exceed capacity');
  return {
    capacity,
    busy,
    queued: body.queued as number,
    oldestQueuedSeconds: body.oldestQueuedSeconds as number | undefined,
    timeMs: parseTime(body.time, '/time', nowMs),
  };
}
