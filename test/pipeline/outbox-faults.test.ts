/**
 * The outbox against a real local HTTP receiver that misbehaves: down then up (connection
 * refused), 500s, 429 with Retry-After, answers slower than the timeout, dropped connections.
 * Every notification arrives, in order per integration, and none is taken twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/pipeline/outbox.ts';
import type { DeliverySettings, NotificationRequest } from '../../src/pipeline/types.ts';
import { openDatabase } from '../../src/store/database.ts';
import { startReceiver } from '../fixtures/outbox-receiver.ts';
import type { Answer, Receiver, Received } from '../fixtures/outbox-receiver.ts';
import { retryAfterMs, TestWebhookNotifier } from '../fixtures/outbox-webhook-notifier.ts';

const SETTINGS: DeliverySettings = { deadlineMs: 120_000, initialBackoffMs: 20, maxBackoffMs: 200, circuitFailures: 4, circuitResetMs: 150 };
const TIMEOUT_MS = 300;
const PER_LANE = 12;
const LANES = ['webhook/0', 'webhook/1'];

function request(integration: string, n: number): NotificationRequest {
  const groupKey = `${integration}#${n}`;
  return {
    receiver: 'team',
    integration,
    data: { receiver: 'team', status: 'firing', alerts: [], groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', groupKey, truncatedAlerts: 0 },
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function openOutbox(url: string): { outbox: Outbox; db: DatabaseSync } {
  const dir = mkdtempSync(join(tmpdir(), 'runwarden-outbox-faults-'));
  const db = openDatabase(dir);
  const notifier = new TestWebhookNotifier(url, TIMEOUT_MS);
  const outbox = new Outbox(db, { clock: Date.now, settings: SETTINGS, notifierFor: () => notifier, logger: pino({ level: 'silent' }) });
  cleanups.push(async () => {
    await outbox.stop();
    await notifier.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { outbox, db };
}

/** enqueueAll enqueues PER_LANE notifications per lane, interleaved, in a few batches. */
function enqueueAll(outbox: Outbox): void {
  for (let n = 0; n < PER_LANE; n += 3) {
    const batch: NotificationRequest[] = [];
    for (let k = n; k < n + 3; k++) for (const lane of LANES) batch.push(request(lane, k));
    outbox.enqueue(batch);
  }
}

function expectAllInOrderOnce(acknowledged: Received[]): void {
  for (const lane of LANES) {
    expect(acknowledged.filter((r) => r.integration === lane).map((r) => r.groupKey)).toEqual(Array.from({ length: PER_LANE }, (_, n) => `${lane}#${n}`));
  }
}

const faults: [string, (n: number) => Answer | undefined][] = [
  ['500s for a while', (n) => (n < 10 ? { status: 500 } : undefined)],
  ['every other request a 503', (n) => (n % 2 === 0 ? { status: 503 } : undefined)],
  ['429 with Retry-After (seconds)', (n) => (n < 2 ? { status: 429, headers: { 'retry-after': '1' } } : undefined)],
  ['answers slower than the timeout', (n) => (n < 4 ? { hold: 1_000 } : undefined)],
  ['connections dropped without an answer', (n) => (n % 3 === 1 ? { drop: true } : undefined)],
];

describe('Outbox against a misbehaving receiver', () => {
  it.each(faults)('delivers everything in order, once, through %s', async (_name, script) => {
    const receiver = await startReceiver(script);
    cleanups.push(() => receiver.close());
    const { outbox } = openOutbox(receiver.url);
    outbox.start();
    enqueueAll(outbox);
    await expect.poll(() => outbox.depth(), { timeout: 20_000, interval: 50 }).toBe(0);
    expectAllInOrderOnce(receiver.acknowledged);
    expect(outbox.list({ state: 'dead', limit: 10 })).toEqual([]);
    // The receiver did see the failed attempts: the test exercised the fault.
    expect(receiver.received.length).toBeGreaterThan(receiver.acknowledged.length);
  });

  it('delivers everything in order once a receiver that was down (connection refused) comes up', async () => {
    const port = await freePort();
    const { outbox } = openOutbox(`http://127.0.0.1:${port}/hook`);
    outbox.start();
    enqueueAll(outbox);
    // Wait until the first notification of each lane has failed twice against the closed port.
    await expect.poll(() => Math.min(...[1, 2].map((id) => outbox.get(id)?.attempts ?? 0)), { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(2);
    expect(outbox.get(1)?.lastError).toMatch(/^network: request failed: ECONNREFUSED/);
    let receiver: Receiver;
    try {
      receiver = await startReceiver(() => undefined, port);
    } catch {
      // Another process took the port meanwhile: nothing this test can check.
      return;
    }
    cleanups.push(() => receiver.close());
    await expect.poll(() => outbox.depth(), { timeout: 20_000, interval: 50 }).toBe(0);
    expectAllInOrderOnce(receiver.acknowledged);
    expect(receiver.received).toEqual(receiver.acknowledged);
  });

  it('opens the circuit against a receiver that keeps failing, so it is not hammered', async () => {
    const receiver = await startReceiver(() => ({ status: 500 }));
    cleanups.push(() => receiver.close());
    const { outbox } = openOutbox(receiver.url);
    outbox.start();
    outbox.enqueue([request('webhook/0', 0)]);
    await expect.poll(() => outbox.laneStats()[0]?.circuit, { timeout: 5_000, interval: 10 }).toBe(2);
    // Opened by the threshold's failures and not one more request.
    expect(receiver.received.length).toBe(SETTINGS.circuitFailures);
    // After the reset a single probe goes out; its failure opens the circuit again.
    await expect.poll(() => receiver.received.length, { timeout: 5_000, interval: 10 }).toBeGreaterThan(SETTINGS.circuitFailures);
    await expect.poll(() => outbox.laneStats()[0]?.circuit, { timeout: 5_000, interval: 10 }).toBe(2);
    expect(outbox.get(1)).toMatchObject({ state: 'pending', lastError: 'serverError 500: HTTP 500' });
  });
});

describe('retryAfterMs', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    ['Fri, 02 Jan 2026 03:05:05 GMT', 60_000],
    ['soon', undefined],
    ['', undefined],
  ])('%j is %s ms', (value, ms) => {
    expect(retryAfterMs(value, Date.parse('2026-01-02T03:04:05Z'))).toBe(ms);
  });
});
