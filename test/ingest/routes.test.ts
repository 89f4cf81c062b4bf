/**
 * The ingest API's event routes, in-process through `app.inject`: what each answers, unknown runs
 * (404), transitions that make no sense (409), repeated deliveries (answered alike, counted once),
 * the worker pool and its gauges, unknown routes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, sampleValue, T0 } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(async () => {
  await t.close();
});

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;
const iso = (ms: number) => new Date(ms).toISOString();

async function startRun(runId = 'r1', extra: object = {}) {
  const res = await t.post('/v1/runs', { workflow: 'build', runId, ...extra });
  expect(res.status).toBe(201);
  return res.body as { runId: string; traceId: string; spanId: string; traceparent: string };
}

describe('POST /v1/runs', () => {
  it('registers the run and answers 201 with its ids and traceparent', async () => {
    const res = await t.post('/v1/runs', { workflow: 'build', runId: 'r1' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      runId: 'r1',
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      traceparent: expect.stringMatching(TRACEPARENT),
    });
    expect(res.body.traceparent).toBe(`00-${res.body.traceId}-${res.body.spanId}-01`);
    expect((await t.get('/v1/runs/r1')).body).toMatchObject({ runId: 'r1', workflow: 'build', state: 'pending', startTime: iso(T0) });
  });

  it('makes up a run id when none is given', async () => {
    const a = await t.post('/v1/runs', { workflow: 'build' });
    const b = await t.post('/v1/runs', { workflow: 'build' });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.body.runId).not.toBe(a.body.runId);
    expect((await t.get(`/v1/runs/${a.body.runId}`)).status).toBe(200);
  });

  it('answers the same run id again with 200 and the same body, counted as a duplicate', async () => {
    const first = await t.post('/v1/runs', { workflow: 'build', runId: 'r1' });
    const again = await t.post('/v1/runs', { workflow: 'build', runId: 'r1', attributes: { later: true } });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const text = await t.metrics();
    expect(sampleValue(text, 'runwarden_ingest_events_total', { type: 'run.start', outcome: 'accepted' })).toBe(1);
    expect(sampleValue(text, 'runwarden_ingest_events_total', { type: 'run.start', outcome: 'duplicate' })).toBe(1);
    expect((await t.get('/v1/runs/r1')).body.attributes).toEqual({});
  });

  it('refuses the same run id for another workflow with 409', async () => {
    await startRun('r1');
    const res = await t.post('/v1/runs', { workflow: 'deploy', runId: 'r1' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/already exists/);
    expect((await t.get('/v1/runs/r1')).body.workflow).toBe('build');
  });

  it('takes the trace id of a traceparent the caller sends', async () => {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await t.post('/v1/runs', { workflow: 'build', runId: 'r1', traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` });
    expect(res.status).toBe(201);
    expect(res.body.traceId).toBe(callerTrace);
    expect(res.body.spanId).not.toBe('00f067aa0ba902b7');
  });

  it('uses an explicit start time', async () => {
    await startRun('r1', { time: '2026-01-01T00:00:00Z' });
    await startRun('r2', { time: T0 - 5000 });
    expect((await t.get('/v1/runs/r1')).body.startTime).toBe('2026-01-01T00:00:00.000Z');
    expect((await t.get('/v1/runs/r2')).body.startTime).toBe(iso(T0 - 5000));
  });
});

describe('phase and step routes', () => {
  it('start answers the traceparent of the new span; finish answers it again', async () => {
    const run = await startRun();
    const phase = await t.post('/v1/runs/r1/phases/compile/start', {});
    expect(phase.status).toBe(200);
    expect(phase.body).toEqual({ traceparent: expect.stringMatching(TRACEPARENT) });
    expect(phase.body.traceparent).toContain(`00-${run.traceId}-`);
    expect(phase.body.traceparent).not.toBe(run.traceparent);

    const step = await t.post('/v1/runs/r1/phases/compile/steps/lint/start', { attributes: { tool: 'eslint' } });
    expect(step.status).toBe(200);
    expect(step.body.traceparent).toMatch(TRACEPARENT);
    expect(step.body.traceparent).not.toBe(phase.body.traceparent);

    const stepDone = await t.post('/v1/runs/r1/phases/compile/steps/lint/finish', { result: 'success' });
    expect(stepDone.status).toBe(200);
    expect(stepDone.body.traceparent).toBe(step.body.traceparent);
    const phaseDone = await t.post('/v1/runs/r1/phases/compile/finish', { result: 'success' });
    expect(phaseDone.status).toBe(200);
    expect(phaseDone.body.traceparent).toBe(phase.body.traceparent);

    const view = (await t.get('/v1/runs/r1')).body;
    expect(view.phases).toEqual([
      expect.objectContaining({ name: 'compile', state: 'finished', result: 'success' }),
    ]);
    expect(view.phases[0].attempts[0].steps).toEqual([
      { name: 'lint', attempts: [expect.objectContaining({ state: 'finished', result: 'success' })] },
    ]);
  });

  it.each<{ what: string; body: unknown; headers: Record<string, string> }>([
    { what: 'no body at all', body: undefined, headers: {} },
    { what: 'an empty JSON object', body: {}, headers: {} },
    { what: 'an empty body sent as JSON', body: '', headers: { 'content-type': 'application/json' } },
  ])('phase start, step start and heartbeat take $what', async ({ body, headers }) => {
    await startRun();
    expect((await t.post('/v1/runs/r1/phases/p/start', body, headers)).status).toBe(200);
    expect((await t.post('/v1/runs/r1/phases/p/steps/s/start', body, headers)).status).toBe(200);
    expect((await t.post('/v1/runs/r1/heartbeat', body, headers)).status).toBe(200);
    const view = (await t.get('/v1/runs/r1')).body;
    expect(view.phases[0].attempts[0].steps[0].name).toBe('s');
    expect(view.heartbeat.count).toBe(1);
  });

  it('run ids, phase and step names are percent-decoded from the path', async () => {
    await startRun('a b/c');
    expect((await t.post('/v1/runs/a%20b%2Fc/phases/x%2Fy/start')).status).toBe(200);
    expect((await t.post('/v1/runs/a%20b%2Fc/phases/x%2Fy/steps/%C3%A9t%C3%A9%3F/start')).status).toBe(200);
    const view = await t.get('/v1/runs/a%20b%2Fc');
    expect(view.status).toBe(200);
    expect(view.body.phases[0].name).toBe('x/y');
    expect(view.body.phases[0].attempts[0].steps[0].name).toBe('été?');
  });

  it('a phase started again after it finished is a new attempt with a new span', async () => {
    await startRun();
    const first = await t.post('/v1/runs/r1/phases/test/start');
    await t.post('/v1/runs/r1/phases/test/finish', { result: 'failure' });
    const second = await t.post('/v1/runs/r1/phases/test/start');
    expect(second.status).toBe(200);
    expect(second.body.traceparent).not.toBe(first.body.traceparent);
    const phase = (await t.get('/v1/runs/r1')).body.phases[0];
    expect(phase).toMatchObject({ name: 'test', state: 'running', result: null });
    expect(phase.attempts.map((a: { attempt: number; result: unknown }) => [a.attempt, a.result])).toEqual([
      [1, 'failure'],
      [2, null],
    ]);
  });
});

describe('POST /v1/runs/{runId}/heartbeat, /retries, /finish', () => {
  it('a heartbeat records progress and moves a pending run to executing', async () => {
    await startRun();
    t.clock.advance(3000);
    const res = await t.post('/v1/runs/r1/heartbeat', { done: 3, total: 4, message: 'shard 3' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ runId: 'r1', state: 'executing', result: null });
    const view = (await t.get('/v1/runs/r1')).body;
    expect(view.progress).toBe(0.75);
    expect(view.progressDetail).toEqual({ ratio: 0.75, done: 3, total: 4, message: 'shard 3', lastMovedTime: iso(T0 + 3000) });
    expect(view.heartbeat).toMatchObject({ count: 1, lastTime: iso(T0 + 3000) });
  });

  it('a retry is recorded and counted', async () => {
    await startRun();
    const res = await t.post('/v1/runs/r1/retries', { phase: 'test', attempt: 2, reason: 'flaky' });
    expect(res.status).toBe(200);
    expect((await t.get('/v1/runs/r1')).body.retries).toEqual([{ phase: 'test', attempt: 2, reason: 'flaky', time: iso(T0) }]);
    expect(sampleValue(await t.metrics(), 'runwarden_retries_total', { cicd_pipeline_name: 'build', cicd_pipeline_task_name: 'test' })).toBe(1);
  });

  it('finish ends the run and every phase and step still running, with the run result', async () => {
    await startRun();
    await t.post('/v1/runs/r1/phases/deploy/start');
    await t.post('/v1/runs/r1/phases/deploy/steps/push/start');
    t.clock.advance(60_000);
    const res = await t.post('/v1/runs/r1/finish', { result: 'cancellation', error: 'stopped by user' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ runId: 'r1', state: 'finished', result: 'cancellation' });
    const view = (await t.get('/v1/runs/r1')).body;
    expect(view).toMatchObject({
      state: 'finished',
      result: 'cancellation',
      endTime: iso(T0 + 60_000),
      durationSeconds: 60,
      error: { type: 'cancellation', message: 'stopped by user' },
      currentPhases: [],
    });
    expect(view.phases[0]).toMatchObject({ state: 'finished', result: 'cancellation' });
    expect(view.phases[0].attempts[0].steps[0].attempts[0]).toMatchObject({ state: 'finished', result: 'cancellation' });
  });
});

describe('events for a run that is not known', () => {
  it.each([
    ['/v1/runs/ghost/phases/p/start', {}],
    ['/v1/runs/ghost/phases/p/finish', { result: 'success' }],
    ['/v1/runs/ghost/phases/p/steps/s/start', {}],
    ['/v1/runs/ghost/phases/p/steps/s/finish', { result: 'success' }],
    ['/v1/runs/ghost/heartbeat', { progress: 0.5 }],
    ['/v1/runs/ghost/retries', { attempt: 2 }],
    ['/v1/runs/ghost/finish', { result: 'success' }],
  ])('POST %s answers 404 naming the run', async (url, body) => {
    const res = await t.post(url, body);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: expect.stringContaining('"ghost"') });
    expect(sampleValue(await t.metrics(), 'runwarden_ingest_events_total', { outcome: 'rejected', reason: 'unknown_run' })).toBe(1);
  });

  it('GET /v1/runs/{runId} answers 404 JSON', async () => {
    const res = await t.get('/v1/runs/ghost');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: expect.stringContaining('"ghost"') });
  });
});

describe('transitions that make no sense answer 409 and change nothing', () => {
  const phase = (p: string, what: string) => `/v1/runs/r1/phases/${p}/${what}`;
  it.each<{ name: string; setup: Array<[string, object?]>; url: string; body: object; reason: RegExp }>([
    { name: 'finishing a phase never started', setup: [], url: phase('build', 'finish'), body: { result: 'success' }, reason: /never started/ },
    { name: 'starting a step of a phase never started', setup: [], url: phase('build', 'steps/s/start'), body: {}, reason: /not running/ },
    {
      name: 'starting a step of a phase that finished',
      setup: [[phase('build', 'start')], [phase('build', 'finish'), { result: 'success' }]],
      url: phase('build', 'steps/s/start'),
      body: {},
      reason: /not running/,
    },
    {
      name: 'finishing a step never started',
      setup: [[phase('build', 'start')]],
      url: phase('build', 'steps/s/finish'),
      body: { result: 'success' },
      reason: /never started/,
    },
    {
      name: 'finishing a phase a second time with another result',
      setup: [[phase('build', 'start')], [phase('build', 'finish'), { result: 'success' }]],
      url: phase('build', 'finish'),
      body: { result: 'failure' },
      reason: /already finished/,
    },
    {
      name: 'a second, different run finish',
      setup: [['/v1/runs/r1/finish', { result: 'success' }]],
      url: '/v1/runs/r1/finish',
      body: { result: 'failure' },
      reason: /already finished with success/,
    },
    {
      name: 'a run finish at another explicit time',
      setup: [['/v1/runs/r1/finish', { result: 'success', time: T0 + 1000 }]],
      url: '/v1/runs/r1/finish',
      body: { result: 'success', time: T0 + 2000 },
      reason: /already finished/,
    },
    {
      name: 'starting a phase after the run finished',
      setup: [['/v1/runs/r1/finish', { result: 'success' }]],
      url: phase('late', 'start'),
      body: {},
      reason: /already finished/,
    },
    {
      name: 'a heartbeat after the run finished',
      setup: [['/v1/runs/r1/finish', { result: 'success' }]],
      url: '/v1/runs/r1/heartbeat',
      body: { progress: 1 },
      reason: /already finished/,
    },
    {
      name: 'a retry after the run finished',
      setup: [['/v1/runs/r1/finish', { result: 'failure' }]],
      url: '/v1/runs/r1/retries',
      body: { attempt: 2 },
      reason: /already finished/,
    },
    {
      name: 'a phase start at another explicit time while the phase runs',
      setup: [[phase('build', 'start'), { time: T0 + 1000 }]],
      url: phase('build', 'start'),
      body: { time: T0 + 2000 },
      reason: /already running/,
    },
    {
      name: 'a phase finish before the phase started',
      setup: [[phase('build', 'start'), { time: T0 + 5000 }]],
      url: phase('build', 'finish'),
      body: { result: 'success', time: T0 + 1000 },
      reason: /before its start/,
    },
    {
      name: 'a run finish before the run started',
      setup: [],
      url: '/v1/runs/r1/finish',
      body: { result: 'success', time: T0 - 1000 },
      reason: /before the run's start/,
    },
  ])('$name', async ({ setup, url, body, reason }) => {
    await startRun('r1');
    for (const [u, b] of setup) expect((await t.post(u, b ?? {})).status).toBe(200);
    const before = (await t.get('/v1/runs/r1')).body;
    const res = await t.post(url, body);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: expect.stringMatching(reason) });
    expect((await t.get('/v1/runs/r1')).body).toEqual(before);
    expect(sampleValue(await t.metrics(), 'runwarden_ingest_events_total', { outcome: 'rejected', reason: 'conflict' })).toBe(1);
  });
});

describe('the same event delivered twice is answered like the first and counted once', () => {
  const p = '/v1/runs/r1/phases/build';
  it.each<{ type: string; setup: Array<[string, object?]>; url: string; body: object }>([
    { type: 'phase.start', setup: [], url: `${p}/start`, body: {} },
    { type: 'phase.start', setup: [], url: `${p}/start`, body: { time: T0 + 10 } },
    { type: 'phase.finish', setup: [[`${p}/start`]], url: `${p}/finish`, body: { result: 'failure' } },
    { type: 'phase.finish', setup: [[`${p}/start`]], url: `${p}/finish`, body: { result: 'success', time: '2026-01-02T03:05:00Z' } },
    { type: 'step.start', setup: [[`${p}/start`]], url: `${p}/steps/s/start`, body: { time: T0 + 10 } },
    { type: 'step.finish', setup: [[`${p}/start`], [`${p}/steps/s/start`]], url: `${p}/steps/s/finish`, body: { result: 'success' } },
    { type: 'heartbeat', setup: [], url: '/v1/runs/r1/heartbeat', body: { progress: 0.5, time: T0 + 10 } },
    { type: 'retry', setup: [], url: '/v1/runs/r1/retries', body: { phase: 'build', attempt: 2 } },
    { type: 'run.finish', setup: [], url: '/v1/runs/r1/finish', body: { result: 'failure', error: 'boom' } },
    { type: 'run.finish', setup: [], url: '/v1/runs/r1/finish', body: { result: 'success', time: T0 + 10 } },
  ])('$type $body', async ({ type, setup, url, body }) => {
    await startRun('r1');
    for (const [u, b] of setup) expect((await t.post(u, b ?? {})).status).toBe(200);
    const first = await t.post(url, body);
    expect(first.status).toBe(200);
    const view = (await t.get('/v1/runs/r1')).body;
    // The retry comes a second later, when "now" (the time of an event without one) has moved.
    t.clock.advance(1000);
    const again = await t.post(url, body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    t.clock.advance(-1000);
    expect((await t.get('/v1/runs/r1')).body).toEqual(view);
    const text = await t.metrics();
    expect(sampleValue(text, 'runwarden_ingest_events_total', { type, outcome: 'accepted' })).toBe(1);
    expect(sampleValue(text, 'runwarden_ingest_events_total', { type, outcome: 'duplicate' })).toBe(1);
  });

  it('a run finish delivered twice exports one root span', async () => {
    await startRun('r1');
    expect((await t.post('/v1/runs/r1/finish', { result: 'success' })).status).toBe(200);
    expect((await t.post('/v1/runs/r1/finish', { result: 'success' })).status).toBe(200);
    const spans = await t.flushSpans();
    expect(spans.map((s) => s.name)).toEqual(['RUN build']);
    expect(sampleValue(await t.metrics(), 'runwarden_ingest_events_total', { type: 'run.finish', outcome: 'duplicate' })).toBe(1);
  });

  it('a phase finish delivered twice exports one phase span and records one duration', async () => {
    await startRun('r1');
    await t.post('/v1/runs/r1/phases/build/start');
    t.clock.advance(2000);
    await t.post('/v1/runs/r1/phases/build/finish', { result: 'success' });
    await t.post('/v1/runs/r1/phases/build/finish', { result: 'success' });
    expect((await t.flushSpans()).map((s) => s.name)).toEqual(['build']);
    expect(sampleValue(await t.metrics(), 'runwarden_phase_duration_count', { cicd_pipeline_task_name: 'build' })).toBe(1);
  });
});

describe('POST /v1/pool', () => {
  // OTel's `cicd.worker.count`; on the Prometheus endpoint `cicd_workers`, since promtool rejects a
  // `_count` suffix outside histograms and summaries (src/telemetry/run-gauges.ts).
  const WORKERS = 'cicd_workers';

  it('answers 200 and serves the pool as gauges', async () => {
    const res = await t.post('/v1/pool', { capacity: 8, busy: 6, queued: 3, oldestQueuedSeconds: 5 });
    expect(res.status).toBe(200);
    t.clock.advance(10_000);
    const text = await t.metrics();
    expect(sampleValue(text, WORKERS, { cicd_worker_state: 'busy' })).toBe(6);
    expect(sampleValue(text, WORKERS, { cicd_worker_state: 'available' })).toBe(2);
    expect(sampleValue(text, 'runwarden_pool_utilization')).toBe(0.75);
    expect(sampleValue(text, 'runwarden_pool_queue_depth')).toBe(3);
    // The oldest queued item keeps ageing until the runner reports again.
    expect(sampleValue(text, 'runwarden_pool_queue_wait')).toBe(15);
  });

  it('the latest report replaces the previous one', async () => {
    await t.post('/v1/pool', { capacity: 8, busy: 6, queued: 3, oldestQueuedSeconds: 5 });
    expect((await t.post('/v1/pool', { capacity: 4, busy: 0, queued: 0 })).status).toBe(200);
    const text = await t.metrics();
    expect(sampleValue(text, WORKERS, { cicd_worker_state: 'busy' })).toBe(0);
    expect(sampleValue(text, WORKERS, { cicd_worker_state: 'available' })).toBe(4);
    expect(sampleValue(text, 'runwarden_pool_queue_wait')).toBe(0);
  });

  it('serves no pool gauges before the first report', async () => {
    expect(sampleValue(await t.metrics(), WORKERS, { cicd_worker_state: 'busy' })).toBeUndefined();
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/nope'],
    ['POST', '/v1/runs/r1/phases/p/pause'],
    ['PUT', '/v1/runs'],
    ['DELETE', '/v1/runs/r1'],
  ] as const)('%s %s answers 404 JSON', async (method, url) => {
    const res = await t.app.inject({ method, url });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ error: expect.stringContaining(url) });
  });
});

describe('health', () => {
  it('/healthz and /readyz answer 200 while up; /readyz answers 503 once telemetry shut down', async () => {
    expect(await t.get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await t.get('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    await t.telemetry.shutdown();
    expect(await t.get('/readyz')).toMatchObject({ status: 503, body: { status: 'not ready' } });
    expect((await t.get('/healthz')).status).toBe(200);
  });
});
