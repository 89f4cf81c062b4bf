/**
 * The event log on a real SQLite file: group commit, rollback of a batch that cannot be written
 * (with its waiters told and `lastSeq` put back), pruning by retention and by count, and the disk
 * filling up under a running ingest API (SQLite's `max_page_count` stands in for a full disk).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunRegistry } from '../../src/domain/registry.ts';
import { replay } from '../../src/domain/replay.ts';
import type { RunEvent } from '../../src/domain/types.ts';
import { StoreUnavailableError } from '../../src/errors.ts';
import { buildApp } from '../../src/ingest/server.ts';
import { IngestService } from '../../src/ingest/service.ts';
import { openDatabase, STORE_FILE } from '../../src/store/database.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { RunHistory } from '../../src/store/run-history.ts';
import { readOtelEnv } from '../../src/telemetry/otel-env.ts';
import { Recorder } from '../../src/telemetry/recorder.ts';
import { createTelemetry } from '../../src/telemetry/sdk.ts';
import { createFakeClock, sampleValue, T0 } from '../helpers/app.ts';
import type { Answer, FakeClock } from '../helpers/app.ts';

let dir: string;
let db: DatabaseSync;
let store: EventStore;
const others: DatabaseSync[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runwarden-store-'));
  db = openDatabase(dir);
  store = new EventStore(db);
});
afterEach(() => {
  for (const o of others.splice(0)) o.close();
  if (db.isOpen) store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** reader is a second connection to the same file, as another process would see it. */
function reader(): DatabaseSync {
  const r = new DatabaseSync(join(dir, STORE_FILE), { readOnly: true });
  others.push(r);
  return r;
}

function count(conn: DatabaseSync, sql = 'SELECT count(*) AS n FROM events'): number {
  return (conn.prepare(sql).get() as { n: number }).n;
}

const beat = (runId: string, timeMs: number): RunEvent => ({ type: 'heartbeat', runId, timeMs, explicitTime: true });

/** settle turns a promise into its outcome without leaving a rejection unhandled. */
function settle(p: Promise<void>): Promise<'committed' | Error> {
  return p.then(
    () => 'committed' as const,
    (err: Error) => err,
  );
}

describe('group commit', () => {
  it('writes the events of one event-loop turn in one transaction, committed once', async () => {
    const commits: number[] = [];
    store.setCommitListener((maxSeq) => commits.push(maxSeq));
    const other = reader();
    const waits: Promise<'committed' | Error>[] = [];
    for (let i = 0; i < 100; i++) {
      expect(store.append(beat(`r${i % 7}`, T0 + i))).toBe(i + 1);
      waits.push(settle(store.committed()));
    }
    // Not yet committed: another connection sees none of them, and nothing was announced.
    expect(count(other)).toBe(0);
    expect(commits).toEqual([]);
    expect(store.lastSeq).toBe(100);
    expect(await Promise.all(waits)).toEqual(Array(100).fill('committed'));
    expect(commits).toEqual([100]);
    expect(count(other)).toBe(100);

    // The next turn is the next transaction.
    store.append(beat('r0', T0 + 1000));
    store.append(beat('r1', T0 + 1000));
    await store.committed();
    expect(commits).toEqual([100, 102]);
  });

  it('committed() resolves at once when nothing is pending', async () => {
    const commits: number[] = [];
    store.setCommitListener((maxSeq) => commits.push(maxSeq));
    await store.committed();
    expect(commits).toEqual([]);
  });

  it('keeps the log across a reopen, in order, and numbers on from where it was', async () => {
    store.runStarted('a', 'etl', T0, store.lastSeq + 1);
    store.append({ type: 'run.start', runId: 'a', workflow: 'etl', timeMs: T0 });
    store.append(beat('a', T0 + 1));
    store.append(beat('b', T0 + 2));
    store.append(beat('a', T0 + 3));
    await store.committed();
    store.close();
    db = openDatabase(dir);
    store = new EventStore(db);
    expect(store.lastSeq).toBe(4);
    expect(store.eventsOf('a').map((e) => [e.seq, e.event.type, e.event.timeMs])).toEqual([
      [1, 'run.start', T0],
      [2, 'heartbeat', T0 + 1],
      [4, 'heartbeat', T0 + 3],
    ]);
    expect(store.append(beat('a', T0 + 4))).toBe(5);
  });

  it('writes meta values with the batch', async () => {
    store.setMeta('span_mark', 42);
    const other = reader();
    expect(count(other, 'SELECT count(*) AS n FROM meta')).toBe(0);
    await store.committed();
    expect(store.meta<number>('span_mark')).toBe(42);
    expect(count(other, 'SELECT count(*) AS n FROM meta')).toBe(1);
  });
});

describe('a batch that cannot be written', () => {
  it('rolls the whole batch back when a write fails: waiters rejected, lastSeq restored, runs named', async () => {
    db.exec("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.run_id = 'boom' BEGIN SELECT RAISE(ABORT, 'refused by test'); END");
    const rolledBack: string[][] = [];
    store.setRollbackListener((runs) => rolledBack.push([...runs].sort()));
    store.append(beat('a', T0));
    await store.committed();
    expect(store.lastSeq).toBe(1);

    store.append(beat('b', T0 + 1));
    store.setMeta('pool', { capacity: 1 });
    const pending = settle(store.committed());
    let thrown: unknown;
    try {
      store.append(beat('boom', T0 + 2));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(StoreUnavailableError);
    expect((thrown as StoreUnavailableError).statusCode).toBe(503);
    expect((thrown as Error).message).toMatch(/refused by test/);
    const outcome = await pending;
    expect(outcome).toBeInstanceOf(StoreUnavailableError);
    expect(store.lastSeq).toBe(1);
    expect(rolledBack).toEqual([['', 'b', 'boom']]);
    expect(store.eventsOf('b')).toEqual([]);
    expect(store.meta('pool')).toBeUndefined();
    expect(count(reader())).toBe(1);

    // The next batch simply works, and numbers on from the last committed event. (A run's
    // events are found through its row in the run index, which run.start writes.)
    store.runStarted('b', 'etl', T0, store.lastSeq + 1);
    expect(store.append(beat('b', T0 + 3))).toBe(2);
    await store.committed();
    expect(store.eventsOf('b').map((e) => e.seq)).toEqual([2]);
  });

  it('rolls the whole batch back when its commit fails', async () => {
    // A deferred foreign key makes COMMIT itself fail, as a full disk can.
    db.exec(`
      PRAGMA foreign_keys = ON;
      CREATE TABLE test_parent (id INTEGER PRIMARY KEY);
      CREATE TABLE test_child (pid INTEGER REFERENCES test_parent (id) DEFERRABLE INITIALLY DEFERRED);
      CREATE TRIGGER orphan AFTER INSERT ON events WHEN NEW.run_id = 'orphan' BEGIN INSERT INTO test_child VALUES (42); END;
    `);
    const rolledBack: string[][] = [];
    const commits: number[] = [];
    store.setRollbackListener((runs) => rolledBack.push([...runs].sort()));
    store.setCommitListener((maxSeq) => commits.push(maxSeq));
    store.append(beat('a', T0));
    const first = settle(store.committed());
    store.append(beat('orphan', T0 + 1));
    const second = settle(store.committed());
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBeInstanceOf(StoreUnavailableError);
    expect(b).toBeInstanceOf(StoreUnavailableError);
    expect((a as Error).message).toMatch(/FOREIGN KEY/);
    expect(commits).toEqual([]);
    expect(rolledBack).toEqual([['a', 'orphan']]);
    expect(store.lastSeq).toBe(0);
    expect(db.isTransaction).toBe(false);
    expect(count(reader())).toBe(0);
    store.append(beat('a', T0 + 2));
    await store.committed();
    expect(commits).toEqual([1]);
  });
});

describe('recoveryRuns', () => {
  it('lists the active runs, and the runs with events in a seq range', async () => {
    for (const [id, start] of [['old', 0], ['late', 1], ['open', 2]] as const) {
      store.runStarted(id, 'etl', T0 + start, store.lastSeq + 1);
      store.append({ type: 'run.start', runId: id, workflow: 'etl', timeMs: T0 + start });
    }
    store.append({ type: 'run.finish', runId: 'old', result: 'success', timeMs: T0 + 5, explicitTime: true }); // 4
    store.runFinished({ runId: 'old', result: 'success', endMs: T0 + 5, summary: {}, view: {}, lastSeq: store.lastSeq });
    store.append({ type: 'run.finish', runId: 'late', result: 'success', timeMs: T0 + 6, explicitTime: true }); // 5
    store.runFinished({ runId: 'late', result: 'success', endMs: T0 + 6, summary: {}, view: {}, lastSeq: store.lastSeq });
    await store.committed();
    expect(store.activeRuns()).toEqual([{ runId: 'open', firstSeq: 3 }]);
    expect(store.runsTouched(4, 5)).toEqual(['late']);
    expect(store.runsTouched(5, 5)).toEqual([]);
    expect(store.runsTouched(0, 5).sort()).toEqual(['late', 'old', 'open']);
    expect(store.committedSeq).toBe(5);
  });
});

describe('prune', () => {
  /** finished writes a run that started at T0 and ended at `endMs`, with a few events. */
  function finished(runId: string, endMs: number): void {
    store.runStarted(runId, 'etl', T0, store.lastSeq + 1);
    store.append({ type: 'run.start', runId, workflow: 'etl', timeMs: T0 });
    store.append(beat(runId, T0 + 1));
    store.append({ type: 'run.finish', runId, result: 'success', timeMs: endMs, explicitTime: true });
    store.runFinished({ runId, result: 'success', endMs, summary: {}, view: {}, lastSeq: store.lastSeq });
  }
  function active(runId: string): void {
    store.runStarted(runId, 'etl', T0 - 86_400_000, store.lastSeq + 1);
    store.append({ type: 'run.start', runId, workflow: 'etl', timeMs: T0 - 86_400_000 });
  }
  const runsLeft = () => (reader().prepare('SELECT run_id FROM runs ORDER BY run_id').all() as { run_id: string }[]).map((r) => r.run_id);
  const eventRuns = () => (reader().prepare('SELECT DISTINCT run_id FROM events ORDER BY run_id').all() as { run_id: string }[]).map((r) => r.run_id);

  it('deletes finished runs that ended before the cutoff, with their events, oldest first, never active ones', async () => {
    active('running');
    for (let i = 1; i <= 5; i++) finished(`f${i}`, T0 + i * 1000);
    await store.committed();
    expect(store.prune(T0 + 3500, undefined, 10)).toEqual(['f1', 'f2', 'f3']);
    expect(runsLeft()).toEqual(['f4', 'f5', 'running']);
    expect(eventRuns()).toEqual(['f4', 'f5', 'running']);
    expect(store.eventsOf('f1')).toEqual([]);
    expect(store.prune(T0 + 3500, undefined, 10)).toEqual([]);
  });

  it('deletes in batches of at most `batch` runs', async () => {
    for (let i = 1; i <= 7; i++) finished(`f${i}`, T0 + i * 1000);
    await store.committed();
    const sizes: number[] = [];
    for (let step = 0; step < 5; step++) sizes.push(store.prune(T0 + 100_000, undefined, 3).length);
    expect(sizes).toEqual([3, 3, 1, 0, 0]);
    expect(runsLeft()).toEqual([]);
    expect(count(reader())).toBe(0);
  });

  it('keeps at most maxRuns finished runs, deleting the oldest', async () => {
    active('running');
    for (let i = 1; i <= 10; i++) finished(`f${String(i).padStart(2, '0')}`, T0 + i * 1000);
    await store.committed();
    // Nothing is past retention (cutoff before every end): only the count limit applies.
    expect(store.prune(T0, 4, 4)).toEqual(['f01', 'f02', 'f03', 'f04']);
    expect(store.prune(T0, 4, 4)).toEqual(['f05', 'f06']);
    expect(store.prune(T0, 4, 4)).toEqual([]);
    expect(runsLeft()).toEqual(['f07', 'f08', 'f09', 'f10', 'running']);
    expect(eventRuns()).toEqual(['f07', 'f08', 'f09', 'f10', 'running']);
  });

  it('applies retention and maxRuns together', async () => {
    for (let i = 1; i <= 6; i++) finished(`f${i}`, T0 + i * 1000);
    await store.committed();
    // f1, f2 are past retention; of the 4 left, maxRuns 3 drops one more: f3.
    expect(store.prune(T0 + 2500, 3, 10).sort()).toEqual(['f1', 'f2', 'f3']);
    expect(runsLeft()).toEqual(['f4', 'f5', 'f6']);
  });

  it('waits while a batch is open instead of committing half of it', async () => {
    finished('f1', T0 + 1000);
    // Still in the open batch: pruning now would commit it early, outside group commit.
    expect(store.prune(T0 + 100_000, undefined, 10)).toEqual([]);
    await store.committed();
    expect(store.prune(T0 + 100_000, undefined, 10)).toEqual(['f1']);
  });
});

/** StoreApp is the ingest API on `db`, wired like main.ts, for the disk-full tests. */
interface StoreApp {
  clock: FakeClock;
  registry: RunRegistry;
  service: IngestService;
  post(url: string, body?: unknown): Promise<Answer>;
  get(url: string): Promise<Answer>;
  metrics(): Promise<string>;
  close(): Promise<void>;
}

function storeApp(): StoreApp {
  const logger = pino({ level: 'silent' });
  const clock = createFakeClock();
  const env: NodeJS.ProcessEnv = {};
  const registry = new RunRegistry();
  const telemetry = createTelemetry({ otel: readOtelEnv(env), env, logger, clock: clock.now, gauges: registry, spanExporter: new InMemorySpanExporter() });
  const recorder = new Recorder(telemetry, logger);
  const service = new IngestService({ registry, recorder, instruments: telemetry.instruments, clock: clock.now, newRunId: randomUUID, store });
  const history = new RunHistory(db);
  const app = buildApp({ service, registry, instruments: telemetry.instruments, logger, clock: clock.now, token: undefined, history, ready: () => true });
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown): Promise<Answer> => {
    const res = await app.inject({
      method,
      url,
      ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body ?? {}) } : {}),
    });
    return { status: res.statusCode, headers: res.headers, body: JSON.parse(res.body), text: res.body };
  };
  return {
    clock,
    registry,
    service,
    post: (url, body) => call('POST', url, body),
    get: (url) => call('GET', url),
    metrics: () =>
      new Promise((resolve) => {
        const res = { statusCode: 0, setHeader: () => res, end: (body?: string) => resolve(body ?? '') };
        telemetry.handleMetrics({ method: 'GET', url: '/metrics', headers: {} } as unknown as IncomingMessage, res as unknown as ServerResponse);
      }),
    async close() {
      await app.close();
      await telemetry.shutdown();
    },
  };
}

describe('the disk fills up while running', () => {
  let t: StoreApp;
  afterEach(async () => {
    await t?.close();
  });

  /** fill makes the database unable to grow past its size now plus `pages` pages. */
  function fill(pages: number): void {
    const { page_count: now } = db.prepare('PRAGMA page_count').get() as { page_count: number };
    db.exec(`PRAGMA max_page_count = ${now + pages}`);
  }

  it('answers 503 naming the full disk, acknowledges only what is in the log, and recovers by itself', async () => {
    t = storeApp();
    expect((await t.post('/v1/runs', { workflow: 'etl', runId: 'r1', phases: [{ name: 'extract', budgetSeconds: 60 }] })).status).toBe(201);
    expect((await t.post('/v1/runs/r1/phases/extract/start')).status).toBe(200);
    fill(4);

    let acked = 0;
    let refused: Answer | undefined;
    let before: Answer | undefined;
    for (let i = 0; i < 500 && !refused; i++) {
      t.clock.advance(1000);
      before = await t.get('/v1/runs/r1');
      const r = await t.post('/v1/runs/r1/heartbeat', { done: i, total: 1000, message: `chunk ${i} ${'x'.repeat(3000)}` });
      if (r.status === 503) refused = r;
      else {
        expect(r.status, r.text).toBe(200);
        acked++;
      }
    }
    expect(refused, 'the store never filled up').toBeDefined();
    expect(acked).toBeGreaterThan(0);
    expect(Object.keys(refused?.body ?? {})).toEqual(['error']);
    expect(refused?.body.error).toMatch(/disk is full/);

    // Nothing changed: the run answers as before the refused call, and memory equals the log.
    expect(await t.get('/v1/runs/r1')).toEqual(before);
    const logged = store.eventsOf('r1');
    expect(logged.filter((e) => e.event.type === 'heartbeat')).toHaveLength(acked);
    expect(t.registry.get('r1')).toEqual(replay(logged));
    expect((await t.get('/v1/runs/r1')).body.heartbeat.count).toBe(acked);

    // A new run and a batch are refused whole while the disk is full, and leave no trace.
    const started = await t.post('/v1/runs', { workflow: 'etl', runId: 'r2', attributes: { pad: 'y'.repeat(4000) } });
    expect(started.status).toBe(503);
    expect((await t.get('/v1/runs/r2')).status).toBe(404);
    const batch = await t.post('/v1/events', {
      events: [
        { type: 'run.start', runId: 'r3', workflow: 'etl' },
        { type: 'heartbeat', runId: 'r1', message: 'z'.repeat(4000) },
      ],
    });
    expect(batch.status).toBe(503);
    expect((await t.get('/v1/runs/r3')).status).toBe(404);
    expect(await t.get('/v1/runs/r1')).toEqual(before);
    expect(store.eventsOf('r2')).toEqual([]);
    expect(store.eventsOf('r3')).toEqual([]);

    // Metrics count only what was recorded.
    const text = await t.metrics();
    expect(sampleValue(text, 'runwarden_heartbeats_total', { cicd_pipeline_name: 'etl' })).toBe(acked);
    expect(sampleValue(text, 'cicd_pipeline_run_active', { cicd_pipeline_name: 'etl', cicd_pipeline_run_state: 'pending' })).toBe(0);
    expect(sampleValue(text, 'cicd_pipeline_run_active', { cicd_pipeline_name: 'etl', cicd_pipeline_run_state: 'executing' })).toBe(1);

    // Space comes back: the next calls just work, without a restart.
    db.exec('PRAGMA max_page_count = 1073741823');
    const again = await t.post('/v1/runs/r1/heartbeat', { done: 999, total: 1000, message: 'after' });
    expect(again.status).toBe(200);
    expect((await t.post('/v1/runs', { workflow: 'etl', runId: 'r2' })).status).toBe(201);
    const view = (await t.get('/v1/runs/r1')).body;
    expect(view.heartbeat.count).toBe(acked + 1);
    expect(view.progressDetail).toMatchObject({ done: 999, message: 'after' });
    expect(store.eventsOf('r1').filter((e) => e.event.type === 'heartbeat')).toHaveLength(acked + 1);
    expect(store.eventsOf('r2')).toHaveLength(1);
  });

  it('counts every event refused for a full disk as rejected, reason store_unavailable', async () => {
    t = storeApp();
    expect((await t.post('/v1/runs', { workflow: 'etl', runId: 'r1' })).status).toBe(201);
    fill(0);
    const big = 'x'.repeat(4000);
    // Alone in its batch, each of these is the write that hits the full disk.
    expect((await t.post('/v1/runs/r1/heartbeat', { message: big })).status).toBe(503);
    expect((await t.post('/v1/runs/r1/heartbeat', { message: big, progress: 0.5 })).status).toBe(503);
    expect((await t.post('/v1/runs', { workflow: 'etl', runId: 'r2', attributes: { pad: big } })).status).toBe(503);
    const text = await t.metrics();
    expect(sampleValue(text, 'runwarden_ingest_events_total', { type: 'heartbeat', outcome: 'rejected', reason: 'store_unavailable' })).toBe(2);
    expect(sampleValue(text, 'runwarden_ingest_events_total', { type: 'run.start', outcome: 'rejected', reason: 'store_unavailable' })).toBe(1);
    expect(sampleValue(text, 'runwarden_ingest_events_total', { type: 'heartbeat', outcome: 'accepted' })).toBeUndefined();
  });

  it('refuses every call of the turn whose batch failed, and keeps memory equal to the log', async () => {
    t = storeApp();
    for (const id of ['a', 'b']) {
      expect((await t.post('/v1/runs', { workflow: 'etl', runId: id })).status).toBe(201);
    }
    const beforeA = await t.get('/v1/runs/a');
    fill(1);
    // Small calls and a large one arrive together: they share one batch, and it cannot be written.
    const answers = await Promise.all([
      t.post('/v1/runs/a/heartbeat', { progress: 0.5 }),
      t.post('/v1/runs/b/phases/p/start'),
      t.post('/v1/runs/b/phases/big/start', { attributes: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'w'.repeat(4000)])) }),
    ]);
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 503), JSON.stringify(statuses)).toBe(true);
    expect(statuses).toContain(503);
    // Whatever was answered 200 is in the log; whatever got 503 is not, in memory either.
    for (const id of ['a', 'b']) expect(t.registry.get(id)).toEqual(replay(store.eventsOf(id)));
    if (statuses[0] === 503) expect(await t.get('/v1/runs/a')).toEqual(beforeA);
    if (statuses[1] === 503) expect((await t.get('/v1/runs/b')).body.phases).toEqual([]);
    const text = await t.metrics();
    // Effects of refused events never reach the metrics either.
    const executing = sampleValue(text, 'cicd_pipeline_run_active', { cicd_pipeline_name: 'etl', cicd_pipeline_run_state: 'executing' }) ?? 0;
    expect(executing).toBe([...t.registry.activeRuns()].filter((r) => r.state === 'executing').length);
  });

  it('a pool report whose batch is rolled back is not shown in the metrics', async () => {
    t = storeApp();
    expect((await t.post('/v1/runs', { workflow: 'etl', runId: 'a' })).status).toBe(201);
    fill(1);
    // What the /v1/pool route does (report, then wait for the commit), and in the same turn an
    // event too large for the disk that is left.
    t.service.reportPool({ capacity: 8, busy: 7, queued: 2 });
    const pool = settle(t.service.durable());
    const big = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'w'.repeat(4000)]));
    expect(() => t.service.apply('phase.start', { runId: 'a', phase: 'big' }, { attributes: big })).toThrow(StoreUnavailableError);
    expect(await pool).toBeInstanceOf(StoreUnavailableError); // the pool call is answered 503
    expect(store.pool()).toBeUndefined();
    const text = await t.metrics();
    expect(sampleValue(text, 'cicd_workers', { cicd_worker_state: 'busy' })).toBeUndefined();
    expect(sampleValue(text, 'runwarden_pool_utilization')).toBeUndefined();
  });
});
