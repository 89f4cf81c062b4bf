import { afterEach, describe, expect, it } from 'vitest';
import { goTime } from '../../src/notifiers/go-json.ts';
import { createNotifier } from '../../src/notifiers/index.ts';
import { buildWebhookPayload } from '../../src/notifiers/webhook/payload.ts';
import { Secret, type NotifyResult, type WebhookIntegration } from '../../src/pipeline/types.ts';
import { RecordingLogger, T0, fixture, notificationOf, sampleAlert, sampleData, startReceiver, type Answer, type Receiver } from './helpers.ts';

function webhookConfig(url: string, over: Partial<WebhookIntegration> = {}): WebhookIntegration {
  return { kind: 'webhook', sendResolved: true, url: new Secret(url), maxAlerts: 0, http: { timeoutMs: 2000, bearerToken: new Secret('hook-bearer-token') }, ...over };
}

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function sendTo(answers: Answer[]): Promise<NotifyResult> {
  receiver = await startReceiver(answers);
  const notifier = createNotifier(webhookConfig(`${receiver.url}/hooks/abcdef123456`), { definitions: [], logger: new RecordingLogger(), version: '1.2.3', now: () => T0 });
  return notifier.send(notificationOf(sampleData(), 'webhook/0'), AbortSignal.timeout(10_000));
}

describe('webhook notifier', () => {
  it("posts Alertmanager's version 4 payload byte for byte, with the bearer token", async () => {
    expect(await sendTo([{ status: 200 }])).toEqual({ kind: 'success' });
    const [req] = receiver?.received ?? [];
    expect(req?.path).toBe('/hooks/abcdef123456');
    expect(req?.headers.authorization).toBe('Bearer hook-bearer-token');
    expect(req?.body).toBe(fixture('webhook.json'));
  });

  const answers: { answer: Answer; want: NotifyResult['kind'] }[] = [
    { answer: { status: 204 }, want: 'success' },
    { answer: { status: 400 }, want: 'failure' },
    { answer: { status: 429, headers: { 'retry-after': '2' } }, want: 'retryable' },
    { answer: { status: 502 }, want: 'retryable' },
  ];
  it.each(answers)('status $answer.status → $want', async ({ answer, want }) => {
    const result = await sendTo([answer]);
    expect(result.kind).toBe(want);
    expect(JSON.stringify(result)).not.toContain('abcdef123456');
  });

  it('max_alerts keeps the first alerts and counts the rest in truncatedAlerts', () => {
    const alerts = [0, 1, 2, 3].map((i) => sampleAlert({ fingerprint: `f${i}` }));
    const body = JSON.parse(buildWebhookPayload(sampleData({ alerts }), 3)) as { alerts: { fingerprint: string }[]; truncatedAlerts: number };
    expect(body.alerts.map((a) => a.fingerprint)).toEqual(['f0', 'f1', 'f2']);
    expect(body.truncatedAlerts).toBe(1);
  });

  const times: { ms: number; want: string }[] = [
    { ms: 0, want: '0001-01-01T00:00:00Z' },
    { ms: Date.UTC(2026, 0, 2, 3, 4, 5, 0), want: '2026-01-02T03:04:05Z' },
    { ms: Date.UTC(2026, 0, 2, 3, 4, 5, 100), want: '2026-01-02T03:04:05.1Z' },
    { ms: Date.UTC(2026, 0, 2, 3, 4, 5, 120), want: '2026-01-02T03:04:05.12Z' },
    { ms: Date.UTC(2026, 0, 2, 3, 4, 5, 123), want: '2026-01-02T03:04:05.123Z' },
  ];
  it.each(times)('times as Go marshals them: $want', ({ ms, want }) => {
    expect(goTime(ms)).toBe(want);
  });

  it('escapes <, > and & as Go does and quotes the receiver name as a regexp', () => {
    const body = buildWebhookPayload(sampleData({ receiver: 'team.a+b', commonAnnotations: { note: '<b>x & y</b>' } }), 0);
    expect(body).toContain('"receiver":"team\\\\.a\\\\+b"');
    expect(body).toContain('"note":"\\u003cb\\u003ex \\u0026 y\\u003c/b\\u003e"');
    expect(body.endsWith('}\n')).toBe(true);
  });
});
