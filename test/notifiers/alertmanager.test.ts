import { afterEach, describe, expect, it } from 'vitest';
import { AlertmanagerNotifier, worstResult } from '../../src/notifiers/alertmanager/notifier.ts';
import { buildPostableAlerts, postableEndsAt } from '../../src/notifiers/alertmanager/payload.ts';
import type { NotifierTimers } from '../../src/notifiers/context.ts';
import { closeNotifier, createNotifier } from '../../src/notifiers/index.ts';
import type { AlertmanagerIntegration, NotifyResult } from '../../src/pipeline/types.ts';
import { RecordingLogger, T0, fixture, freePort, notificationOf, sampleAlert, sampleData, startReceiver, type Receiver } from './helpers.ts';

/** ManualTimers runs the interval only when told to. */
class ManualTimers implements NotifierTimers {
  fns = new Map<number, () => void>();
  #next = 1;
  setInterval(fn: () => void): unknown {
    const id = this.#next++;
    this.fns.set(id, fn);
    return id;
  }
  clearInterval(handle: unknown): void {
    this.fns.delete(handle as number);
  }
  fire(): void {
    for (const fn of this.fns.values()) fn();
  }
}

function amConfig(urls: string[]): AlertmanagerIntegration {
  return { kind: 'alertmanager', sendResolved: true, urls, http: { timeoutMs: 2000 } };
}

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers.length = 0;
});

async function receiver(answers: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(answers);
  receivers.push(r);
  return r;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('Alertmanager forwarder', () => {
  it('posts postable alerts byte for byte to /api/v2/alerts of every URL', async () => {
    const a = await receiver([{ status: 200 }]);
    const b = await receiver([{ status: 200 }]);
    const notifier = createNotifier(amConfig([a.url, `${b.url}/prefix/`]), { definitions: [], logger: new RecordingLogger(), now: () => T0, timers: new ManualTimers() });
    expect(await notifier.send(notificationOf(sampleData(), 'alertmanager/0'), AbortSignal.timeout(10_000))).toEqual({ kind: 'success' });
    expect(a.received.map((r) => [r.method, r.path, r.body])).toEqual([['POST', '/api/v2/alerts', fixture('alertmanager-alerts.json')]]);
    expect(b.received.map((r) => r.path)).toEqual(['/prefix/api/v2/alerts']);
  });

  const endsAt: { name: string; alert: ReturnType<typeof sampleAlert>; want: number }[] = [
    { name: 'firing without an end: valid for 4 resend delays', alert: sampleAlert(), want: T0 + 240_000 },
    { name: 'firing with a later end: that end', alert: sampleAlert({ endsAt: T0 + 3_600_000 }), want: T0 + 3_600_000 },
    { name: 'firing with a past end: the validity', alert: sampleAlert({ endsAt: T0 - 1 }), want: T0 + 240_000 },
    { name: 'resolved: its real end', alert: sampleAlert({ status: 'resolved', endsAt: T0 - 5000 }), want: T0 - 5000 },
    { name: 'resolved without an end: now', alert: sampleAlert({ status: 'resolved', endsAt: 0 }), want: T0 },
  ];
  it.each(endsAt)('endsAt, $name', ({ alert, want }) => {
    expect(postableEndsAt(alert, T0, 60_000)).toBe(want);
  });

  it('all Alertmanagers must accept: the worst answer decides, naming which one', async () => {
    const ok = await receiver([{ status: 200 }]);
    const busy = await receiver([{ status: 503, headers: { 'retry-after': '7' } }]);
    const port = await freePort();
    const notifier = createNotifier(amConfig([ok.url, busy.url, `http://127.0.0.1:${port}`]), { definitions: [], logger: new RecordingLogger(), now: () => T0, timers: new ManualTimers() });
    expect(await notifier.send(notificationOf(sampleData()), AbortSignal.timeout(10_000))).toEqual({
      kind: 'retryable',
      reason: 'serverError',
      status: 503,
      retryAfterMs: 7000,
      message: 'alertmanager 2: Alertmanager answered 503; alertmanager 3: connection refused (ECONNREFUSED)',
    });
  });

  const worst: { name: string; results: NotifyResult[]; want: NotifyResult['kind'] }[] = [
    { name: 'all success', results: [{ kind: 'success' }, { kind: 'success' }], want: 'success' },
    { name: 'one retryable', results: [{ kind: 'success' }, { kind: 'retryable', reason: 'network', message: 'x' }], want: 'retryable' },
    { name: 'a final failure beats a retryable', results: [{ kind: 'retryable', reason: 'network', message: 'x' }, { kind: 'failure', reason: 'clientError', message: 'y', status: 400 }], want: 'failure' },
  ];
  it.each(worst)('worstResult: $name', ({ results, want }) => {
    expect(worstResult(results).kind).toBe(want);
  });

  it('re-sends the firing alerts every resend delay with a fresh endsAt, and stops after the resolve', async () => {
    const am = await receiver([{ status: 200 }]);
    const timers = new ManualTimers();
    let now = T0;
    const notifier = createNotifier(amConfig([am.url]), { definitions: [], logger: new RecordingLogger(), now: () => now, timers, alertmanagerResendMs: 60_000 }) as AlertmanagerNotifier;
    const firing = sampleData({ alerts: [sampleAlert()] });
    await notifier.send(notificationOf(firing), AbortSignal.timeout(10_000));
    expect(notifier.liveAlerts()).toBe(1);

    now = T0 + 60_000;
    timers.fire();
    await until(() => am.received.length === 2);
    const resent = JSON.parse(am.received[1]?.body ?? '[]') as { labels: Record<string, string>; endsAt: string }[];
    expect(resent.map((a) => [a.labels.run_id, a.endsAt])).toEqual([['run-42', '2026-11-23T14:10:06.78Z']]);

    now = T0 + 90_000;
    const resolved = sampleData({ status: 'resolved', alerts: [sampleAlert({ status: 'resolved', endsAt: T0 + 89_000 })] });
    await notifier.send(notificationOf(resolved), AbortSignal.timeout(10_000));
    expect(notifier.liveAlerts()).toBe(0);
    expect(timers.fns.size).toBe(0);
    const last = JSON.parse(am.received.at(-1)?.body ?? '[]') as { endsAt: string }[];
    expect(last.map((a) => a.endsAt)).toEqual(['2026-11-23T14:06:35.78Z']);
  });

  it('a re-send never lands after the resolve that followed it', async () => {
    const am = await receiver([{ status: 200 }]);
    const timers = new ManualTimers();
    const notifier = createNotifier(amConfig([am.url]), { definitions: [], logger: new RecordingLogger(), now: () => T0, timers }) as AlertmanagerNotifier;
    await notifier.send(notificationOf(sampleData({ alerts: [sampleAlert()] })), AbortSignal.timeout(10_000));
    timers.fire();
    const resolved = sampleData({ status: 'resolved', alerts: [sampleAlert({ status: 'resolved', endsAt: T0 })] });
    await notifier.send(notificationOf(resolved), AbortSignal.timeout(10_000));
    await until(() => am.received.length >= 2);
    const lastBody = JSON.parse(am.received.at(-1)?.body ?? '[]') as { endsAt: string }[];
    expect(lastBody.map((a) => a.endsAt)).toEqual(['2026-11-23T14:05:06.78Z']);
  });

  it('close stops the re-sends', async () => {
    const am = await receiver([{ status: 200 }]);
    const timers = new ManualTimers();
    const notifier = createNotifier(amConfig([am.url]), { definitions: [], logger: new RecordingLogger(), now: () => T0, timers }) as AlertmanagerNotifier;
    await notifier.send(notificationOf(sampleData({ alerts: [sampleAlert()] })), AbortSignal.timeout(10_000));
    notifier.close();
    expect(timers.fns.size).toBe(0);
    expect(await notifier.resendNow()).toEqual({ kind: 'success' });
    expect(am.received.length).toBe(1);
  });

  it('a reload hands the live alerts to the new forwarder, so the re-sends go on', async () => {
    const am = await receiver([{ status: 200 }]);
    const oldTimers = new ManualTimers();
    const newTimers = new ManualTimers();
    const ctx = { definitions: [], logger: new RecordingLogger(), now: () => T0 };
    const old = createNotifier(amConfig([am.url]), { ...ctx, timers: oldTimers }) as AlertmanagerNotifier;
    await old.send(notificationOf(sampleData({ alerts: [sampleAlert()], groupKey: 'g1' })), AbortSignal.timeout(10_000));
    const replacement = createNotifier(amConfig([am.url]), { ...ctx, timers: newTimers }) as AlertmanagerNotifier;
    closeNotifier(old);
    expect(oldTimers.fns.size).toBe(0);
    expect(replacement.liveAlerts()).toBe(1);
    expect(newTimers.fns.size).toBe(1);
    newTimers.fire();
    await until(() => am.received.length === 2);
    expect((JSON.parse(am.received[1]?.body ?? '[]') as { labels: { run_id: string } }[]).map((a) => a.labels.run_id)).toEqual(['run-42']);

    // A resolve still going out through the replaced forwarder ends the new one's re-sends too.
    const resolved = sampleData({ status: 'resolved', alerts: [sampleAlert({ status: 'resolved', endsAt: T0 })], groupKey: 'g1' });
    expect(await old.send(notificationOf(resolved), AbortSignal.timeout(10_000))).toEqual({ kind: 'success' });
    expect(replacement.liveAlerts()).toBe(0);
    expect(newTimers.fns.size).toBe(0);
    closeNotifier(replacement);
  });

  it('with a durable state, the live alerts survive a restart and their re-sends go on at once', async () => {
    const am = await receiver([{ status: 200 }]);
    const saved = new Map<string, unknown>();
    // JSON through and through, as the store's meta table keeps it.
    const state = { get: (k: string) => (saved.has(k) ? JSON.parse(JSON.stringify(saved.get(k))) : undefined), set: (k: string, v: unknown) => saved.set(k, JSON.parse(JSON.stringify(v))) };
    const ctx = { definitions: [], logger: new RecordingLogger(), now: () => T0, state };
    const first = createNotifier(amConfig([am.url]), { ...ctx, timers: new ManualTimers() }) as AlertmanagerNotifier;
    await first.send(notificationOf(sampleData({ alerts: [sampleAlert()], groupKey: 'g1' })), AbortSignal.timeout(10_000));
    closeNotifier(first); // the process stops

    const timers = new ManualTimers();
    const second = createNotifier(amConfig([am.url]), { ...ctx, timers }) as AlertmanagerNotifier;
    expect(second.liveAlerts()).toBe(1);
    expect(timers.fns.size).toBe(1);
    timers.fire();
    await until(() => am.received.length === 2);
    expect((JSON.parse(am.received[1]?.body ?? '[]') as { labels: { run_id: string } }[]).map((a) => a.labels.run_id)).toEqual(['run-42']);

    // The resolve ends them, durably: a third life re-sends nothing.
    await second.send(notificationOf(sampleData({ status: 'resolved', alerts: [sampleAlert({ status: 'resolved', endsAt: T0 })], groupKey: 'g1' })), AbortSignal.timeout(10_000));
    closeNotifier(second);
    const third = createNotifier(amConfig([am.url]), { ...ctx, timers: new ManualTimers() }) as AlertmanagerNotifier;
    expect(third.liveAlerts()).toBe(0);
    closeNotifier(third);
  });

  it.each([
    ['a saved state that does not parse', () => { throw new SyntaxError('Unexpected token'); }, 0],
    ['saved alerts of another shape are skipped, good ones kept', () => [['bad', [{ labels: null }]], ['times', [{ ...sampleAlert(), startsAt: 'yesterday' }]], ['good', [sampleAlert()]], 'junk'], 1],
    ['a saved value that is no list', () => ({ g: 1 }), 0],
  ])('restoring %s neither throws nor re-sends garbage', async (_name, get, live) => {
    const am = await receiver([{ status: 200 }]);
    const timers = new ManualTimers();
    const logger = new RecordingLogger();
    const n = createNotifier(amConfig([am.url]), { definitions: [], logger, now: () => T0, timers, state: { get, set: () => undefined } }) as AlertmanagerNotifier;
    expect(n.liveAlerts()).toBe(live);
    timers.fire();
    if (live > 0) await until(() => am.received.length === 1);
    expect(am.received.map((r) => (JSON.parse(r.body) as unknown[]).length)).toEqual(live > 0 ? [live] : []);
    closeNotifier(n);
  });

  it('a re-send that throws is logged, not left as an unhandled rejection', async () => {
    const am = await receiver([{ status: 200 }]);
    const timers = new ManualTimers();
    const logger = new RecordingLogger();
    let broken = false;
    const now = () => {
      if (broken) throw new RangeError('clock broke');
      return T0;
    };
    const n = createNotifier(amConfig([am.url]), { definitions: [], logger, now, timers }) as AlertmanagerNotifier;
    await n.send(notificationOf(sampleData({ alerts: [sampleAlert()], groupKey: 'g1' })), AbortSignal.timeout(10_000));
    broken = true;
    timers.fire();
    await until(() => logger.lines.some((l) => l.includes('threw')));
    expect(logger.lines.filter((l) => l.includes('threw'))).toEqual([expect.stringContaining('"err":"RangeError"')]);
    closeNotifier(n);
  });

  it('the newest word on a group wins among forwarders to the same Alertmanagers', async () => {
    const am = await receiver([{ status: 200 }]);
    const ctx = { definitions: [], logger: new RecordingLogger(), now: () => T0, timers: new ManualTimers() };
    const a = createNotifier(amConfig([am.url]), ctx) as AlertmanagerNotifier;
    const b = createNotifier(amConfig([am.url]), ctx) as AlertmanagerNotifier;
    await a.send(notificationOf(sampleData({ alerts: [sampleAlert()], groupKey: 'g' })), AbortSignal.timeout(10_000));
    closeNotifier(a);
    expect(b.liveAlerts()).toBe(1);
    const c = createNotifier(amConfig([am.url]), ctx) as AlertmanagerNotifier;
    await c.send(notificationOf(sampleData({ status: 'resolved', alerts: [sampleAlert({ status: 'resolved', endsAt: T0 })], groupKey: 'g' })), AbortSignal.timeout(10_000));
    expect(b.liveAlerts()).toBe(0);
    expect(c.liveAlerts()).toBe(0);
    closeNotifier(b);
    closeNotifier(c);
  });

  it('body of postable alerts for the fixture data', () => {
    expect(buildPostableAlerts(sampleData().alerts, T0, 60_000)).toBe(fixture('alertmanager-alerts.json'));
  });
});
