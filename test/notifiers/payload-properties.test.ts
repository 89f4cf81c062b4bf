/**
 * Whatever the alerts say (any labels, long or non-ASCII annotations, many alerts, templates
 * that fail), the messages built keep the receivers' documented shapes and limits, and the
 * webhook and Alertmanager bodies carry the alerts unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPostableAlerts } from '../../src/notifiers/alertmanager/payload.ts';
import { buildPagerDutyEvent } from '../../src/notifiers/pagerduty/payload.ts';
import { buildSlackPayload } from '../../src/notifiers/slack/payload.ts';
import { buildWebhookPayload } from '../../src/notifiers/webhook/payload.ts';
import { Secret, type NotificationAlert, type NotificationData, type PagerDutyIntegration, type SlackIntegration } from '../../src/pipeline/types.ts';
import { pagerDutyEventProblems, slackMessageProblems } from './documented-shapes.ts';
import { T0 } from './helpers.ts';

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 400 }), fc.string({ minLength: 2000, maxLength: 4000 }));
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/);
const labels = fc.dictionary(labelName, text, { maxKeys: 6 });

const alertArb: fc.Arbitrary<NotificationAlert> = fc.record({
  status: fc.constantFrom('firing' as const, 'resolved' as const),
  labels: fc.tuple(labels, text).map(([l, name]) => ({ ...l, alertname: name })),
  annotations: labels,
  startsAt: fc.integer({ min: T0 - 86_400_000, max: T0 }),
  endsAt: fc.oneof(fc.constant(0), fc.integer({ min: T0 - 3_600_000, max: T0 + 3_600_000 })),
  generatorURL: fc.constant('http://runwarden:9464/v1/rules'),
  fingerprint: fc.stringMatching(/^[0-9a-f]{16}$/),
  traceURL: fc.option(fc.webUrl(), { nil: undefined }),
  timeline: fc.option(fc.array(text, { maxLength: 12 }), { nil: undefined }),
});

const dataArb: fc.Arbitrary<NotificationData> = fc.array(alertArb, { minLength: 1, maxLength: 30 }).chain((alerts) =>
  fc.record({
    receiver: fc.string({ minLength: 1, maxLength: 20 }),
    status: fc.constant(alerts.some((a) => a.status === 'firing') ? ('firing' as const) : ('resolved' as const)),
    alerts: fc.constant(alerts),
    groupLabels: fc.constant({ alertname: alerts[0]?.labels.alertname ?? '' }),
    commonLabels: fc.constant({}),
    commonAnnotations: labels,
    externalURL: fc.constant('http://runwarden:9464'),
    groupKey: fc.string({ minLength: 1, maxLength: 300 }),
    truncatedAlerts: fc.constant(0),
  }),
);

// User templates: the defaults, plain text, or something that fails to parse or to run.
const templateArb = (fallback: string) => fc.oneof(fc.constant(fallback), text, fc.constant('{{ index .Alerts 99 }}'), fc.constant('{{ if }}'));

const slack = (title: string, body: string): SlackIntegration => ({
  kind: 'slack',
  sendResolved: true,
  apiUrl: new Secret('https://hooks.slack.com/services/T/B/SECRET'),
  title,
  titleLink: '{{ template "slack.default.titlelink" . }}',
  text: body,
  color: '{{ template "slack.default.color" . }}',
  fallback: '{{ template "slack.default.fallback" . }}',
  http: { timeoutMs: 1000 },
});

const pagerDuty = (description: string, severity: string): PagerDutyIntegration => ({
  kind: 'pagerduty',
  sendResolved: true,
  routingKey: new Secret('R0UT1NGKEY0000000000000000000000'),
  url: 'https://events.pagerduty.com/v2/enqueue',
  client: '{{ template "pagerduty.default.client" . }}',
  clientUrl: '{{ template "pagerduty.default.clientURL" . }}',
  description,
  severity,
  details: { firing: '{{ template "pagerduty.default.instances" .Alerts.Firing }}' },
  http: { timeoutMs: 1000 },
});

describe('built messages keep the documented shapes', () => {
  it('Slack', () => {
    fc.assert(
      fc.property(dataArb, templateArb('{{ template "slack.default.title" . }}'), templateArb('{{ template "slack.default.text" . }}'), (data, title, body) => {
        const { body: bytes } = buildSlackPayload(slack(title, body), data, [], T0);
        expect(slackMessageProblems(bytes)).toEqual([]);
        expect(bytes).not.toContain('SECRET');
      }),
      { numRuns: 60 },
    );
  });

  it('PagerDuty', () => {
    fc.assert(
      fc.property(dataArb, templateArb('{{ template "pagerduty.default.description" . }}'), fc.constantFrom('critical', 'warning', '{{ .CommonLabels.severity }}', 'bogus'), (data, description, severity) => {
        const event = buildPagerDutyEvent(pagerDuty(description, severity), data, [], T0);
        expect(pagerDutyEventProblems(event.body)).toEqual([]);
        expect(event.action).toBe(data.status === 'firing' ? 'trigger' : 'resolve');
      }),
      { numRuns: 60 },
    );
  });

  it('webhook and Alertmanager bodies carry every alert unchanged', () => {
    fc.assert(
      fc.property(dataArb, (data) => {
        const hook = JSON.parse(buildWebhookPayload(data, 0)) as { alerts: { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string }[] };
        expect(hook.alerts.map((a) => a.labels)).toEqual(data.alerts.map((a) => a.labels));
        expect(hook.alerts.map((a) => a.annotations)).toEqual(data.alerts.map((a) => a.annotations));
        expect(hook.alerts.map((a) => Date.parse(a.startsAt))).toEqual(data.alerts.map((a) => a.startsAt));
        const posted = JSON.parse(buildPostableAlerts(data.alerts, T0, 60_000)) as { labels: Record<string, string>; endsAt: string }[];
        expect(posted.map((a) => a.labels)).toEqual(data.alerts.map((a) => a.labels));
        for (const [i, a] of posted.entries()) {
          const ends = Date.parse(a.endsAt);
          if (data.alerts[i]?.status === 'firing') expect(ends).toBeGreaterThan(T0);
          else expect(ends).toBeLessThanOrEqual(Math.max(T0, data.alerts[i]?.endsAt ?? 0));
        }
      }),
      { numRuns: 60 },
    );
  });
});
