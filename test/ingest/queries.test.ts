/**
 * The query API: `GET /v1/runs/{runId}` (one run's whole timeline) and `GET /v1/runs` (a list,
 * filtered by state and workflow, newest first, limited).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, T0 } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(async () => {
  await t.close();
});

const iso = (ms: number) => new Date(ms).toISOString();

async function ok(url: string, body: object = {}): Promise<void> {
  const res = await t.post(url, body);
  expect(res.status, `${url}: ${res.text}`).toBeLessThan(300);
}

describe('GET /v1/runs/{runId}', () => {
  it('shows the whole run: phases with attempts and steps, retries, progress, heartbeat, counts', async () => {
    await ok('/v1/runs', {
      workflow: 'release',
      runId: 'r1',
      attributes: { branch: 'main', shards: 4 },
      phases: [{ name: 'build', budgetSeconds: 600, warnSeconds: 300 }, { name: 'test' }, { name: 'lint' }, { name: 'deploy' }],
      heartbeatIntervalSeconds: 30,
      dependsOn: ['nightly'],
    });
    const p = '/v1/runs/r1/phases';
    t.clock.advance(10_000); // T0+10s
    await ok(`${p}/build/start`);
    await ok(`${p}/build/steps/compile/start`);
    t.clock.advance(20_000); // T0+30s
    await ok(`${p}/build/finish`, { result: 'failure', error: { type: 'CompileError', message: 'missing ;' } });
    await ok('/v1/runs/r1/retries', { phase: 'build', attempt: 2, reason: 'flaky runner' });
    t.clock.advance(5_000); // T0+35s
    await ok(`${p}/build/start`);
    t.clock.advance(40_000); // T0+75s
    await ok(`${p}/build/finish`, { result: 'success' });
    await ok(`${p}/test/start`);
    await ok(`${p}/lint/start`);
    await ok(`${p}/lint/finish`, { result: 'skip' });
    t.clock.advance(5_000); // T0+80s
    await ok('/v1/runs/r1/heartbeat', { done: 30, total: 120, message: 'shard 1 of 4' });
    t.clock.advance(15_000); // T0+95s

    const res = await t.get('/v1/runs/r1');
    expect(res.status).toBe(200);
    const view = res.body;
    expect(view).toMatchObject({
      runId: 'r1',
      workflow: 'release',
      state: 'executing',
      result: null,
      error: null,
      startTime: iso(T0),
      endTime: null,
      durationSeconds: 95,
      attributes: { branch: 'main', shards: 4 },
      dependsOn: ['nightly'],
      heartbeatIntervalSeconds: 30,
      progress: 0.25,
      lastHeartbeatTime: iso(T0 + 80_000),
      currentPhases: ['test'],
      heartbeat: { count: 1, lastTime: iso(T0 + 80_000), secondsSince: 15 },
      progressDetail: { ratio: 0.25, done: 30, total: 120, message: 'shard 1 of 4', lastMovedTime: iso(T0 + 80_000) },
      retries: [{ phase: 'build', attempt: 2, reason: 'flaky runner', time: iso(T0 + 30_000) }],
      phaseCounts: { completed: 1, failed: 0, skipped: 1 },
    });
    expect(view.traceparent).toBe(`00-${view.traceId}-${view.spanId}-01`);
    expect(view.phases.map((ph: { name: string; state: string; result: string | null }) => [ph.name, ph.state, ph.result])).toEqual([
      ['build', 'finished', 'success'],
      ['test', 'running', null],
      ['lint', 'finished', 'skip'],
      ['deploy', 'not_started', null],
    ]);
    const [build, test, , deploy] = view.phases;
    expect(build).toMatchObject({ budgetSeconds: 600, warnSeconds: 300 });
    expect(build.attempts).toEqual([
      {
        attempt: 1,
        spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
        traceparent: expect.stringContaining(view.traceId),
        state: 'finished',
        startTime: iso(T0 + 10_000),
        endTime: iso(T0 + 30_000),
        durationSeconds: 20,
        result: 'failure',
        error: { type: 'CompileError', message: 'missing ;' },
        steps: [
          {
            name: 'compile',
            attempts: [
              // A step still running when its phase ends ends with the phase.
              expect.objectContaining({ attempt: 1, state: 'finished', endTime: iso(T0 + 30_000), durationSeconds: 20, result: 'failure' }),
            ],
          },
        ],
      },
      expect.objectContaining({ attempt: 2, state: 'finished', startTime: iso(T0 + 35_000), durationSeconds: 40, result: 'success', error: null, steps: [] }),
    ]);
    expect(build.attempts[1].spanId).not.toBe(build.attempts[0].spanId);
    expect(test).toMatchObject({ budgetSeconds: null, attempts: [{ state: 'running', endTime: null, durationSeconds: 20 }] });
    expect(deploy).toMatchObject({ budgetSeconds: null, warnSeconds: null, attempts: [] });
  });

  it('the duration of what is still running grows with the clock; what finished does not', async () => {
    await ok('/v1/runs', { workflow: 'w', runId: 'r1' });
    await ok('/v1/runs/r1/phases/a/start');
    t.clock.advance(3000);
    await ok('/v1/runs/r1/phases/a/finish', { result: 'success' });
    await ok('/v1/runs/r1/phases/b/start');
    t.clock.advance(7000);
    let view = (await t.get('/v1/runs/r1')).body;
    expect([view.durationSeconds, view.phases[0].attempts[0].durationSeconds, view.phases[1].attempts[0].durationSeconds]).toEqual([10, 3, 7]);
    t.clock.advance(60_000);
    view = (await t.get('/v1/runs/r1')).body;
    expect([view.durationSeconds, view.phases[0].attempts[0].durationSeconds, view.phases[1].attempts[0].durationSeconds]).toEqual([70, 3, 67]);
  });

  it('follows the run through pending, executing, finalizing and finished', async () => {
    const state = async () => (await t.get('/v1/runs/r1')).body.state;
    await ok('/v1/runs', { workflow: 'w', runId: 'r1', phases: [{ name: 'a' }, { name: 'b' }] });
    expect(await state()).toBe('pending');
    await ok('/v1/runs/r1/phases/a/start');
    expect(await state()).toBe('executing');
    await ok('/v1/runs/r1/phases/a/finish', { result: 'success' });
    expect(await state()).toBe('executing');
    await ok('/v1/runs/r1/phases/b/start');
    await ok('/v1/runs/r1/phases/b/finish', { result: 'failure' });
    expect(await state()).toBe('finalizing');
    await ok('/v1/runs/r1/finish', { result: 'failure' });
    expect(await state()).toBe('finished');
    expect((await t.get('/v1/runs/r1')).body.phaseCounts).toEqual({ completed: 1, failed: 1, skipped: 0 });
  });

  it('answers 404 JSON for a run it does not know', async () => {
    const res = await t.get('/v1/runs/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: expect.stringContaining('nope') });
  });
});

describe('GET /v1/runs', () => {
  beforeEach(async () => {
    // Started in this order, a second apart: a1 (nightly), b1 (release), a2 (nightly), b2 (release), a3 (nightly).
    for (const [runId, workflow] of [['a1', 'nightly'], ['b1', 'release'], ['a2', 'nightly'], ['b2', 'release'], ['a3', 'nightly']]) {
      await ok('/v1/runs', { workflow, runId });
      t.clock.advance(1000);
    }
    await ok('/v1/runs/a1/finish', { result: 'success' });
    await ok('/v1/runs/b2/finish', { result: 'failure' });
  });

  const ids = async (query: string) => {
    const res = await t.get(`/v1/runs${query}`);
    expect(res.status, res.text).toBe(200);
    return (res.body.runs as Array<{ runId: string }>).map((r) => r.runId);
  };

  it.each([
    ['', ['a3', 'b2', 'a2', 'b1', 'a1']],
    ['?state=active', ['a3', 'a2', 'b1']],
    ['?state=finished', ['b2', 'a1']],
    ['?workflow=nightly', ['a3', 'a2', 'a1']],
    ['?workflow=release&state=active', ['b1']],
    ['?workflow=release&state=finished', ['b2']],
    ['?workflow=other', []],
    ['?limit=2', ['a3', 'b2']],
    ['?state=finished&limit=1', ['b2']],
    ['?state=active&limit=0', []],
    ['?workflow=nightly&limit=9999', ['a3', 'a2', 'a1']],
  ])('GET /v1/runs%s lists runs newest first by start', async (query, expected) => {
    expect(await ids(query)).toEqual(expected);
  });

  it('lists each run as a summary', async () => {
    const runs = (await t.get('/v1/runs?workflow=release')).body.runs;
    expect(runs).toEqual([
      expect.objectContaining({ runId: 'b2', workflow: 'release', state: 'finished', result: 'failure', endTime: iso(T0 + 5000), durationSeconds: 2 }),
      expect.objectContaining({ runId: 'b1', workflow: 'release', state: 'pending', result: null, startTime: iso(T0 + 1000), endTime: null, durationSeconds: 4 }),
    ]);
    expect(runs[0]).not.toHaveProperty('phases');
  });

  it.each([
    ['?state=running', 'state'],
    ['?state=', 'state'],
    ['?limit=ten', 'limit'],
    ['?limit=-1', 'limit'],
    ['?limit=10000', 'limit'],
    ['?workflow=', 'workflow'],
    ['?sort=asc', 'sort'],
  ])('GET /v1/runs%s answers 400 naming %s', async (query, field) => {
    const res = await t.get(`/v1/runs${query}`);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body).sort()).toEqual(['details', 'error']);
    expect(res.body.details).toContainEqual({ path: expect.stringMatching(new RegExp(`/${field}$`)), message: expect.any(String) });
  });
});
