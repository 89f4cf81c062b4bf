/**
 * The outbox on a fake clock and fake timers, with scripted notifiers: order per lane under mixed
 * failures, backoff and Retry-After, the circuit breaker, dead letters (4xx, deadline, unknown
 * integration), a manual retry, recovery from a reopened store, pruning, and the metrics.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/pipeline/outbox.ts';
import type { OutboxOptions } from '../../src/pipeline/outbox.ts';
import type { DeliverySettings, Notification, NotificationRequest, Notifier, NotifyResult } from '../../src/pipeline/types.ts';
import { openDatabase } from '../../src/store/database.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { createFakeClock, T0 } from '../helpers/app.ts';
import type { FakeClock } from '../helpers/app.ts';

const SETTINGS: DeliverySettings = { deadlineMs: 3_600_000, initialBackoffMs: 1_000, maxBackoffMs: 300_000, circuitFailures: 5, circuitResetMs: 30_000 };

const OK: NotifyResult = { kind: 'success' };
const E500: NotifyResult = { kind: 'retryable', reason: 'serverError', status: 500, message: 'HTTP 500' };
const E400: NotifyResult = { kind: 'failure', reason: 'clientError', status: 400, message: 'HTTP 400: invalid_payload' };
const e429 = (retryAfterMs: number): NotifyResult => ({ kind: 'retryable', reason: 'rateLimited', status: 429, message: 'HTTP 429', retryAfterMs });

/** FakeTimers fire callbacks when the test moves the clock past their due time. */
class FakeTimers {
  readonly clock: FakeClock;
  #next = 1;
  readonly pending = new Map<number, { at: number; fn: () => void }>();
  constructor(clock: FakeClock) {
    this.clock = clock;
  }
  set = (fn: () => void, ms: number): number => {
    const id = this.#next++;
    this.pending.set(id, { at: this.clock.now() + ms, fn });
    return id;
  };
  clear = (id: unknown): void => {
    this.pending.delete(id as number);
  };
  /** nextDue is when the earliest timer fires, if any. */
  nextDue(): number | undefined {
    let at: number | undefined;
    for (const t of this.pending.values()) if (at === undefined || t.at < at) at = t.at;
    return at;
  }
}

/** ScriptedNotifier answers each send of a notification (by its `groupKey`) from a script; success once the script runs out. */
class ScriptedNotifier implements Notifier {
  readonly kind = 'webhook' as const;
  readonly sends: { key: string; at: number; attempts: number; kind?: NotifyResult['kind'] }[] = [];
  readonly scripts = new Map<string, NotifyResult[]>();
  readonly clock: FakeClock;
  constructor(clock: FakeClock) {
    this.clock = clock;
  }
  async send(n: Notification): Promise<NotifyResult> {
    const result = this.scripts.get(n.data.groupKey)?.shift() ?? OK;
    this.sends.push({ key: n.data.groupKey, at: this.clock.now(), attempts: n.attempts, kind: result.kind });
    return result;
  }
  /** keys of every send, in order (whatever its answer). */
  delivered(): string[] {
    return this.sends.map((s) => s.key);
  }
}

function request(key: string, receiver = 'team', integration = 'webhook/0'): NotificationRequest {
  return {
    receiver,
    integration,
    data: {
      receiver,
      status: 'firing',
      alerts: [{ status: 'firing', labels: { alertname: 'A' }, annotations: {}, startsAt: T0, endsAt: 0, generatorURL: '', fingerprint: 'f' }],
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://runwarden',
      groupKey: key,
      truncatedAlerts: 0,
    },
  };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
};

let dir: string;
let db: DatabaseSync;
let clock: FakeClock;
let timers: FakeTimers;
let notifier: ScriptedNotifier;
const outboxes: Outbox[] = [];

function outbox(over: Partial<OutboxOptions> = {}): Outbox {
  const o = new Outbox(db, {
    clock: clock.now,
    settings: SETTINGS,
    notifierFor: (_r, integration) => (integration.startsWith('webhook/') ? notifier : undefined),
    logger: pino({ level: 'silent' }),
    random: () => 0.5,
    setTimer: timers.set,
    clearTimer: timers.clear,
    ...over,
  });
  outboxes.push(o);
  return o;
}

/** runUntilIdle fires timers in time order, settling after each, until none is due before `limitMs` from now. */
async function advance(ms: number): Promise<void> {
  const until = clock.now() + ms;
  await settle();
  for (;;) {
    const due = timers.nextDue();
    if (due === undefined || due > until) break;
    clock.set(Math.max(clock.now(), due));
    for (const [id, t] of [...timers.pending]) {
      if (t.at <= clock.now()) {
        timers.pending.delete(id);
        t.fn();
      }
    }
    await settle();
  }
  clock.set(until);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runwarden-outbox-'));
  db = openDatabase(dir);
  clock = createFakeClock();
  timers = new FakeTimers(clock);
  notifier = new ScriptedNotifier(clock);
});

afterEach(async () => {
  for (const o of outboxes.splice(0)) await o.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Outbox delivery', () => {
  it('delivers every notification of a lane in enqueue order, across calls', async () => {
    const o = outbox();
    o.start();
    const ids = [...o.enqueue([request('a'), request('b')]), ...o.enqueue([request('c')])];
    expect(ids).toEqual([1, 2, 3]);
    expect(notifier.sends).toEqual([]); // nothing is sent inside enqueue
    await advance(0);
    expect(notifier.delivered()).toEqual(['a', 'b', 'c']);
    expect(o.depth()).toBe(0);
    expect(o.list({ state: 'sent', limit: 10 }).map((n) => [n.id, n.attempts])).toEqual([[3, 1], [2, 1], [1, 1]]);
  });

  it('runs the caller\'s writes in the same transaction, and writes nothing when they throw', () => {
    const o = outbox();
    db.exec('CREATE TABLE side (x INTEGER)');
    o.enqueue([request('a')], () => db.prepare('INSERT INTO side VALUES (1)').run());
    expect(() =>
      o.enqueue([request('b')], () => {
        db.prepare('INSERT INTO side VALUES (2)').run();
        throw new Error('log write failed');
      }),
    ).toThrow('log write failed');
    expect(db.prepare('SELECT x FROM side').all()).toEqual([{ x: 1 }]);
    expect(o.list({ state: 'pending', limit: 10 }).map((n) => n.groupKey)).toEqual(['a']);
  });

  it('inside a transaction someone else holds open, commits or rolls back with it', () => {
    const o = outbox();
    db.exec('BEGIN');
    o.enqueue([request('kept')]);
    db.exec('COMMIT');
    db.exec('BEGIN');
    o.enqueue([request('dropped')]);
    db.exec('ROLLBACK');
    expect(o.list({ limit: 10 }).map((n) => n.groupKey)).toEqual(['kept']);
  });

  it('counts a rolled-back nested enqueue in its depth only until the lane looks', async () => {
    const o = outbox();
    o.start();
    db.exec('BEGIN');
    o.enqueue([request('dropped')]);
    db.exec('ROLLBACK');
    expect(o.depth()).toBe(1);
    await advance(0);
    expect(o.depth()).toBe(0);
    expect(notifier.sends).toEqual([]);
  });

  it('holds the lane on a retryable failure and backs off exponentially, keeping order', async () => {
    notifier.scripts.set('a', [E500, E500, E500]);
    const o = outbox();
    o.start();
    o.enqueue([request('a'), request('b')]);
    await advance(0);
    expect(notifier.delivered()).toEqual(['a']);
    // random() = 0.5: half of 1 s, 2 s, 4 s.
    await advance(499);
    expect(notifier.sends).toHaveLength(1);
    await advance(1);
    expect(notifier.sends).toHaveLength(2);
    await advance(1_000);
    expect(notifier.sends).toHaveLength(3);
    await advance(2_000);
    expect(notifier.delivered()).toEqual(['a', 'a', 'a', 'a', 'b']);
    expect(notifier.sends.map((s) => s.at - T0)).toEqual([0, 500, 1_500, 3_500, 3_500]);
    expect(notifier.sends.map((s) => s.attempts)).toEqual([0, 1, 2, 3, 0]);
    expect(o.get(1)).toMatchObject({ state: 'sent', attempts: 4, lastError: 'serverError 500: HTTP 500' });
  });

  it('keeps other lanes going while one is blocked', async () => {
    notifier.scripts.set('a', [E500]);
    const o = outbox();
    o.start();
    o.enqueue([request('a', 'team', 'webhook/0'), request('b', 'team', 'webhook/1'), request('c', 'other', 'webhook/0')]);
    await advance(0);
    expect(notifier.delivered()).toEqual(['a', 'b', 'c']);
    expect(o.depth()).toBe(1);
  });

  it('waits at least the Retry-After a 429 asks for', async () => {
    notifier.scripts.set('a', [e429(60_000)]);
    const o = outbox();
    o.start();
    o.enqueue([request('a')]);
    await advance(59_999);
    expect(notifier.sends).toHaveLength(1);
    await advance(1);
    expect(notifier.sends.map((s) => s.at - T0)).toEqual([0, 60_000]);
  });

  it('makes a dead letter of a 429 whose Retry-After ends past the deadline, instead of holding the lane', async () => {
    notifier.scripts.set('a', [e429(10 * 24 * 3_600_000)]);
    const o = outbox();
    o.start();
    o.enqueue([request('a'), request('b')]);
    await advance(0);
    expect(notifier.delivered()).toEqual(['a', 'b']);
    expect(o.get(1)).toMatchObject({ state: 'dead', lastError: 'the receiver asks to wait 864000 s, beyond the deadline; last error: rateLimited 429: HTTP 429' });
  });

  it.each([
    ['a 4xx', [E400], 'clientError 400: HTTP 400: invalid_payload', 1],
    ['the deadline', Array.from({ length: 100 }, () => E500), 'deadline passed after', 0],
  ])('makes a dead letter on %s and moves the lane on', async (_name, script, error, attempts) => {
    notifier.scripts.set('a', [...script]);
    const o = outbox({ settings: { ...SETTINGS, deadlineMs: 60_000, circuitFailures: 1_000 } });
    o.start();
    o.enqueue([request('a'), request('b')]);
    await advance(120_000);
    expect(notifier.delivered().at(-1)).toBe('b');
    const dead = o.list({ state: 'dead', limit: 10 });
    expect(dead.map((n) => n.groupKey)).toEqual(['a']);
    expect(dead[0]?.lastError).toContain(error);
    if (attempts > 0) expect(dead[0]?.attempts).toBe(attempts);
    // The last attempt is at the deadline, not after it.
    expect(Math.max(...notifier.sends.filter((s) => s.key === 'a').map((s) => s.at - T0))).toBeLessThanOrEqual(60_000);
    expect(o.laneStats()).toEqual([{ receiver: 'team', integration: 'webhook/0', depth: 0, dead: 1, circuit: 0 }]);
  });

  it('makes a dead letter of a notification whose integration is no longer configured', async () => {
    const o = outbox();
    o.start();
    o.enqueue([request('a', 'team', 'slack/3')]);
    await advance(0);
    expect(o.get(1)).toMatchObject({ state: 'dead', lastError: 'receiver "team" has no integration "slack/3" in the current configuration' });
  });

  it('sends a dead letter again on retry, with a fresh deadline, and refuses to retry anything else', async () => {
    notifier.scripts.set('a', [E400]);
    const o = outbox();
    o.start();
    o.enqueue([request('a'), request('b')]);
    await advance(0);
    expect(() => o.retry(2)).toThrow(expect.objectContaining({ code: 'RUNWARDEN_ERR_CONFLICT', statusCode: 409 }));
    expect(() => o.retry(99)).toThrow(expect.objectContaining({ code: 'RUNWARDEN_ERR_NOT_FOUND', statusCode: 404 }));
    clock.advance(7_200_000);
    const revived = o.retry(1);
    expect(revived).toMatchObject({ id: 1, state: 'pending', attempts: 0, deadlineAt: new Date(clock.now() + 3_600_000).toISOString() });
    await advance(0);
    expect(notifier.delivered()).toEqual(['a', 'b', 'a']);
    expect(o.get(1)?.state).toBe('sent');
    expect(o.laneStats()[0]).toMatchObject({ depth: 0, dead: 0 });
  });
});

describe('Outbox circuit breaker', () => {
  it('stops calling a dead endpoint once open, probes it after the reset, and closes on success', async () => {
    notifier.scripts.set('a', [E500, E500, E500, E500]);
    const o = outbox({ settings: { ...SETTINGS, circuitFailures: 3, circuitResetMs: 30_000, initialBackoffMs: 100, maxBackoffMs: 100 } });
    o.start();
    o.enqueue([request('a'), request('b')]);
    await advance(1_000);
    // Three quick failures open the circuit: no fourth call for 30 s.
    expect(notifier.sends).toHaveLength(3);
    expect(o.laneStats()[0]?.circuit).toBe(2);
    await advance(28_000);
    expect(notifier.sends).toHaveLength(3);
    // The half-open probe fails: open again for another 30 s.
    await advance(2_000);
    expect(notifier.sends).toHaveLength(4);
    expect(o.laneStats()[0]?.circuit).toBe(2);
    await advance(29_000);
    expect(notifier.sends).toHaveLength(4);
    await advance(2_000);
    expect(notifier.delivered()).toEqual(['a', 'a', 'a', 'a', 'a', 'b']);
    expect(o.laneStats()[0]?.circuit).toBe(0);
  });
});

describe('Outbox recovery', () => {
  it('sends the pending rows of a previous process after a restart, in order, once', async () => {
    const first = outbox();
    first.enqueue([request('a'), request('b'), request('c')]);
    await first.stop();
    db.close();
    db = openDatabase(dir);
    const second = outbox();
    expect(notifier.sends).toEqual([]);
    second.start();
    expect(second.depth()).toBe(3);
    await advance(0);
    expect(notifier.delivered()).toEqual(['a', 'b', 'c']);
  });

  it('keeps a backed-off row\'s schedule and attempt count across a restart', async () => {
    notifier.scripts.set('a', [E500]);
    const first = outbox();
    first.start();
    first.enqueue([request('a')]);
    await advance(0);
    await first.stop();
    const second = outbox();
    second.start();
    await advance(499);
    expect(notifier.sends).toHaveLength(1);
    await advance(1);
    expect(notifier.sends.map((s) => s.attempts)).toEqual([0, 1]);
  });

  it('leaves an attempt cut short by stop() pending, and counts it nowhere', async () => {
    let release: (() => void) | undefined;
    const hanging: Notifier = {
      kind: 'webhook',
      send: (_n, signal) =>
        new Promise((resolve) => {
          release = () => resolve(OK);
          signal.addEventListener('abort', () => resolve({ kind: 'retryable', reason: 'timeout', message: 'aborted' }));
        }),
    };
    const o = outbox({ notifierFor: () => hanging, stopTimeoutMs: 10 });
    o.start();
    o.enqueue([request('a')]);
    await settle();
    expect(release).toBeDefined();
    await o.stop();
    expect(o.get(1)).toMatchObject({ state: 'pending', attempts: 0, lastError: null });
  });
});

describe('Outbox stop', () => {
  it('returns even when a notifier ignores the abort, leaving the row pending', async () => {
    const deaf: Notifier = { kind: 'webhook', send: () => new Promise<NotifyResult>(() => {}) };
    const o = outbox({ notifierFor: () => deaf, stopTimeoutMs: 10 });
    o.start();
    o.enqueue([request('a')]);
    await settle();
    await o.stop();
    expect(o.get(1)).toMatchObject({ state: 'pending', attempts: 0 });
  });
});

describe('Outbox sent rows', () => {
  it('prunes sent rows beyond the count bound, oldest first', async () => {
    const o = outbox({ sentRetentionCount: 10 });
    o.start();
    for (let i = 0; i < 200; i++) o.enqueue([request(`n${i}`)]);
    await advance(0);
    expect(notifier.sends).toHaveLength(200);
    const kept = (db.prepare(`SELECT count(*) AS n FROM outbox WHERE state = 'sent'`).get() as { n: number }).n;
    // Pruning runs every 64 deliveries: the table holds at most the bound plus one round's worth.
    expect(kept).toBeLessThanOrEqual(10 + 64);
    expect(o.list({ state: 'sent', limit: 1 })[0]?.groupKey).toBe('n199');
  });

  it('prunes sent rows older than the retention', async () => {
    const o = outbox({ sentRetentionMs: 60_000 });
    o.start();
    for (let i = 0; i < 10; i++) o.enqueue([request(`old${i}`)]);
    await advance(120_000);
    for (let i = 0; i < 64; i++) o.enqueue([request(`new${i}`)]);
    await advance(0);
    expect(o.list({ state: 'sent', limit: 1000 }).some((n) => n.groupKey?.startsWith('old') === true)).toBe(false);
    expect(o.list({ state: 'sent', limit: 1000 })).toHaveLength(64);
  });
});

describe('Outbox list', () => {
  it('pages newest first, filters by receiver, and never shows the integration configuration', async () => {
    const o = outbox();
    o.enqueue([request('a', 'r1'), request('b', 'r2'), request('c', 'r1')]);
    expect(o.list({ state: 'pending', limit: 2 }).map((n) => n.id)).toEqual([3, 2]);
    expect(o.list({ state: 'pending', limit: 2, before: 2 }).map((n) => n.id)).toEqual([1]);
    expect(o.list({ state: 'pending', receiver: 'r1', limit: 10 }).map((n) => n.id)).toEqual([3, 1]);
    expect(o.list({ state: 'pending', limit: 1 })[0]).toEqual({
      id: 3,
      receiver: 'r1',
      integration: 'webhook/0',
      state: 'pending',
      attempts: 0,
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
      nextAttemptAt: '2026-01-02T03:04:05.000Z',
      deadlineAt: '2026-01-02T04:04:05.000Z',
      lastError: null,
      status: 'firing',
      groupKey: 'c',
      alerts: 1,
    });
  });
});

describe('Outbox ordering under mixed failures (property)', () => {
  const answer = fc.oneof(
    fc.constant(E500),
    fc.constant(E400),
    fc.integer({ min: 1, max: 120_000 }).map(e429),
    fc.constant<NotifyResult>({ kind: 'retryable', reason: 'network', message: 'connection refused' }),
  );
  // Per lane, per notification: the answers before the first success (at most 3, so the deadline never passes).
  const lanes = fc.array(fc.array(fc.array(answer, { maxLength: 3 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 });

  it('delivers each lane in id order, once each, and dead-letters exactly the ones refused for good', async () => {
    await fc.assert(
      fc.asyncProperty(lanes, fc.double({ min: 0, max: 0.999, noNaN: true }), async (plan, r) => {
        const saved = db;
        db = new DatabaseSync(':memory:');
        for (const m of MIGRATIONS) db.exec(m.sql);
        notifier = new ScriptedNotifier(clock);
        try {
          const o = outbox({ random: () => r, settings: { ...SETTINGS, circuitFailures: 3 } });
          o.start();
          const expected = new Map<string, string[]>();
          const dead: string[] = [];
          plan.forEach((notifications, lane) => {
            notifications.forEach((script, i) => {
              const key = `${lane}:${i}`;
              notifier.scripts.set(key, [...script]);
              const refusedAt = script.findIndex((a) => a.kind === 'failure');
              if (refusedAt >= 0) dead.push(key);
              else expected.set(String(lane), [...(expected.get(String(lane)) ?? []), key]);
              o.enqueue([request(key, 'team', `webhook/${lane}`)]);
            });
          });
          await advance(2 * 3_600_000);
          const delivered = new Map<string, string[]>();
          const sent = o.list({ state: 'sent', limit: 1000 }).reverse();
          for (const n of sent) delivered.set(n.integration.slice('webhook/'.length), [...(delivered.get(n.integration.slice('webhook/'.length)) ?? []), n.groupKey ?? '']);
          expect(delivered).toEqual(expected);
          // Successful sends reach the notifier in id order per lane, each once.
          for (const [lane, keys] of expected) {
            const successes = notifier.sends.filter((s) => s.key.startsWith(`${lane}:`) && s.kind === 'success');
            expect(successes.map((s) => s.key)).toEqual(keys);
            // Head-of-line: no attempt at a notification before the one ahead of it is done.
            const order = notifier.sends.filter((s) => s.key.startsWith(`${lane}:`)).map((s) => Number(s.key.split(':')[1]));
            expect(order).toEqual([...order].sort((a, b) => a - b));
          }
          expect(o.list({ state: 'dead', limit: 1000 }).map((n) => n.groupKey).sort()).toEqual([...dead].sort());
          expect(o.depth()).toBe(0);
          await o.stop();
        } finally {
          db.close();
          db = saved;
        }
      }),
      { numRuns: 40 },
    );
  });
});
