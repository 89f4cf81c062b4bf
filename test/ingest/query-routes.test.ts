/**
 * The query routes over a real run index and an in-memory registry: active runs answered from
 * memory, finished ones from the index (even when memory has forgotten them), pages, filters,
 * workflows, summaries, and 400s naming the bad query field. The app is a bare fastify with the
 * ingest API's validator and the same error body shape as src/ingest/server.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRunwardenError, ValidationError } from '../../src/errors.ts';
import { RunRegistry } from '../../src/domain/registry.ts';
import { transition } from '../../src/domain/transition.ts';
import type { Run, RunEvent } from '../../src/domain/types.ts';
import { runRecord, runSummaryView, runView } from '../../src/domain/view.ts';
import { registerQueryRoutes } from '../../src/ingest/query-routes.ts';
import { ajv, toProblems } from '../../src/ingest/validator.ts';
import { openDatabase } from '../../src/store/database.ts';
import { RunHistory } from '../../src/store/run-history.ts';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const S = 1000;
const M = 60 * S;
const iso = (ms: number) => new Date(ms).toISOString();
/** json is what a value looks like after a trip through JSON, as the client sees it. */
const json = (value: unknown) => JSON.parse(JSON.stringify(value));

let dir: string;
let db: DatabaseSync;
let registry: RunRegistry;
let now: number;
let app: FastifyInstance;
const runs = new Map<string, Run>();

/** testApp wires the routes like buildApp does: the shared Ajv, errors as `{error, details?}`. */
function testApp(): FastifyInstance {
  const a = Fastify();
  a.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  a.setErrorHandler((err: FastifyError, _request, reply) => {
    const fe = err as FastifyError & { validation?: unknown[]; validationContext?: string };
    if (fe.validation) {
      return reply.code(400).send({ error: 'invalid request', details: toProblems(fe.validation as never, `${fe.validationContext}:`) });
    }
    if (isRunwardenError(err)) {
      const body: Record<string, unknown> = { error: err.message };
      if (err instanceof ValidationError) body.details = err.details;
      return reply.code((err as { statusCode?: number }).statusCode ?? 500).send(body);
    }
    return reply.code(500).send({ error: String(err) });
  });
  registerQueryRoutes(a, { history: new RunHistory(db), live: registry, clock: () => now });
  return a;
}

/** play applies events to a new run, writes the index rows the event store writes, and returns it. */
function play(events: RunEvent[], opts: { live: boolean }): Run {
  let run: Run | undefined;
  for (const e of events) run = transition(run, e).run;
  const r = run as Run;
  db.prepare("INSERT INTO runs (run_id, workflow, state, start_ms, first_seq) VALUES (?, ?, 'active', ?, 0)").run(r.runId, r.workflow, r.startMs);
  if (r.state === 'finished') {
    db.prepare("UPDATE runs SET state = 'finished', result = ?, end_ms = ?, summary = ?, view = ? WHERE run_id = ?").run(
      r.result as string,
      r.endMs as number,
      JSON.stringify(runRecord(r)),
      JSON.stringify(runView(r, r.endMs as number)),
      r.runId,
    );
  }
  if (opts.live) registry.put(r);
  runs.set(r.runId, r);
  return r;
}

async function get(url: string) {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() as any };
}

async function ids(query: string): Promise<string[]> {
  const res = await get(`/v1/runs${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.runs.map((r: { runId: string }) => r.runId);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runwarden-query-'));
  db = openDatabase(dir);
  registry = new RunRegistry();
  runs.clear();
  now = T0;
  const t = (ms: number) => ({ timeMs: ms, explicitTime: true });
  // done1: finished two hours ago and forgotten by memory (a restart, or evicted from its cache).
  play(
    [
      { type: 'run.start', runId: 'done1', workflow: 'etl', phases: [{ name: 'extract', budgetSeconds: 60 }], timeMs: T0 - 120 * M },
      { type: 'phase.start', runId: 'done1', phase: 'extract', ...t(T0 - 120 * M + 10 * S) },
      { type: 'phase.finish', runId: 'done1', phase: 'extract', result: 'success', ...t(T0 - 120 * M + 70 * S) },
      { type: 'run.finish', runId: 'done1', result: 'success', ...t(T0 - 120 * M + 80 * S) },
    ],
    { live: false },
  );
  // live1: running an hour, 45% through.
  play(
    [
      { type: 'run.start', runId: 'live1', workflow: 'etl', heartbeatIntervalSeconds: 30, timeMs: T0 - 60 * M },
      { type: 'phase.start', runId: 'live1', phase: 'extract', ...t(T0 - 60 * M + 5 * S) },
      { type: 'heartbeat', runId: 'live1', done: 450, total: 1000, message: 'rows', ...t(T0 - 10 * S) },
    ],
    { live: true },
  );
  // done2: finished ten minutes after it started, still in memory's cache too.
  play(
    [
      { type: 'run.start', runId: 'done2', workflow: 'web', timeMs: T0 - 30 * M },
      { type: 'run.finish', runId: 'done2', result: 'failure', error: { type: 'http_503' }, ...t(T0 - 20 * M) },
    ],
    { live: true },
  );
  app = testApp();
});

afterEach(async () => {
  await app.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /v1/runs/{runId}', () => {
  it('answers an active run from memory, against the clock', async () => {
    now = T0 + 5 * S;
    const res = await get('/v1/runs/live1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(json(runView(runs.get('live1') as Run, T0 + 5 * S)));
    expect(res.body.durationSeconds).toBe(3605);
    expect(res.body.progressDetail).toMatchObject({ done: 450, total: 1000, ratio: 0.45 });
  });

  it('answers a finished run memory no longer has from its stored view', async () => {
    expect(registry.get('done1')).toBeUndefined();
    const res = await get('/v1/runs/done1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(json(runView(runs.get('done1') as Run, T0)));
    expect(res.body.phases[0]).toMatchObject({ name: 'extract', result: 'success', budgetSeconds: 60 });
  });

  it('answers 404 with an error for a run nobody knows', async () => {
    const res = await get('/v1/runs/nope');
    expect(res).toEqual({ status: 404, body: { error: 'run "nope" is not known' } });
  });
});

describe('GET /v1/runs', () => {
  it('lists runs newest first as summaries: active ones live, finished ones as stored', async () => {
    now = T0 + 5 * S;
    const res = await get('/v1/runs');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      runs: ['done2', 'live1', 'done1'].map((id) => json(runSummaryView(runs.get(id) as Run, T0 + 5 * S))),
      nextCursor: null,
    });
    expect(res.body.runs[1]).toMatchObject({ state: 'executing', progress: 0.45, currentPhases: ['extract'], durationSeconds: 3605 });
    expect(res.body.runs[2]).toMatchObject({ state: 'finished', result: 'success', durationSeconds: 80 });
  });

  it.each([
    ['?state=active', ['live1']],
    ['?state=finished', ['done2', 'done1']],
    ['?result=failure', ['done2']],
    ['?workflow=etl', ['live1', 'done1']],
    ['?workflow=etl&state=finished', ['done1']],
    [`?since=${iso(T0 - 90 * M)}`, ['done2', 'live1']],
    [`?since=${T0 - 60 * M}`, ['done2', 'live1']],
    [`?until=${T0 - 60 * M}`, ['live1', 'done1']],
    [`?since=${encodeURIComponent('2026-01-02T02:00:00+00:00')}&until=${iso(T0 - 30 * M)}`, ['done2', 'live1']],
    ['?limit=2', ['done2', 'live1']],
    ['?limit=0', []],
    ['?limit=9999', ['done2', 'live1', 'done1']],
  ])('GET /v1/runs%s', async (query, expected) => {
    expect(await ids(query)).toEqual(expected);
  });

  it('pages through every run with nextCursor', async () => {
    const seen: string[] = [];
    let url = '/v1/runs?limit=1';
    for (let i = 0; i < 3; i++) {
      const res = await get(url);
      seen.push(...res.body.runs.map((r: { runId: string }) => r.runId));
      if (i < 2) expect(res.body.nextCursor).toEqual(expect.any(String));
      else expect(res.body.nextCursor).toBeNull();
      url = `/v1/runs?limit=1&cursor=${res.body.nextCursor}`;
    }
    expect(seen).toEqual(['done2', 'live1', 'done1']);
  });

  it.each([
    ['?state=running', 'state'],
    ['?result=ok', 'result'],
    ['?limit=ten', 'limit'],
    ['?limit=-1', 'limit'],
    ['?limit=10000', 'limit'],
    ['?workflow=', 'workflow'],
    ['?since=yesterday', 'since'],
    ['?since=2026-02-30T00:00:00Z', 'since'],
    ['?until=1.5', 'until'],
    ['?cursor=not-a-cursor', 'cursor'],
    ['?sort=asc', 'sort'],
  ])('GET /v1/runs%s answers 400 naming %s', async (query, field) => {
    const res = await get(`/v1/runs${query}`);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body).sort()).toEqual(['details', 'error']);
    expect(res.body.details).toContainEqual({ path: `querystring:/${field}`, message: expect.any(String) });
  });

  it('names every bad field at once', async () => {
    const res = await get('/v1/runs?since=soon&until=later&cursor=zzz');
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(['querystring:/since', 'querystring:/until', 'querystring:/cursor']);
  });
});

describe('GET /v1/workflows', () => {
  it('lists workflows with counts and their newest run, its state live when active', async () => {
    const res = await get('/v1/workflows');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      workflows: [
        { workflow: 'etl', runs: 2, active: 1, lastRun: { runId: 'live1', state: 'executing', result: null, startTime: iso(T0 - 60 * M), endTime: null } },
        { workflow: 'web', runs: 1, active: 0, lastRun: { runId: 'done2', state: 'finished', result: 'failure', startTime: iso(T0 - 30 * M), endTime: iso(T0 - 20 * M) } },
      ],
    });
  });
});

describe('GET /v1/workflows/{workflow}/summary', () => {
  it('summarises the last 24 hours by default', async () => {
    const res = await get('/v1/workflows/etl/summary');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      workflow: 'etl',
      window: '1d',
      from: iso(T0 - 24 * 60 * M),
      to: iso(T0),
      runs: { finished: 1, active: 1, success: 1 },
      successRate: 1,
      durationSeconds: { min: 80, max: 80, p95: 80 },
      phases: [{ name: 'extract', attempts: 1, failedAttempts: 0, failureRate: 0 }],
      meanQueueWaitSeconds: 10,
    });
  });

  it.each([
    ['30m', '30m', 0],
    ['1h30m', '1h30m', 0],
    ['3h', '3h', 1],
    ['7d', '1w', 1],
  ])('takes window=%s', async (window, canonical, finished) => {
    const res = await get(`/v1/workflows/etl/summary?window=${window}`);
    expect(res.status).toBe(200);
    expect(res.body.window).toBe(canonical);
    expect(res.body.runs.finished).toBe(finished);
  });

  it.each(['24', '0', '0s', '1x', '-1h', '', '999999y'])('answers 400 naming window for window=%j', async (window) => {
    const res = await get(`/v1/workflows/etl/summary?window=${window}`);
    expect(res.status).toBe(400);
    expect(res.body.details).toContainEqual({ path: 'querystring:/window', message: expect.any(String) });
  });

  it('answers 400 for an unknown query field', async () => {
    const res = await get('/v1/workflows/etl/summary?windw=1h');
    expect(res.status).toBe(400);
    expect(res.body.details).toContainEqual({ path: 'querystring:/windw', message: 'is not a known field' });
  });
});
