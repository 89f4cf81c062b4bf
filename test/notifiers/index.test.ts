import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AlertmanagerNotifier, PagerDutyNotifier, SlackNotifier, WebhookNotifier, closeNotifier, createNotifier, runwardenVersion } from '../../src/notifiers/index.ts';
import type { NotifierTimers } from '../../src/notifiers/context.ts';
import { Secret, type Integration } from '../../src/pipeline/types.ts';
import { RecordingLogger } from './helpers.ts';

const http = { timeoutMs: 1000 };
const integrations: { integration: Integration; want: unknown }[] = [
  {
    integration: { kind: 'slack', sendResolved: true, apiUrl: new Secret('https://hooks.slack.com/services/T/B/SLACKSECRET'), title: '', titleLink: '', text: '', color: '', fallback: '', http },
    want: SlackNotifier,
  },
  {
    integration: { kind: 'pagerduty', sendResolved: true, routingKey: new Secret('PDSECRETPDSECRETPDSECRETPDSECRET'), url: 'https://events.pagerduty.com/v2/enqueue', client: '', clientUrl: '', description: '', severity: 'error', details: {}, http },
    want: PagerDutyNotifier,
  },
  { integration: { kind: 'webhook', sendResolved: true, url: new Secret('https://hooks.example/HOOKSECRET'), maxAlerts: 0, http }, want: WebhookNotifier },
  { integration: { kind: 'alertmanager', sendResolved: true, urls: ['http://am:9093'], http }, want: AlertmanagerNotifier },
];

describe('createNotifier', () => {
  it.each(integrations)('$integration.kind', ({ integration, want }) => {
    const notifier = createNotifier(integration, { definitions: [], logger: new RecordingLogger() });
    expect(notifier).toBeInstanceOf(want);
    expect(notifier.kind).toBe(integration.kind);
    // A notifier in a log line or an error must not show its secrets.
    expect(`${inspect(notifier, { depth: 10 })} ${JSON.stringify(notifier)}`).not.toMatch(/SECRET/);
  });

  it('closeNotifier stops the Alertmanager re-sends', async () => {
    const active = new Set<unknown>();
    let next = 0;
    const timers: NotifierTimers = {
      setInterval: () => {
        const id = ++next;
        active.add(id);
        return id;
      },
      clearInterval: (id) => void active.delete(id),
    };
    const notifier = createNotifier({ kind: 'alertmanager', sendResolved: true, urls: [], http }, { definitions: [], logger: new RecordingLogger(), timers });
    const data = { receiver: 'r', status: 'firing' as const, alerts: [{ status: 'firing' as const, labels: { alertname: 'A' }, annotations: {}, startsAt: 1, endsAt: 0, generatorURL: '', fingerprint: 'f' }], groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', groupKey: 'g', truncatedAlerts: 0 };
    await notifier.send({ id: 1, createdAt: 0, attempts: 0, receiver: 'r', integration: 'alertmanager/0', data }, AbortSignal.timeout(1000));
    expect(active.size).toBe(1);
    closeNotifier(notifier);
    expect(active.size).toBe(0);
  });

  it("User-Agent's default version is package.json's", () => {
    expect(runwardenVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
