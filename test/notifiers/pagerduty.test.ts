import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notifiers/index.ts';
import { buildPagerDutyEvent, dedupKey } from '../../src/notifiers/pagerduty/payload.ts';
import { Secret, type NotifyResult, type PagerDutyIntegration } from '../../src/pipeline/types.ts';
import { pagerDutyEventProblems } from './documented-shapes.ts';
import { RecordingLogger, T0, fixture, notificationOf, sampleData, startReceiver, type Answer, type Receiver } from './helpers.ts';

const ROUTING_KEY = 'R0UT1NGKEY0000000000000000000000';

function pagerDutyConfig(url: string, over: Partial<PagerDutyIntegration> = {}): PagerDutyIntegration {
  return {
    kind: 'pagerduty',
    sendResolved: true,
    routingKey: new Secret(ROUTING_KEY),
    url,
    client: '{{ template "pagerduty.default.client" . }}',
    clientUrl: '{{ template "pagerduty.default.clientURL" . }}',
    description: '{{ template "pagerduty.default.description" . }}',
    severity: 'critical',
    details: {
      firing: '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
      resolved: '{{ template "pagerduty.default.instances" .Alerts.Resolved }}',
      num_firing: '{{ .Alerts.Firing | len }}',
      num_resolved: '{{ .Alerts.Resolved | len }}',
    },
    http: { timeoutMs: 2000 },
    ...over,
  };
}

const resolvedData = () => sampleData({ status: 'resolved', alerts: sampleData().alerts.slice(1) });

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function sendTo(answers: Answer[], data = sampleData(), over: Partial<PagerDutyIntegration> = {}): Promise<NotifyResult> {
  receiver = await startReceiver(answers);
  const notifier = createNotifier(pagerDutyConfig(`${receiver.url}/v2/enqueue`, over), { definitions: [], logger: new RecordingLogger(), version: '1.2.3', now: () => T0 });
  return notifier.send(notificationOf(data, 'pagerduty/0'), AbortSignal.timeout(10_000));
}

const ACCEPTED: Answer = {
  status: 202,
  headers: { 'content-type': 'application/json' },
  body: '{"status":"success","message":"Event processed","dedup_key":"5c130acd9464c9503a66b606a72f1494033e55b870efb98790f76b6eaa08fac8"}',
};

describe('PagerDuty notifier', () => {
  it('triggers with the exact Events API v2 event', async () => {
    expect(await sendTo([ACCEPTED])).toEqual({ kind: 'success' });
    const [req] = receiver?.received ?? [];
    expect(req?.path).toBe('/v2/enqueue');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.body).toBe(fixture('pagerduty-trigger.json'));
    expect(pagerDutyEventProblems(req?.body ?? '')).toEqual([]);
  });

  it('resolves with only routing_key, dedup_key and event_action, on the same dedup_key', async () => {
    expect(await sendTo([ACCEPTED], resolvedData())).toEqual({ kind: 'success' });
    expect(receiver?.received[0]?.body).toBe(fixture('pagerduty-resolve.json'));
    expect(pagerDutyEventProblems(receiver?.received[0]?.body ?? '')).toEqual([]);
    const trigger = JSON.parse(fixture('pagerduty-trigger.json')) as { dedup_key: string };
    const resolve = JSON.parse(fixture('pagerduty-resolve.json')) as { dedup_key: string };
    expect(resolve.dedup_key).toBe(trigger.dedup_key);
  });

  it('does not send a resolve without send_resolved', async () => {
    expect(await sendTo([ACCEPTED], resolvedData(), { sendResolved: false })).toEqual({ kind: 'success' });
    expect(receiver?.received).toEqual([]);
  });

  it('dedup_key is the SHA-256 of the group key, the same for every re-send of the group', () => {
    expect(dedupKey('{}:{alertname="PhaseTooSlow"}')).toBe('5c130acd9464c9503a66b606a72f1494033e55b870efb98790f76b6eaa08fac8');
    const a = buildPagerDutyEvent(pagerDutyConfig('x'), sampleData(), [], T0);
    const b = buildPagerDutyEvent(pagerDutyConfig('x'), sampleData({ alerts: sampleData().alerts.slice(0, 1) }), [], T0 + 3_600_000);
    expect(a.dedupKey).toBe(b.dedupKey);
    expect(buildPagerDutyEvent(pagerDutyConfig('x'), sampleData({ groupKey: '{}:{alertname="Other"}' }), [], T0).dedupKey).not.toBe(a.dedupKey);
  });

  const severities: { severity: string; want: string }[] = [
    { severity: 'critical', want: 'critical' },
    { severity: 'warning', want: 'warning' },
    { severity: '{{ .CommonLabels.severity }}', want: 'error' },
    { severity: '{{ if eq .CommonLabels.severity "page" }}critical{{ end }}', want: 'critical' },
    { severity: 'info', want: 'info' },
    { severity: '', want: 'error' },
  ];
  it.each(severities)('severity $severity → $want', ({ severity, want }) => {
    const event = JSON.parse(buildPagerDutyEvent(pagerDutyConfig('x', { severity }), sampleData(), [], T0).body) as { payload: { severity: string } };
    expect(event.payload.severity).toBe(want);
  });

  it('cuts the summary to 1024 characters', () => {
    const event = JSON.parse(buildPagerDutyEvent(pagerDutyConfig('x', { description: 'é'.repeat(2000) }), sampleData(), [], T0).body) as { payload: { summary: string } };
    expect([...event.payload.summary].length).toBe(1024);
    expect(event.payload.summary.endsWith('…')).toBe(true);
  });

  // PagerDuty's documented answers.
  const answers: { name: string; answer: Answer; want: NotifyResult }[] = [
    { name: '202 success', answer: ACCEPTED, want: { kind: 'success' } },
    {
      name: '400 invalid event is final, with PagerDuty\'s reasons',
      answer: { status: 400, headers: { 'content-type': 'application/json' }, body: '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect (should be 32 characters)"]}' },
      want: { kind: 'failure', reason: 'clientError', status: 400, message: "PagerDuty refused the event (400): Event object is invalid; Length of 'routing_key' is incorrect (should be 32 characters)" },
    },
    {
      name: '429 is retried',
      answer: { status: 429, headers: { 'content-type': 'application/json' }, body: '{"status":"throttle event","message":"Requests for this service are arriving too quickly.  Please retry later."}' },
      want: { kind: 'retryable', reason: 'rateLimited', status: 429, message: 'PagerDuty answered 429: {"status":"throttle event","message":"Requests for this service are arriving too quickly. Please retry later."}' },
    },
    { name: '500 is retried', answer: { status: 500, body: '' }, want: { kind: 'retryable', reason: 'serverError', status: 500, message: 'PagerDuty answered 500' } },
  ];
  it.each(answers)('$name', async ({ answer, want }) => {
    expect(await sendTo([answer])).toEqual(want);
  });

  it('never puts the routing key in a message, even when PagerDuty echoes it', async () => {
    const result = await sendTo([{ status: 400, body: `{"status":"invalid event","message":"Event object is invalid","errors":["unknown routing_key ${ROUTING_KEY}"]}` }]);
    expect(result.kind).toBe('failure');
    expect(JSON.stringify(result)).not.toContain(ROUTING_KEY);
    expect(JSON.stringify(result)).toContain('unknown routing_key <secret>');
  });
});
