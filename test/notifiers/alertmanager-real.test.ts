/**
 * The forwarder against a real Alertmanager (Debian's prometheus-alertmanager, clustering off):
 * forwarded alerts show in `GET /api/v2/alerts` with their labels and times, reach the webhook
 * receiver configured in that Alertmanager, stay active past their first `endsAt` while re-sent,
 * and resolve when the resolve is forwarded. Alertmanager's own webhook message is also the
 * reference for the webhook notifier's field order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertmanagerNotifier } from '../../src/notifiers/alertmanager/notifier.ts';
import type { NotifierTimers } from '../../src/notifiers/context.ts';
import { createNotifier } from '../../src/notifiers/index.ts';
import { buildWebhookPayload } from '../../src/notifiers/webhook/payload.ts';
import type { NotificationAlert } from '../../src/pipeline/types.ts';
import { requirePeer } from '../helpers/peers.ts';
import { startAlertmanager, type AlertmanagerProcess } from './alertmanager-process.ts';
import { RecordingLogger, notificationOf, sampleAlert, sampleData, startReceiver, type Receiver } from './helpers.ts';

const binary = requirePeer('alertmanager');

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  status: { state: string };
}

interface WebhookMessage {
  receiver: string;
  status: string;
  alerts: { status: string; labels: Record<string, string>; startsAt: string; endsAt: string }[];
}

const NO_TIMERS: NotifierTimers = { setInterval: () => 0, clearInterval: () => undefined };

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, am?: AlertmanagerProcess): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${am?.output() ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!binary)('Alertmanager forwarder against a real Alertmanager', () => {
  let am: AlertmanagerProcess;
  let hook: Receiver;

  beforeAll(async () => {
    hook = await startReceiver([{ status: 200 }]);
    am = await startAlertmanager(
      binary as string,
      [
        'route:',
        '  receiver: rw.hook',
        "  group_by: ['alertname', 'run_id']",
        '  group_wait: 0s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: rw.hook',
        '    webhook_configs:',
        `      - url: ${hook.url}/am-hook`,
        '        send_resolved: true',
        '',
      ].join('\n'),
    );
  }, 30_000);

  afterAll(async () => {
    await am?.stop();
    await hook?.close();
  });

  async function alertsIn(runId: string): Promise<GettableAlert[]> {
    const res = await fetch(`${am.url}/api/v2/alerts`);
    const all = (await res.json()) as GettableAlert[];
    return all.filter((a) => a.labels.run_id === runId);
  }

  function hookMessages(runId: string): WebhookMessage[] {
    return hook.received.map((r) => JSON.parse(r.body) as WebhookMessage).filter((m) => m.alerts.some((a) => a.labels.run_id === runId));
  }

  it('forwarded alerts appear with their labels and times, reach the webhook, and resolve', async () => {
    const startsAt = Date.now() - 120_000;
    const alert: NotificationAlert = sampleAlert({ labels: { alertname: 'PhaseTooSlow', severity: 'page', run_id: 'real-1' }, annotations: { summary: 'slow' }, startsAt, traceURL: undefined, timeline: undefined });
    let now = Date.now();
    const notifier = createNotifier(
      { kind: 'alertmanager', sendResolved: true, urls: [am.url], http: { timeoutMs: 5000 } },
      { definitions: [], logger: new RecordingLogger(), now: () => now, timers: NO_TIMERS },
    );

    const firing = sampleData({ alerts: [alert], groupKey: '{}:{alertname="PhaseTooSlow",run_id="real-1"}' });
    expect(await notifier.send(notificationOf(firing, 'alertmanager/0'), AbortSignal.timeout(10_000))).toEqual({ kind: 'success' });

    const [listed] = await eventually(async () => {
      const found = await alertsIn('real-1');
      return found.length > 0 ? found : undefined;
    }, 'the alert in GET /api/v2/alerts', am);
    expect(listed?.labels).toEqual({ alertname: 'PhaseTooSlow', severity: 'page', run_id: 'real-1' });
    expect(listed?.annotations).toEqual({ summary: 'slow' });
    expect(listed?.status.state).toBe('active');
    expect(Date.parse(listed?.startsAt ?? '')).toBe(startsAt);
    expect(Date.parse(listed?.endsAt ?? '')).toBe(now + 4 * 60_000);
    expect(listed?.generatorURL).toBe(alert.generatorURL);

    const firingMessage = await eventually(async () => hookMessages('real-1').find((m) => m.status === 'firing'), 'the firing webhook', am);
    expect(firingMessage.alerts.map((a) => [a.status, a.labels.run_id, Date.parse(a.startsAt)])).toEqual([['firing', 'real-1', startsAt]]);

    now = Date.now();
    const resolved = sampleData({ status: 'resolved', alerts: [{ ...alert, status: 'resolved', endsAt: now - 1000 }], groupKey: firing.groupKey });
    expect(await notifier.send(notificationOf(resolved, 'alertmanager/0'), AbortSignal.timeout(10_000))).toEqual({ kind: 'success' });

    await eventually(async () => ((await alertsIn('real-1')).length === 0 ? true : undefined), 'the alert to leave GET /api/v2/alerts', am);
    const resolvedMessage = await eventually(async () => hookMessages('real-1').find((m) => m.status === 'resolved'), 'the resolved webhook', am);
    expect(resolvedMessage.alerts.map((a) => [a.status, Date.parse(a.endsAt)])).toEqual([['resolved', now - 1000]]);
  }, 60_000);

  it('re-sends keep a live alert active past its first endsAt', async () => {
    const notifier = createNotifier(
      { kind: 'alertmanager', sendResolved: true, urls: [am.url], http: { timeoutMs: 5000 } },
      { definitions: [], logger: new RecordingLogger(), alertmanagerResendMs: 500 },
    ) as AlertmanagerNotifier;
    try {
      const alert = sampleAlert({ labels: { alertname: 'PhaseTooSlow', run_id: 'real-2' }, annotations: {}, startsAt: Date.now() - 1000, traceURL: undefined, timeline: undefined });
      const sentAt = Date.now();
      await notifier.send(notificationOf(sampleData({ alerts: [alert], groupKey: 'real-2' })), AbortSignal.timeout(10_000));
      const firstEnd = sentAt + 4 * 500;
      // Wait until Alertmanager's clock is past the first endsAt: without re-sends it would have resolved the alert.
      await eventually(async () => (Date.now() > firstEnd + 1000 ? true : undefined), 'time to pass');
      const [listed] = await alertsIn('real-2');
      expect(listed?.status.state).toBe('active');
      expect(Date.parse(listed?.endsAt ?? '')).toBeGreaterThan(firstEnd);
    } finally {
      notifier.close();
    }
  }, 30_000);

  it("the webhook notifier's message has Alertmanager's own fields in Alertmanager's order", () => {
    const reference = hook.received.find((r) => r.path === '/am-hook');
    expect(reference).toBeDefined();
    const theirs = JSON.parse(reference?.body ?? '{}') as Record<string, unknown> & { alerts: Record<string, unknown>[]; receiver: string };
    const ours = JSON.parse(buildWebhookPayload(sampleData({ receiver: 'rw.hook' }), 0)) as Record<string, unknown> & { alerts: Record<string, unknown>[]; receiver: string };
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    expect(Object.keys(ours.alerts[0] ?? {})).toEqual(Object.keys(theirs.alerts[0] ?? {}));
    expect(ours.receiver).toBe(theirs.receiver);
    expect(reference?.body.endsWith('}\n')).toBe(true);
  });
});
