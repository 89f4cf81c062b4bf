/**
 * `/v1/notifications`: listing by state and receiver with pages, one notification, retrying a
 * dead letter (200, 404, 409), and 400s naming the bad query field, through the API's own error
 * handler (createTestApp's fastify instance).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerNotificationRoutes } from '../../src/pipeline/notifications-routes.ts';
import { Outbox } from '../../src/pipeline/outbox.ts';
import { Secret } from '../../src/pipeline/types.ts';
import type { NotificationRequest, Notifier } from '../../src/pipeline/types.ts';
import { openDatabase } from '../../src/store/database.ts';
import { createTestApp } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

const HOOK = new Secret('https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX');

function request(key: string, receiver: string): NotificationRequest {
  return {
    receiver,
    integration: 'slack/0',
    data: { receiver, status: 'firing', alerts: [], groupLabels: { alertname: key }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://runwarden', groupKey: key, truncatedAlerts: 0 },
  };
}

let app: TestApp;
let dir: string;
let db: DatabaseSync;
let outbox: Outbox;
let refuse: boolean;

beforeEach(async () => {
  app = createTestApp();
  dir = mkdtempSync(join(tmpdir(), 'runwarden-notif-routes-'));
  db = openDatabase(dir);
  refuse = true;
  // A notifier that holds a secret URL, as the real Slack one does, and is refused with a 404.
  const notifier: Notifier = {
    kind: 'slack',
    send: async () => (refuse && HOOK.reveal() !== '' ? { kind: 'failure', reason: 'clientError', status: 404, message: 'HTTP 404: no_team' } : { kind: 'success' }),
  };
  outbox = new Outbox(db, {
    clock: app.clock.now,
    settings: { deadlineMs: 3_600_000, initialBackoffMs: 1_000, maxBackoffMs: 60_000, circuitFailures: 5, circuitResetMs: 30_000 },
    notifierFor: () => notifier,
    logger: pino({ level: 'silent' }),
  });
  registerNotificationRoutes(app.app, outbox);
});

afterEach(async () => {
  await outbox.stop();
  await app.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function deadLetters(n: number): Promise<void> {
  outbox.start();
  for (let i = 1; i <= n; i++) outbox.enqueue([request(`g${i}`, i % 2 === 0 ? 'even' : 'odd')]);
  await expect.poll(() => outbox.depth()).toBe(0);
}

describe('GET /v1/notifications', () => {
  it('lists dead letters newest first with why they failed, and no secret', async () => {
    await deadLetters(3);
    const res = await app.get('/v1/notifications?state=dead');
    expect(res.status).toBe(200);
    expect(res.body.nextBefore).toBeNull();
    expect(res.body.notifications.map((n: { id: number }) => n.id)).toEqual([3, 2, 1]);
    expect(res.body.notifications[0]).toEqual({
      id: 3,
      receiver: 'odd',
      integration: 'slack/0',
      state: 'dead',
      attempts: 1,
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
      nextAttemptAt: null,
      deadlineAt: null,
      lastError: 'clientError 404: HTTP 404: no_team',
      status: 'firing',
      groupKey: 'g3',
      alerts: 0,
    });
    expect(res.text).not.toContain('SECRET');
    expect((await app.get('/v1/notifications?state=pending')).body.notifications).toEqual([]);
  });

  it('filters by receiver and pages with nextBefore', async () => {
    await deadLetters(5);
    expect((await app.get('/v1/notifications?receiver=even')).body.notifications.map((n: { id: number }) => n.id)).toEqual([4, 2]);
    const first = await app.get('/v1/notifications?limit=2');
    expect(first.body.notifications.map((n: { id: number }) => n.id)).toEqual([5, 4]);
    expect(first.body.nextBefore).toBe(4);
    const second = await app.get('/v1/notifications?limit=2&before=4');
    expect(second.body.notifications.map((n: { id: number }) => n.id)).toEqual([3, 2]);
  });

  it.each([
    ['state=lost', 'querystring:/state'],
    ['limit=0', 'querystring:/limit'],
    ['limit=5000', 'querystring:/limit'],
    ['limit=ten', 'querystring:/limit'],
    ['before=-1', 'querystring:/before'],
    ['color=red', 'querystring:'],
  ])('answers 400 naming the field for %s', async (query, path) => {
    const res = await app.get(`/v1/notifications?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual(expect.any(String));
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining(path) })]));
  });
});

describe('GET /v1/notifications/{id}', () => {
  it('shows one notification with what it says; 404 for an unknown id, 400 for a bad one', async () => {
    await deadLetters(1);
    const res = await app.get('/v1/notifications/1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 1, state: 'dead', data: { groupKey: 'g1', groupLabels: { alertname: 'g1' } } });
    expect(res.text).not.toContain('SECRET');
    expect((await app.get('/v1/notifications/42')).status).toBe(404);
    expect((await app.get('/v1/notifications/abc')).status).toBe(400);
  });
});

describe('POST /v1/notifications/{id}/retry', () => {
  it('sends a dead letter again (200), and answers 404 for an unknown id and 409 for one not dead', async () => {
    await deadLetters(2);
    refuse = false;
    const res = await app.post('/v1/notifications/1/retry');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 1, state: 'pending', attempts: 0 });
    await expect.poll(async () => (await app.get('/v1/notifications/1')).body.state).toBe('sent');
    const again = await app.post('/v1/notifications/1/retry');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/notification 1 is sent/);
    expect((await app.post('/v1/notifications/99/retry')).status).toBe(404);
    expect((await app.get('/v1/notifications?state=dead')).body.notifications.map((n: { id: number }) => n.id)).toEqual([2]);
  });
});
