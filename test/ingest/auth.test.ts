/**
 * Bearer-token auth of the ingest API: with a token configured, every call but the health probes
 * needs `Authorization: Bearer <token>`; a call without it gets 401 before anything else is looked at.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

const TOKEN = 's3cret-t0ken';
const GOOD = { authorization: `Bearer ${TOKEN}` };

let t: TestApp;
afterEach(async () => {
  await t.close();
});

/** CALLS covers every route, each with a body it would accept and the status it answers when authorised. */
const CALLS: Array<{ method: 'GET' | 'POST'; url: string; body?: object; ok: number }> = [
  { method: 'POST', url: '/v1/runs', body: { workflow: 'w', runId: 'new' }, ok: 201 },
  { method: 'POST', url: '/v1/runs/r1/phases/p/start', body: {}, ok: 200 },
  { method: 'POST', url: '/v1/runs/r1/phases/q/steps/s/start', body: {}, ok: 200 },
  { method: 'POST', url: '/v1/runs/r1/phases/q/steps/t/finish', body: { result: 'success' }, ok: 200 },
  { method: 'POST', url: '/v1/runs/r1/phases/q/finish', body: { result: 'success' }, ok: 200 },
  { method: 'POST', url: '/v1/runs/r1/heartbeat', body: { progress: 0.5 }, ok: 200 },
  { method: 'POST', url: '/v1/runs/r1/retries', body: { attempt: 2 }, ok: 200 },
  { method: 'POST', url: '/v1/events', body: { events: [{ type: 'heartbeat', runId: 'r1' }] }, ok: 200 },
  { method: 'POST', url: '/v1/runs/r1/finish', body: { result: 'success' }, ok: 200 },
  { method: 'POST', url: '/v1/pool', body: { capacity: 2, busy: 1, queued: 0 }, ok: 200 },
  { method: 'GET', url: '/v1/runs/r1', ok: 200 },
  { method: 'GET', url: '/v1/runs?state=active', ok: 200 },
];

/** withRun makes a token-protected app with run r1 whose phase q and step t of q are running. */
async function withRun(): Promise<TestApp> {
  const app = createTestApp({ token: TOKEN });
  expect((await app.post('/v1/runs', { workflow: 'w', runId: 'r1' }, GOOD)).status).toBe(201);
  expect((await app.post('/v1/runs/r1/phases/q/start', {}, GOOD)).status).toBe(200);
  expect((await app.post('/v1/runs/r1/phases/q/steps/t/start', {}, GOOD)).status).toBe(200);
  return app;
}

const call = (c: (typeof CALLS)[number], headers: Record<string, string>) =>
  c.method === 'GET' ? t.get(c.url, headers) : t.post(c.url, c.body, headers);

describe('with a token configured', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer wrong' }],
    ['the token without the Bearer scheme', { authorization: TOKEN }],
    ['the token with another scheme', { authorization: `Basic ${TOKEN}` }],
    ['a prefix of the token', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['the token with a suffix', { authorization: `Bearer ${TOKEN}x` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('%s gets 401 on every route and changes nothing', async (_, headers: Record<string, string>) => {
    t = await withRun();
    const before = (await t.get('/v1/runs/r1', GOOD)).body;
    for (const c of CALLS) {
      const res = await call(c, headers);
      expect(res.status, `${c.method} ${c.url}`).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toEqual({ error: expect.any(String) });
    }
    expect((await t.get('/v1/runs/r1', GOOD)).body).toEqual(before);
    expect((await t.get('/v1/runs/new', GOOD)).status).toBe(404);
    expect(t.registry.pool()).toBeUndefined();
  });

  it('the right token is let through on every route', async () => {
    t = await withRun();
    for (const c of CALLS) {
      const res = await call(c, GOOD);
      expect(res.status, `${c.method} ${c.url}: ${res.text}`).toBe(c.ok);
    }
    expect((await t.get('/v1/runs/r1', GOOD)).body).toMatchObject({ state: 'finished', heartbeat: { count: 2 } });
  });

  it('answers 401 before looking at the body or the run', async () => {
    t = await withRun();
    expect((await t.post('/v1/runs', { bogus: true })).status).toBe(401);
    expect((await t.post('/v1/runs/ghost/finish', { result: 'success' })).status).toBe(401);
    expect((await t.post('/v1/runs', '{not json', { 'content-type': 'application/json' })).status).toBe(401);
    expect((await t.get('/no/such/route')).status).toBe(401);
  });

  it.each(['/healthz', '/readyz', '/healthz?probe=kubelet', '/readyz?verbose'])('GET %s needs no token', async (url) => {
    t = createTestApp({ token: TOKEN });
    const res = await t.get(url);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: expect.stringMatching(/^(ok|ready)$/) });
  });
});

describe('without a token configured', () => {
  it('every route is open, whatever Authorization header comes', async () => {
    t = createTestApp();
    expect((await t.post('/v1/runs', { workflow: 'w', runId: 'r1' })).status).toBe(201);
    expect((await t.post('/v1/runs/r1/heartbeat', {}, { authorization: 'Bearer anything' })).status).toBe(200);
    expect((await t.get('/v1/runs/r1', { authorization: 'Basic Zm9vOmJhcg==' })).status).toBe(200);
  });
});
