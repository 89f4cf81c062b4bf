/**
 * Bad input to the ingest API: every problem is a 400 with `{error, details: [{path, message}]}`
 * naming the field, bodies over 1 MiB are a 413, and nothing a client sends crashes the process,
 * pollutes prototypes or changes a run.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../src/ingest/server.ts';
import { createTestApp, sampleValue } from '../helpers/app.ts';
import type { Answer, TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = createTestApp();
  // A run with a running phase and step, so that events reach their checks rather than a 404.
  expect((await t.post('/v1/runs', { workflow: 'build', runId: 'r1' })).status).toBe(201);
  expect((await t.post('/v1/runs/r1/phases/p/start', {})).status).toBe(200);
  expect((await t.post('/v1/runs/r1/phases/p/steps/s/start', {})).status).toBe(200);
});
afterEach(async () => {
  await t.close();
});

/** expectProblem asserts a 400 whose body is exactly `{error, details: [{path, message}]}` and names `path`. */
function expectProblem(res: Answer, path: string, message?: string | RegExp): void {
  expect(res.status, res.text).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body).sort()).toEqual(['details', 'error']);
  expect(res.body.error).toEqual(expect.any(String));
  expect(res.body.details.length).toBeGreaterThan(0);
  for (const d of res.body.details) expect(d).toEqual({ path: expect.any(String), message: expect.any(String) });
  const m = message === undefined ? expect.any(String) : typeof message === 'string' ? message : expect.stringMatching(message);
  expect(res.body.details).toContainEqual({ path, message: m });
}

const ROUTES = {
  run: '/v1/runs',
  phaseStart: '/v1/runs/r1/phases/p/start',
  phaseFinish: '/v1/runs/r1/phases/p/finish',
  stepStart: '/v1/runs/r1/phases/p/steps/s/start',
  stepFinish: '/v1/runs/r1/phases/p/steps/s/finish',
  heartbeat: '/v1/runs/r1/heartbeat',
  retries: '/v1/runs/r1/retries',
  finish: '/v1/runs/r1/finish',
  pool: '/v1/pool',
  events: '/v1/events',
} as const;

const TIME_MESSAGE = /RFC 3339 time|epoch milliseconds|must be string,integer/;

describe('field problems answer 400 naming the field', () => {
  it.each<{ name: string; url: string; body: object; path: string; message?: string | RegExp }>([
    // POST /v1/runs
    { name: 'missing workflow', url: ROUTES.run, body: { runId: 'x' }, path: '/workflow', message: 'is required' },
    { name: 'workflow of the wrong type', url: ROUTES.run, body: { workflow: 5 }, path: '/workflow' },
    { name: 'empty workflow', url: ROUTES.run, body: { workflow: '' }, path: '/workflow' },
    { name: 'workflow over 256 characters', url: ROUTES.run, body: { workflow: 'w'.repeat(257) }, path: '/workflow' },
    { name: 'runId of the wrong type', url: ROUTES.run, body: { workflow: 'w', runId: 7 }, path: '/runId' },
    { name: 'an unknown field', url: ROUTES.run, body: { workflow: 'w', workfow: 'typo' }, path: '/workfow', message: 'is not a known field' },
    { name: 'a nested attribute value', url: ROUTES.run, body: { workflow: 'w', attributes: { a: { b: 1 } } }, path: '/attributes/a' },
    { name: 'phases not an array', url: ROUTES.run, body: { workflow: 'w', phases: 'build' }, path: '/phases' },
    { name: 'a phase without a name', url: ROUTES.run, body: { workflow: 'w', phases: [{ budgetSeconds: 1 }] }, path: '/phases/0/name', message: 'is required' },
    { name: 'an unknown phase field', url: ROUTES.run, body: { workflow: 'w', phases: [{ name: 'a', budget: 1 }] }, path: '/phases/0/budget', message: 'is not a known field' },
    { name: 'a budget given as a string', url: ROUTES.run, body: { workflow: 'w', phases: [{ name: 'a', budgetSeconds: '60' }] }, path: '/phases/0/budgetSeconds' },
    { name: 'a zero budget', url: ROUTES.run, body: { workflow: 'w', phases: [{ name: 'a', budgetSeconds: 0 }] }, path: '/phases/0/budgetSeconds' },
    {
      name: 'duplicate phase names',
      url: ROUTES.run,
      body: { workflow: 'w', phases: [{ name: 'a' }, { name: 'b' }, { name: 'a' }] },
      path: '/phases/2/name',
      message: /duplicate/,
    },
    {
      name: 'warnSeconds over budgetSeconds',
      url: ROUTES.run,
      body: { workflow: 'w', phases: [{ name: 'a', budgetSeconds: 60, warnSeconds: 90 }] },
      path: '/phases/0/warnSeconds',
      message: /budgetSeconds/,
    },
    { name: 'a negative heartbeat interval', url: ROUTES.run, body: { workflow: 'w', heartbeatIntervalSeconds: -1 }, path: '/heartbeatIntervalSeconds' },
    { name: 'dependsOn not an array', url: ROUTES.run, body: { workflow: 'w', dependsOn: 'deploy' }, path: '/dependsOn' },
    { name: 'a traceparent that is not one', url: ROUTES.run, body: { workflow: 'w', traceparent: 'abc' }, path: '/traceparent' },
    {
      name: 'a traceparent with an all-zero trace id',
      url: ROUTES.run,
      body: { workflow: 'w', traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` },
      path: '/traceparent',
    },
    {
      name: 'a traceparent with an all-zero span id',
      url: ROUTES.run,
      body: { workflow: 'w', traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01` },
      path: '/traceparent',
    },
    {
      name: 'a traceparent of version ff',
      url: ROUTES.run,
      body: { workflow: 'w', traceparent: 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      path: '/traceparent',
    },
    {
      name: 'a traceparent in upper case',
      url: ROUTES.run,
      body: { workflow: 'w', traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01' },
      path: '/traceparent',
    },
    {
      name: 'a version-00 traceparent with trailing data',
      url: ROUTES.run,
      body: { workflow: 'w', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra' },
      path: '/traceparent',
    },
    // finishes
    { name: 'phase finish without result', url: ROUTES.phaseFinish, body: {}, path: '/result', message: 'is required' },
    { name: 'a result outside the enum', url: ROUTES.phaseFinish, body: { result: 'ok' }, path: '/result', message: /must be one of success, failure/ },
    { name: 'a result in the wrong case', url: ROUTES.finish, body: { result: 'SUCCESS' }, path: '/result' },
    { name: 'step finish with a bad result', url: ROUTES.stepFinish, body: { result: 'passed' }, path: '/result' },
    { name: 'an error of the wrong type', url: ROUTES.finish, body: { result: 'failure', error: 5 }, path: '/error' },
    {
      name: 'an unknown field of error',
      url: ROUTES.finish,
      body: { result: 'failure', error: { type: 'x', code: 1 } },
      path: '/error/code',
      message: 'is not a known field',
    },
    { name: 'an unknown field of a phase start', url: ROUTES.phaseStart, body: { attribute: {} }, path: '/attribute', message: 'is not a known field' },
    { name: 'an unknown field of a step start', url: ROUTES.stepStart, body: { name: 's' }, path: '/name', message: 'is not a known field' },
    // heartbeat
    { name: 'progress over 1', url: ROUTES.heartbeat, body: { progress: 1.5 }, path: '/progress' },
    { name: 'progress under 0', url: ROUTES.heartbeat, body: { progress: -0.1 }, path: '/progress' },
    { name: 'progress given as a string', url: ROUTES.heartbeat, body: { progress: '0.5' }, path: '/progress' },
    { name: 'done over total', url: ROUTES.heartbeat, body: { done: 5, total: 4 }, path: '/done', message: /total/ },
    { name: 'negative done', url: ROUTES.heartbeat, body: { done: -1 }, path: '/done' },
    { name: 'a message of the wrong type', url: ROUTES.heartbeat, body: { message: 42 }, path: '/message' },
    { name: 'an unknown heartbeat field', url: ROUTES.heartbeat, body: { percent: 50 }, path: '/percent', message: 'is not a known field' },
    // retries
    { name: 'retry without attempt', url: ROUTES.retries, body: { phase: 'p' }, path: '/attempt', message: 'is required' },
    { name: 'attempt 0', url: ROUTES.retries, body: { attempt: 0 }, path: '/attempt' },
    { name: 'a fractional attempt', url: ROUTES.retries, body: { attempt: 1.5 }, path: '/attempt' },
    { name: 'attempt given as a string', url: ROUTES.retries, body: { attempt: '2' }, path: '/attempt' },
    // pool
    { name: 'pool without capacity', url: ROUTES.pool, body: { busy: 1, queued: 0 }, path: '/capacity', message: 'is required' },
    { name: 'busy over capacity', url: ROUTES.pool, body: { capacity: 2, busy: 3, queued: 0 }, path: '/busy', message: /capacity/ },
    { name: 'negative queued', url: ROUTES.pool, body: { capacity: 2, busy: 1, queued: -1 }, path: '/queued' },
    { name: 'capacity given as a string', url: ROUTES.pool, body: { capacity: '4', busy: 1, queued: 0 }, path: '/capacity' },
    { name: 'an unknown pool field', url: ROUTES.pool, body: { capacity: 4, busy: 1, queued: 0, idle: 3 }, path: '/idle', message: 'is not a known field' },
    // batch
    { name: 'a batch without events', url: ROUTES.events, body: {}, path: '/events', message: 'is required' },
    { name: 'events not an array', url: ROUTES.events, body: { events: { type: 'heartbeat' } }, path: '/events' },
  ])('$name', async ({ url, body, path, message }) => {
    const before = (await t.get('/v1/runs/r1')).body;
    expectProblem(await t.post(url, body), path, message);
    expect((await t.get('/v1/runs/r1')).body).toEqual(before);
    expect((await t.get('/v1/runs')).body.runs).toHaveLength(1);
  });
});

describe('bad times answer 400 naming /time', () => {
  it.each<[string, unknown]>([
    ['a word', 'yesterday'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['February 30', '2026-02-30T00:00:00Z'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['no time zone', '2026-01-02T03:04:05'],
    ['a date alone', '2026-01-02'],
    ['an offset beyond 23 hours', '2026-01-01T00:00:00+25:00'],
    ['a negative epoch', -1],
    ['a fractional epoch', 1767323045000.5],
    ['an epoch after year 9999', 1e17],
    ['epoch milliseconds as a string', '1767323045000'],
    ['a boolean', true],
  ])('%s (%j)', async (_, time) => {
    for (const [url, body] of [
      [ROUTES.run, { workflow: 'w', runId: 'timed', time }],
      [ROUTES.heartbeat, { time }],
      [ROUTES.stepFinish, { result: 'success', time }],
      [ROUTES.phaseFinish, { result: 'success', time }],
      [ROUTES.retries, { attempt: 2, time }],
      [ROUTES.finish, { result: 'success', time }],
    ] as const) {
      expectProblem(await t.post(url, body), '/time', TIME_MESSAGE);
    }
    expect((await t.get('/v1/runs/timed')).status).toBe(404);
    expect((await t.get('/v1/runs/r1')).body).toMatchObject({ state: 'executing', heartbeat: { count: 0 }, retries: [] });
  });

  it.each<[string, unknown, string]>([
    ['RFC 3339 with Z', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05.000Z'],
    ['RFC 3339 with fractions and an offset', '2026-01-02T05:04:05.250+02:00', '2026-01-02T03:04:05.250Z'],
    ['RFC 3339 with a space and lower case z', '2026-01-02 03:04:05z', '2026-01-02T03:04:05.000Z'],
    ['epoch milliseconds', 1767323045123, '2026-01-02T03:04:05.123Z'],
  ])('accepts %s', async (_, time, expected) => {
    expect((await t.post(ROUTES.run, { workflow: 'w', runId: 'timed', time })).status).toBe(201);
    expect((await t.get('/v1/runs/timed')).body.startTime).toBe(expected);
  });
});

describe('bodies that are not a JSON object', () => {
  it.each<[string, string, string]>([
    ['invalid JSON', '{"workflow": "w",', '/v1/runs'],
    ['invalid JSON on a route whose body is optional', '{progress: 1}', ROUTES.heartbeat],
    ['a JSON array', '[]', '/v1/runs'],
    ['a JSON string', '"x"', '/v1/runs'],
    ['JSON null', 'null', '/v1/runs'],
    ['a JSON number', '42', ROUTES.finish],
    ['a JSON array on a route whose body is optional', '[{"progress": 1}]', ROUTES.heartbeat],
  ])('%s answers 400 with a JSON error body', async (_, raw, url) => {
    const res = await t.post(url, raw, { 'content-type': 'application/json' });
    expectProblem(res, '');
    expect((await t.get('/v1/runs')).body.runs).toHaveLength(1);
  });

  const REQUIRED: Array<[string, string]> = [
    [ROUTES.run, '/workflow'],
    [ROUTES.phaseFinish, '/result'],
    [ROUTES.stepFinish, '/result'],
    [ROUTES.finish, '/result'],
    [ROUTES.retries, '/attempt'],
    [ROUTES.pool, '/capacity'],
    [ROUTES.events, '/events'],
  ];
  it.each(REQUIRED)('POST %s with an empty JSON body answers 400 naming %s', async (url, path) => {
    expectProblem(await t.post(url, '', { 'content-type': 'application/json' }), path, 'is required');
    expect((await t.get('/v1/runs/r1')).body).toMatchObject({ state: 'executing', retries: [] });
  });
  // `curl -X POST $URL/v1/runs/$ID/finish`: no body and no content type.
  it.each(REQUIRED)('POST %s with no body at all answers 400 naming %s', async (url, path) => {
    expectProblem(await t.post(url), path, 'is required');
    expect((await t.get('/v1/runs/r1')).body).toMatchObject({ state: 'executing', retries: [] });
  });
});

describe('content types', () => {
  it.each([
    ["curl's default application/x-www-form-urlencoded", 'application/x-www-form-urlencoded'],
    ["text/plain (fetch's default for a string body)", 'text/plain;charset=UTF-8'],
    ['application/json with a charset', 'application/json; charset=utf-8'],
  ])('JSON sent as %s is accepted', async (_, contentType) => {
    const res = await t.post('/v1/runs', '{"workflow":"w","runId":"curl"}', { 'content-type': contentType });
    expect(res.status).toBe(201);
    expect(res.body.runId).toBe('curl');
    const hb = await t.post('/v1/runs/curl/heartbeat', '{"progress":0.25}', { 'content-type': contentType });
    expect(hb.status).toBe(200);
    expect((await t.get('/v1/runs/curl')).body.progress).toBe(0.25);
  });

  it('form data that is not JSON answers 400', async () => {
    const res = await t.post('/v1/runs', 'workflow=w&runId=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expectProblem(res, '');
  });
});

describe('body size', () => {
  /** padded is `{"workflow":"w","runId":"big"}` padded with JSON whitespace to exactly `bytes` bytes. */
  const padded = (bytes: number) => {
    const json = '{"workflow":"w","runId":"big"}';
    return `${json.slice(0, -1)}${' '.repeat(bytes - json.length)}}`;
  };

  it('a body of 1 MiB + 1 byte answers 413 with a JSON error', async () => {
    const body = padded(BODY_LIMIT + 1);
    expect(Buffer.byteLength(body)).toBe(1024 * 1024 + 1);
    const res = await t.post('/v1/runs', body, { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: expect.stringContaining('1 MiB') });
    expect((await t.get('/v1/runs/big')).status).toBe(404);
  });

  it('a body of exactly 1 MiB is accepted', async () => {
    const res = await t.post('/v1/runs', padded(BODY_LIMIT), { 'content-type': 'application/json' });
    expect(res.status).toBe(201);
  });

  it('an oversized body to /v1/events answers 413', async () => {
    const events = Array.from({ length: 20_000 }, (_, i) => ({ type: 'heartbeat', runId: 'r1', message: `m${i}`.padEnd(40) }));
    const res = await t.post('/v1/events', { events });
    expect(res.status).toBe(413);
    expect((await t.get('/v1/runs/r1')).body.heartbeat.count).toBe(0);
  });
});

describe('hostile bodies neither crash the process nor pollute prototypes', () => {
  afterEach(async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect((await t.get('/healthz')).status).toBe(200);
  });

  it.each([
    ['__proto__ at the top', '{"workflow":"w","runId":"p1","__proto__":{"polluted":true}}'],
    ['__proto__ in attributes', '{"workflow":"w","runId":"p2","attributes":{"__proto__":{"polluted":true}}}'],
    ['constructor.prototype at the top', '{"workflow":"w","runId":"p3","constructor":{"prototype":{"polluted":true}}}'],
    ['constructor.prototype in a phase', '{"workflow":"w","runId":"p4","phases":[{"name":"a","constructor":{"prototype":{"polluted":true}}}]}'],
  ])('%s answers 400', async (_, raw) => {
    const res = await t.post('/v1/runs', raw, { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.any(String), details: expect.any(Array) });
    expect((await t.get('/v1/runs')).body.runs).toHaveLength(1);
  });

  it('__proto__ inside a batch event answers 400', async () => {
    const raw = '{"events":[{"type":"heartbeat","runId":"r1","__proto__":{"polluted":true}}]}';
    const res = await t.post('/v1/events', raw, { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
  });

  it('names that are Object.prototype members are plain names', async () => {
    for (const name of ['__proto__', 'constructor', 'hasOwnProperty', 'toString']) {
      const id = encodeURIComponent(name);
      expect((await t.post('/v1/runs', { workflow: name, runId: name, attributes: { toString: 'x', valueOf: 1 } })).status).toBe(201);
      expect((await t.post(`/v1/runs/${id}/phases/${id}/start`, {})).status).toBe(200);
      expect((await t.post(`/v1/runs/${id}/phases/${id}/steps/${id}/start`, {})).status).toBe(200);
      expect((await t.post(`/v1/runs/${id}/finish`, { result: 'success' })).status).toBe(200);
      const view = await t.get(`/v1/runs/${id}`);
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({ runId: name, workflow: name, state: 'finished', phases: [{ name, result: 'success' }] });
    }
    expect((await t.get('/v1/runs/valueOf')).status).toBe(404);
    expect((await t.flushSpans()).filter((s) => s.name === 'RUN constructor')).toHaveLength(1);
  });

  it.each<[string, string]>([
    ['deeply nested arrays', `{"workflow":"w","x":${'['.repeat(300_000)}${']'.repeat(300_000)}}`],
    ['deeply nested arrays in a batch', `{"events":[${'['.repeat(300_000)}${']'.repeat(300_000)}]}`],
    ['deeply nested objects with a constructor key', `{"workflow":"w","constructor":1,"x":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`],
    ['a number too large for a double', '{"workflow":"w","runId":"n","time":1e400}'],
    ['NUL and lone surrogates in strings', '{"workflow":"w\\u0000\\ud800","runId":"nul\\udfff"}'],
    ['a huge attribute count', `{"workflow":"w","attributes":{${Array.from({ length: 5000 }, (_, i) => `"k${i}":${i}`).join(',')}}}`],
  ])('%s: answered, not crashed', async (_, raw) => {
    const url = raw.startsWith('{"events"') ? '/v1/events' : '/v1/runs';
    const res = await t.post(url, raw, { 'content-type': 'application/json' });
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(500);
  });
});

describe('path parameters', () => {
  it.each([
    ['a run id over 256 characters', `/v1/runs/${'r'.repeat(257)}/heartbeat`, 'runId'],
    ['a phase name over 256 characters', `/v1/runs/r1/phases/${'p'.repeat(257)}/start`, 'phase'],
    ['a step name over 256 characters', `/v1/runs/r1/phases/p/steps/${'s'.repeat(257)}/start`, 'step'],
  ])('%s answers 400 naming it', async (_, url, field) => {
    const res = await t.post(url, {});
    expect(res.status).toBe(400);
    expect(res.body.details).toContainEqual({ path: expect.stringMatching(new RegExp(`/${field}$`)), message: expect.any(String) });
  });
});

describe('rejected events are counted', () => {
  it.each([
    ['a check after the schema (done > total)', { done: 5, total: 4 }, '/done'],
    ['a schema problem (progress > 1)', { progress: 2 }, '/progress'],
    ['an unknown field', { percent: 50 }, '/percent'],
  ])('%s on a single-event route counts as rejected/invalid, like in /v1/events', async (_, body, path) => {
    expectProblem(await t.post(ROUTES.heartbeat, body), path);
    const batch = await t.post('/v1/events', { events: [{ type: 'heartbeat', runId: 'r1', ...body }] });
    expect(batch.body.rejected).toHaveLength(1);
    const counted = sampleValue(await t.metrics(), 'runwarden_ingest_events_total', { type: 'heartbeat', outcome: 'rejected', reason: 'invalid' });
    expect(counted).toBe(2);
  });
});
