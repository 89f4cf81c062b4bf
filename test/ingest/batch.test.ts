/**
 * `POST /v1/events`: each event stands alone; valid ones apply in order, rejected ones carry their
 * index, status and error, and one bad event never takes the rest of the batch down with it.
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

const iso = (ms: number) => new Date(ms).toISOString();

async function batch(events: unknown[]) {
  const res = await t.post('/v1/events', { events });
  expect(res.status).toBe(200);
  return res.body as { accepted: number; rejected: Array<{ index: number; status: number; error: string; details?: unknown[] }> };
}

describe('POST /v1/events', () => {
  it('applies the valid events of a mixed batch in order and rejects the others alone', async () => {
    const answer = await batch([
      /* 0 */ { type: 'run.start', runId: 'b1', workflow: 'nightly', phases: [{ name: 'build' }], time: T0 },
      /* 1 */ { type: 'phase.start', runId: 'b1', phase: 'build', time: T0 + 1000 },
      /* 2 */ 7,
      /* 3 */ { type: 'phase.pause', runId: 'b1', phase: 'build' },
      /* 4 */ { type: 'phase.finish', runId: 'b1', phase: 'build', result: 'ok' },
      /* 5 */ { type: 'heartbeat', runId: 'ghost', progress: 0.5 },
      /* 6 */ { type: 'phase.finish', runId: 'b1', phase: 'test', result: 'success' },
      /* 7 */ { type: 'step.start', runId: 'b1', phase: 'build', step: 'compile', time: T0 + 1500 },
      /* 8 */ { type: 'step.finish', runId: 'b1', phase: 'build', step: 'compile', result: 'success', time: T0 + 1800 },
      /* 9 */ { type: 'heartbeat', runId: 'b1', done: 1, total: 2, time: T0 + 1900 },
      /* 10 */ { type: 'retry', runId: 'b1', phase: 'build', attempt: 2, reason: 'flaky', time: T0 + 1950 },
      /* 11 */ { type: 'phase.finish', runId: 'b1', phase: 'build', result: 'success', time: T0 + 2000 },
      /* 12 */ null,
      /* 13 */ { type: 'run.finish', runId: 'b1', result: 'success', time: T0 + 3000 },
    ]);
    expect(answer.accepted).toBe(8);
    expect(answer.rejected).toEqual([
      { index: 2, status: 400, error: expect.any(String), details: [{ path: '/events/2', message: 'must be an object' }] },
      { index: 3, status: 400, error: expect.any(String), details: [{ path: '/events/3/type', message: expect.stringContaining('run.start') }] },
      { index: 4, status: 400, error: expect.any(String), details: [{ path: '/events/4/result', message: expect.stringContaining('success') }] },
      { index: 5, status: 404, error: expect.stringContaining('"ghost"') },
      { index: 6, status: 409, error: expect.stringContaining('never started') },
      { index: 12, status: 400, error: expect.any(String), details: [{ path: '/events/12', message: 'must be an object' }] },
    ]);
    const view = (await t.get('/v1/runs/b1')).body;
    expect(view).toMatchObject({
      workflow: 'nightly',
      state: 'finished',
      result: 'success',
      startTime: iso(T0),
      endTime: iso(T0 + 3000),
      progress: 0.5,
      retries: [{ phase: 'build', attempt: 2, reason: 'flaky', time: iso(T0 + 1950) }],
    });
    expect(view.phases).toEqual([
      expect.objectContaining({ name: 'build', result: 'success', attempts: [expect.objectContaining({ startTime: iso(T0 + 1000), endTime: iso(T0 + 2000) })] }),
    ]);
    expect(view.phases[0].attempts[0].steps).toEqual([
      { name: 'compile', attempts: [expect.objectContaining({ startTime: iso(T0 + 1500), endTime: iso(T0 + 1800), result: 'success' })] },
    ]);
    expect((await t.get('/v1/runs/ghost')).status).toBe(404);
  });

  it('applies events in the order given: a finish before its start is refused, the start is not', async () => {
    await batch([{ type: 'run.start', runId: 'r', workflow: 'w' }]);
    const reversed = await batch([
      { type: 'phase.finish', runId: 'r', phase: 'p', result: 'success', time: T0 + 2000 },
      { type: 'phase.start', runId: 'r', phase: 'p', time: T0 + 1000 },
    ]);
    expect(reversed.accepted).toBe(1);
    expect(reversed.rejected).toEqual([{ index: 0, status: 409, error: expect.any(String) }]);
    expect((await t.get('/v1/runs/r')).body.phases[0]).toMatchObject({ name: 'p', state: 'running' });
  });

  it('a later event of a batch sees the run an earlier one created', async () => {
    const answer = await batch([
      { type: 'run.start', runId: 'r', workflow: 'w' },
      { type: 'run.finish', runId: 'r', result: 'failure', error: { type: 'Timeout', message: 'slow' } },
    ]);
    expect(answer).toEqual({ accepted: 2, rejected: [] });
    expect((await t.get('/v1/runs/r')).body).toMatchObject({ state: 'finished', error: { type: 'Timeout', message: 'slow' } });
  });

  it('runs started and moved on within one batch are counted active in the states they are in', async () => {
    await batch([
      { type: 'run.start', runId: 'a', workflow: 'w' },
      { type: 'phase.start', runId: 'a', phase: 'p' },
      { type: 'run.start', runId: 'b', workflow: 'w' },
      { type: 'run.finish', runId: 'b', result: 'success' },
      { type: 'run.start', runId: 'c', workflow: 'w' },
    ]);
    const text = await t.metrics();
    const active = (state: string) => sampleValue(text, 'cicd_pipeline_run_active', { cicd_pipeline_name: 'w', cicd_pipeline_run_state: state });
    expect(active('pending')).toBe(1);
    expect(active('executing')).toBe(1);
    expect(active('finished') ?? 0).toBe(0);
  });

  it('an event repeated in a batch is answered as accepted and counted once', async () => {
    const finish = { type: 'run.finish', runId: 'r', result: 'success', time: T0 + 5000 };
    const answer = await batch([{ type: 'run.start', runId: 'r', workflow: 'w' }, finish, finish]);
    expect(answer).toEqual({ accepted: 3, rejected: [] });
    const text = await t.metrics();
    expect(sampleValue(text, 'runwarden_ingest_events_total', { type: 'run.finish', outcome: 'accepted' })).toBe(1);
    expect(sampleValue(text, 'runwarden_ingest_events_total', { type: 'run.finish', outcome: 'duplicate' })).toBe(1);
    expect((await t.flushSpans()).map((s) => s.name)).toEqual(['RUN w']);
  });

  it('answers an empty batch with nothing accepted', async () => {
    expect(await batch([])).toEqual({ accepted: 0, rejected: [] });
  });

  it.each<{ name: string; event: object; path: string }>([
    { name: 'run.start without runId (a batch cannot answer a made-up one)', event: { type: 'run.start', workflow: 'w' }, path: '/events/0/runId' },
    { name: 'run.start without workflow', event: { type: 'run.start', runId: 'x' }, path: '/events/0/workflow' },
    { name: 'an event without type', event: { runId: 'r' }, path: '/events/0/type' },
    { name: 'a type of the wrong case', event: { type: 'Heartbeat', runId: 'r' }, path: '/events/0/type' },
    { name: 'phase.start without phase', event: { type: 'phase.start', runId: 'r' }, path: '/events/0/phase' },
    { name: 'step.finish without step', event: { type: 'step.finish', runId: 'r', phase: 'p', result: 'success' }, path: '/events/0/step' },
    { name: 'a runId of the wrong type', event: { type: 'heartbeat', runId: 5 }, path: '/events/0/runId' },
    { name: 'an unknown field', event: { type: 'heartbeat', runId: 'r', colour: 'red' }, path: '/events/0/colour' },
    { name: 'a field of another event type', event: { type: 'heartbeat', runId: 'r', result: 'success' }, path: '/events/0/result' },
    { name: 'progress out of 0..1', event: { type: 'heartbeat', runId: 'r', progress: 2 }, path: '/events/0/progress' },
    { name: 'done over total', event: { type: 'heartbeat', runId: 'r', done: 3, total: 2 }, path: '/events/0/done' },
    { name: 'a bad time', event: { type: 'heartbeat', runId: 'r', time: 'yesterday' }, path: '/events/0/time' },
    { name: 'a bad traceparent', event: { type: 'run.start', runId: 'x', workflow: 'w', traceparent: 'nope' }, path: '/events/0/traceparent' },
    {
      name: 'duplicate phase names',
      event: { type: 'run.start', runId: 'x', workflow: 'w', phases: [{ name: 'a' }, { name: 'a' }] },
      path: '/events/0/phases/1/name',
    },
  ])('rejects $name naming $path', async ({ event, path }) => {
    const answer = await batch([event, { type: 'run.start', runId: 'after', workflow: 'w' }]);
    expect(answer.accepted).toBe(1);
    expect(answer.rejected).toEqual([
      { index: 0, status: 400, error: expect.any(String), details: expect.arrayContaining([{ path, message: expect.any(String) }]) },
    ]);
    expect((await t.get('/v1/runs/after')).status).toBe(200);
    expect((await t.get('/v1/runs/x')).status).toBe(404);
  });

  it('counts each rejected event by its reason', async () => {
    await batch([
      { type: 'run.start', runId: 'r', workflow: 'w' },
      'not an event',
      { type: 'heartbeat', runId: 'ghost' },
      { type: 'phase.finish', runId: 'r', phase: 'p', result: 'success' },
      { type: 'heartbeat', runId: 'r', progress: 7 },
    ]);
    const text = await t.metrics();
    const rejected = (labels: Record<string, string>) => sampleValue(text, 'runwarden_ingest_events_total', { outcome: 'rejected', ...labels });
    expect(rejected({ type: 'unknown', reason: 'invalid' })).toBe(1);
    expect(rejected({ type: 'heartbeat', reason: 'unknown_run' })).toBe(1);
    expect(rejected({ type: 'phase.finish', reason: 'conflict' })).toBe(1);
    expect(rejected({ type: 'heartbeat', reason: 'invalid' })).toBe(1);
  });

  it('refuses more than 10,000 events as a whole with 400', async () => {
    const events = Array.from({ length: 10_001 }, () => ({ type: 'heartbeat', runId: 'r' }));
    const res = await t.post('/v1/events', { events });
    expect(res.status).toBe(400);
    expect(res.body.details).toContainEqual({ path: '/events', message: expect.any(String) });
  });

  it('takes 10,000 events', async () => {
    await batch([{ type: 'run.start', runId: 'r', workflow: 'w' }]);
    const events = Array.from({ length: 10_000 }, (_, i) => ({ type: 'heartbeat', runId: 'r', time: T0 + i + 1 }));
    const answer = await batch(events);
    expect(answer).toEqual({ accepted: 10_000, rejected: [] });
    expect((await t.get('/v1/runs/r')).body.heartbeat).toMatchObject({ count: 10_000, lastTime: iso(T0 + 10_000) });
  });
});
