/**
 * Fakes for the pipeline's tests: a clock with a scheduler that runs group timers as the test
 * steps time, a store in a temporary directory, a recording outbox, and builders for routes,
 * matchers, alerts and configs (AlertingConfig objects built directly, as the config parser would).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../src/store/database.ts';
import { fingerprint } from '../../src/pipeline/fingerprint.ts';
import { parseMatcher } from '../../src/config/alerting/matchers.ts';
import type { Scheduler } from '../../src/pipeline/scheduler.ts';
import type { AlertingConfig, Integration, LabelMatcher, NotificationRequest, PipelineAlert, Receiver, Route } from '../../src/pipeline/types.ts';
import { Secret } from '../../src/pipeline/types.ts';

/** T0 is Monday 2026-01-05 12:00 UTC, inside business hours in Berlin (13:00). */
export const T0 = Date.parse('2026-01-05T12:00:00Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** FakeTime is a clock plus a scheduler whose timers run only when the test advances time. */
export interface FakeTime {
  now: () => number;
  scheduler: Scheduler;
  /** advance moves time forward by `ms`, running every timer due on the way, in time order. */
  advance(ms: number): void;
  /** runDue runs the timers due now (those scheduled "at once"). */
  runDue(): void;
  pending(): number;
}

/** createFakeTime starts a FakeTime at `start`. */
export function createFakeTime(start = T0): FakeTime {
  let t = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void; seq: number }>();
  const runUntil = (limit: number) => {
    for (;;) {
      let next: { at: number; fn: () => void; seq: number } | undefined;
      for (const timer of timers.values()) if (timer.at <= limit && (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))) next = timer;
      if (next === undefined) break;
      timers.delete(next.seq);
      t = Math.max(t, next.at);
      next.fn();
    }
    t = Math.max(t, limit);
  };
  return {
    now: () => t,
    scheduler: {
      schedule(at, fn) {
        const id = seq++;
        timers.set(id, { at, fn, seq: id });
        return () => timers.delete(id);
      },
    },
    advance: (ms) => runUntil(t + ms),
    runDue: () => runUntil(t),
    pending: () => timers.size,
  };
}

/** TempDb is a migrated store in a temporary directory; `reopen` simulates a restart. */
export interface TempDb {
  db: DatabaseSync;
  reopen(): DatabaseSync;
  close(): void;
}

/** createTempDb opens a fresh store. */
export function createTempDb(): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'runwarden-pipeline-'));
  const handle: TempDb = {
    db: openDatabase(dir),
    reopen() {
      handle.db.close();
      handle.db = openDatabase(dir);
      return handle.db;
    },
    close() {
      if (handle.db.isOpen) handle.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** RecordingOutbox keeps what was enqueued, running the callback inside a real transaction. */
export interface RecordingOutbox {
  enqueue(requests: readonly NotificationRequest[], withinTransaction?: () => void): number[];
  sent: NotificationRequest[];
  /** take returns what was enqueued since the last take. */
  take(): NotificationRequest[];
}

/** createRecordingOutbox records into memory; `db()` gives the current database (it changes on reopen). */
export function createRecordingOutbox(db: () => DatabaseSync): RecordingOutbox {
  let cursor = 0;
  const out: RecordingOutbox = {
    sent: [],
    enqueue(requests, withinTransaction) {
      db().exec('BEGIN');
      try {
        withinTransaction?.();
        db().exec('COMMIT');
      } catch (err) {
        db().exec('ROLLBACK');
        throw err;
      }
      out.sent.push(...requests);
      return requests.map((_, i) => out.sent.length - requests.length + i + 1);
    },
    take() {
      const batch = out.sent.slice(cursor);
      cursor = out.sent.length;
      return batch;
    },
  };
  return out;
}

/** m parses `name="value"`-style matcher text into a compiled matcher. */
export function m(text: string): LabelMatcher {
  return parseMatcher(text);
}

/** RouteSpec is a route as a test writes it: unset fields inherit from the parent, as the config loader resolves them. */
export interface RouteSpec {
  receiver?: string;
  matchers?: string[];
  continue?: boolean;
  groupBy?: string[];
  groupWaitMs?: number;
  groupIntervalMs?: number;
  repeatIntervalMs?: number;
  activeTimeIntervals?: string[];
  muteTimeIntervals?: string[];
  routes?: RouteSpec[];
}

/** buildRoute resolves a RouteSpec tree with Alertmanager's defaults and inheritance, and gives ids like Alertmanager's Route.ID. */
export function buildRoute(spec: RouteSpec, parent?: Route, index = 0): Route {
  const matchers = (spec.matchers ?? []).map(m);
  const own = `{${(spec.matchers ?? []).join(',')}}`;
  const groupBy = spec.groupBy === undefined ? (parent?.groupBy ?? { all: false, labels: [] }) : spec.groupBy.includes('...') ? { all: true, labels: [] } : { all: false, labels: spec.groupBy };
  const route: Route = {
    // Alertmanager's Route.ID: the parent's id, this route's matchers, its index among siblings.
    id: parent === undefined ? own : `${parent.id}/${own}/${index}`,
    receiver: spec.receiver ?? parent?.receiver ?? 'default',
    matchers,
    continue: spec.continue ?? false,
    groupBy,
    groupWaitMs: spec.groupWaitMs ?? parent?.groupWaitMs ?? 30 * SECOND,
    groupIntervalMs: spec.groupIntervalMs ?? parent?.groupIntervalMs ?? 5 * MINUTE,
    repeatIntervalMs: spec.repeatIntervalMs ?? parent?.repeatIntervalMs ?? 4 * HOUR,
    activeTimeIntervals: spec.activeTimeIntervals ?? [],
    muteTimeIntervals: spec.muteTimeIntervals ?? [],
    routes: [],
  };
  route.routes = (spec.routes ?? []).map((child, i) => buildRoute(child, route, i));
  return route;
}

/** webhook is a webhook integration (a stand-in for any kind; the pipeline treats them alike). */
export function webhook(sendResolved = true, maxAlerts = 0): Integration {
  return { kind: 'webhook', sendResolved, url: new Secret('http://127.0.0.1:1/hook'), maxAlerts, http: { timeoutMs: 10_000 } };
}

/** receivers builds receivers with one integration each (send_resolved on) unless given. */
export function receivers(spec: Record<string, Integration[] | undefined>): Map<string, Receiver> {
  return new Map(Object.entries(spec).map(([name, integrations]) => [name, { name, integrations: integrations ?? [webhook()] }]));
}

/** config builds an AlertingConfig around a route spec. */
export function config(over: Partial<AlertingConfig> & { route: Route }): AlertingConfig {
  const names = new Set<string>();
  const walk = (r: Route) => {
    names.add(r.receiver);
    r.routes.forEach(walk);
  };
  walk(over.route);
  for (const e of over.escalations ?? []) for (const s of e.steps) names.add(s.receiver);
  return {
    receivers: receivers(Object.fromEntries([...names].map((n) => [n, undefined]))),
    inhibitRules: [],
    timeIntervals: new Map(),
    escalations: [],
    resolveTimeoutMs: 5 * MINUTE,
    templateSources: [],
    delivery: { deadlineMs: HOUR, initialBackoffMs: SECOND, maxBackoffMs: 5 * MINUTE, circuitFailures: 5, circuitResetMs: 30 * SECOND },
    ...over,
  };
}

/** alert builds a PipelineAlert firing since `startsAt` (resolved when `endsAt` is given and past). */
export function alert(labels: Record<string, string>, startsAt = T0, endsAt = Number.MAX_SAFE_INTEGER): PipelineAlert {
  return { fingerprint: fingerprint(labels), labels, annotations: {}, startsAt, endsAt, generatorURL: '', updatedAt: startsAt };
}
