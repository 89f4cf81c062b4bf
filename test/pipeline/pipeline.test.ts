/**
 * The whole pipeline with a fake clock, a real store and a recording outbox: what a receiver
 * would get. Routing with `continue`, the business-hours split, inhibition, silences,
 * `send_resolved`, dedup across a restart (no re-page, the resolve still goes out), escalation
 * to three receivers with a persisted count, reload, and the notification's data and links.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryPipeline } from '../../src/pipeline/pipeline.ts';
import { queryEscape } from '../../src/rules/template/builtins.ts';
import type { DeliveryPipeline, DeliveryPipelineOptions } from '../../src/pipeline/pipeline.ts';
import type { AlertBatch } from '../../src/rules/group.ts';
import type { AlertingConfig, EscalationPolicy, NotificationRequest, TimeInterval } from '../../src/pipeline/types.ts';
import { buildRoute, config, createFakeTime, createRecordingOutbox, createTempDb, HOUR, m, MINUTE, receivers, SECOND, T0, webhook } from './pipeline-fakes.ts';
import type { FakeTime, RecordingOutbox, TempDb } from './pipeline-fakes.ts';

const logger = pino({ level: 'silent' });

interface Harness {
  time: FakeTime;
  tmp: TempDb;
  outbox: RecordingOutbox;
  pipeline: DeliveryPipeline;
  /** fire starts an alert firing now (or since `firedAt`); the simulated rule engine re-sends it every minute. */
  fire(labels: Record<string, string>, firedAt?: number): void;
  /** resolve resolves a fired alert now; the rule engine re-sends the resolve for 15 minutes, as Prometheus does. */
  resolve(labels: Record<string, string>): void;
  /** send hands the pipeline one alert once, firing (no `resolvedAt`) or resolved. */
  send(labels: Record<string, string>, firedAt: number, resolvedAt?: number): void;
  /** advance steps time minute by minute, running group timers and the rule engine's re-sends. */
  advance(ms: number): void;
  /** restart stops the pipeline and builds a new one on the reopened store, as after a crash (the rule engine's state survives). */
  restart(cfg?: AlertingConfig): void;
  /** sent summarises what was enqueued since the last call: `receiver: status [alertnames]`. */
  sent(): string[];
}

let harness: Harness | undefined;
afterEach(() => {
  harness?.pipeline.stop();
  harness?.tmp.close();
  harness = undefined;
});

function setup(cfg: AlertingConfig, over: Partial<DeliveryPipelineOptions> = {}, start = T0): Harness {
  const time = createFakeTime(start);
  const tmp = createTempDb();
  const outbox = createRecordingOutbox(() => tmp.db);
  const rules = new Map<string, { labels: Record<string, string>; firedAt: number; resolvedAt?: number }>();
  const make = (c: AlertingConfig) =>
    createDeliveryPipeline({ config: c, db: tmp.db, outbox, clock: time.now, logger, externalURL: 'http://runwarden:7171/', scheduler: time.scheduler, ...over });
  const h: Harness = {
    time,
    tmp,
    outbox,
    pipeline: make(cfg),
    send(labels, firedAt, resolvedAt) {
      const now = time.now();
      const b: AlertBatch = {
        group: 'g',
        file: 'rules.yml',
        rule: labels['alertname'] ?? 'rule',
        expr: 'runwarden_run_failed > 0',
        alerts: [
          {
            alert: { state: resolvedAt === undefined ? 'firing' : 'inactive', labels, annotations: { summary: `${labels['alertname']} on ${labels['run_id'] ?? '-'}` }, value: 1, activeAt: firedAt - MINUTE, firedAt, resolvedAt },
            reason: resolvedAt === undefined ? 'firing' : 'resolved',
            startsAt: firedAt - MINUTE,
            endsAt: resolvedAt ?? now + 4 * MINUTE,
          },
        ],
      };
      h.pipeline.notify(b);
      time.runDue();
    },
    fire(labels, firedAt = time.now()) {
      rules.set(JSON.stringify(labels), { labels, firedAt });
      h.send(labels, firedAt);
    },
    resolve(labels) {
      const a = rules.get(JSON.stringify(labels))!;
      a.resolvedAt = time.now();
      h.send(a.labels, a.firedAt, a.resolvedAt);
    },
    advance(ms) {
      const end = time.now() + ms;
      while (time.now() < end) {
        const nextMinute = start + (Math.floor((time.now() - start) / MINUTE) + 1) * MINUTE;
        time.advance(Math.min(nextMinute, end) - time.now());
        if ((time.now() - start) % MINUTE !== 0) continue;
        for (const [key, a] of rules) {
          if (a.resolvedAt !== undefined && time.now() - a.resolvedAt > 15 * MINUTE) rules.delete(key);
          else h.send(a.labels, a.firedAt, a.resolvedAt);
        }
      }
    },
    restart(c = cfg) {
      h.pipeline.stop();
      tmp.reopen();
      h.pipeline = make(c);
    },
    sent: () => outbox.take().map(summarise),
  };
  harness = h;
  return h;
}

function summarise(r: NotificationRequest): string {
  return `${r.receiver}: ${r.data.status} [${r.data.alerts.map((a) => `${a.labels['alertname']}${a.status === 'resolved' ? '(resolved)' : ''}`).join(' ')}]`;
}

describe('createDeliveryPipeline', () => {
  it('notifies once after group_wait, repeats after repeat_interval, and resolves once', () => {
    const h = setup(config({ route: buildRoute({ receiver: 'team', groupBy: ['alertname'] }) }));
    h.fire({ alertname: 'RunFailed', run_id: 'r1' });
    h.advance(29 * SECOND);
    expect(h.sent()).toEqual([]);
    h.advance(SECOND);
    expect(h.sent()).toEqual(['team: firing [RunFailed]']);
    // The rule engine re-sends every minute; nothing changes, nothing goes out until 4 h passed.
    h.advance(4 * HOUR);
    expect(h.sent()).toEqual([]);
    // As in Alertmanager, the repeat goes out at the first group_interval flush past repeat_interval.
    h.advance(5 * MINUTE);
    expect(h.sent()).toEqual(['team: firing [RunFailed]']);
    h.resolve({ alertname: 'RunFailed', run_id: 'r1' });
    h.advance(HOUR);
    expect(h.sent()).toEqual(['team: resolved [RunFailed(resolved)]']);
  });

  it("builds the notification like Alertmanager's template data, with the run's links", () => {
    const h = setup(
      { ...config({ route: buildRoute({ receiver: 'team', groupBy: ['alertname'] }) }), traceUrlTemplate: 'http://jaeger:16686/trace/{{ .TraceID }}?run={{.RunID}}' },
      { runInfo: (runId) => (runId === 'r1' ? { traceId: 'abc123', timeline: ['extract ok 12s', 'load failed 3s'] } : undefined) },
    );
    h.fire({ alertname: 'RunFailed', run_id: 'r1', workflow: 'etl' });
    h.fire({ alertname: 'RunFailed', run_id: 'r2', workflow: 'etl' });
    h.advance(30 * SECOND);
    const [req, ...rest] = h.outbox.take();
    expect(rest).toEqual([]);
    expect(req).toMatchObject({ receiver: 'team', integration: 'webhook/0' });
    expect(req!.data).toEqual({
      receiver: 'team',
      status: 'firing',
      groupKey: '{}:{alertname="RunFailed"}',
      groupLabels: { alertname: 'RunFailed' },
      commonLabels: { alertname: 'RunFailed', workflow: 'etl' },
      commonAnnotations: {},
      externalURL: 'http://runwarden:7171/',
      truncatedAlerts: 0,
      alerts: [
        expect.objectContaining({ status: 'firing', labels: { alertname: 'RunFailed', run_id: 'r1', workflow: 'etl' }, annotations: { summary: 'RunFailed on r1' }, startsAt: T0, endsAt: 0, traceURL: 'http://jaeger:16686/trace/abc123?run=r1', timeline: ['extract ok 12s', 'load failed 3s'] }),
        expect.objectContaining({ labels: { alertname: 'RunFailed', run_id: 'r2', workflow: 'etl' }, traceURL: 'http://jaeger:16686/trace/?run=r2' }),
      ],
    });
    expect(req!.data.alerts[1]!.timeline).toBeUndefined();
    expect(req!.data.alerts[0]!.generatorURL).toBe('http://runwarden:7171/graph?g0.expr=runwarden_run_failed+%3E+0&g0.tab=1');
  });

  it('fans out with continue, and first match wins without it', () => {
    const h = setup(
      config({
        route: buildRoute({
          receiver: 'default',
          routes: [
            { matchers: ['severity="critical"'], receiver: 'slack', continue: true },
            { matchers: ['severity="critical"'], receiver: 'pagerduty' },
            { matchers: ['severity="critical"'], receiver: 'never' },
          ],
        }),
      }),
    );
    h.fire({ alertname: 'RunFailed', severity: 'critical' });
    h.fire({ alertname: 'PhaseSlow', severity: 'warning' });
    h.advance(30 * SECOND);
    expect(h.sent().sort()).toEqual(['default: firing [PhaseSlow]', 'pagerduty: firing [RunFailed]', 'slack: firing [RunFailed]']);
  });

  describe('the business-hours split (Slack active in business hours with continue, PagerDuty muted in them)', () => {
    const businessHours: TimeInterval[] = [{ times: [{ startMinute: 9 * 60, endMinute: 17 * 60 }], weekdays: [{ begin: 1, end: 5 }], location: 'Europe/Berlin' }];
    const split = () =>
      config({
        route: buildRoute({
          receiver: 'default',
          groupBy: ['alertname'],
          routes: [
            { matchers: ['severity="critical"'], receiver: 'slack', activeTimeIntervals: ['business-hours'], continue: true },
            { matchers: ['severity="critical"'], receiver: 'pagerduty', muteTimeIntervals: ['business-hours'] },
          ],
        }),
        timeIntervals: new Map([['business-hours', businessHours]]),
      });
    it.each([
      ['Monday 13:00 in Berlin: Slack only', '2026-01-05T12:00:00Z', ['slack: firing [RunFailed]']],
      ['Monday 21:00 in Berlin: PagerDuty only', '2026-01-05T20:00:00Z', ['pagerduty: firing [RunFailed]']],
      ['Saturday noon: PagerDuty only', '2026-01-10T11:00:00Z', ['pagerduty: firing [RunFailed]']],
    ])('%s', (_name, iso, expected) => {
      const h = setup(split(), {}, Date.parse(iso));
      h.fire({ alertname: 'RunFailed', severity: 'critical' });
      h.advance(30 * SECOND);
      expect(h.sent()).toEqual(expected);
      expect(h.pipeline.metrics.mutedTotal('time_interval')).toBe(1);
    });

    it('an alert still firing when business hours end pages at the next group interval', () => {
      const h = setup(split(), {}, Date.parse('2026-01-05T15:50:00Z'));
      h.fire({ alertname: 'RunFailed', severity: 'critical' });
      h.advance(30 * SECOND);
      expect(h.sent()).toEqual(['slack: firing [RunFailed]']);
      h.advance(10 * MINUTE);
      expect(h.sent()).toEqual(['pagerduty: firing [RunFailed]']);
    });
  });

  it('a CRITICAL on a run silences its WARNINGs, not those of other runs', () => {
    const h = setup(
      config({
        route: buildRoute({ receiver: 'team', groupBy: ['run_id'] }),
        inhibitRules: [{ sourceMatchers: [m('severity="critical"')], targetMatchers: [m('severity="warning"')], equal: ['run_id'] }],
      }),
    );
    h.fire({ alertname: 'RunFailed', severity: 'critical', run_id: 'r1' });
    h.fire({ alertname: 'PhaseSlow', severity: 'warning', run_id: 'r1' });
    h.fire({ alertname: 'PhaseSlow', severity: 'warning', run_id: 'r2' });
    h.advance(30 * SECOND);
    expect(h.sent().sort()).toEqual(['team: firing [PhaseSlow]', 'team: firing [RunFailed]']);
    expect(h.outbox.sent.find((r) => r.data.groupLabels['run_id'] === 'r1')!.data.alerts.map((a) => a.labels['alertname'])).toEqual(['RunFailed']);
    expect(h.pipeline.metrics.mutedTotal('inhibited')).toBe(1);
    // The CRITICAL resolves: the WARNING is no longer inhibited and goes out at the next interval.
    h.resolve({ alertname: 'RunFailed', severity: 'critical', run_id: 'r1' });
    h.advance(5 * MINUTE);
    expect(h.sent()).toEqual(['team: firing [PhaseSlow RunFailed(resolved)]']);
  });

  it('silences mute matching alerts while active, and count them', () => {
    const h = setup(config({ route: buildRoute({ receiver: 'team', groupBy: ['...'] }) }));
    h.pipeline.silences.set({ matchers: [{ name: 'severity', value: 'warn.*', isRegex: true, isEqual: true }], startsAt: T0, endsAt: T0 + 10 * MINUTE, createdBy: 'ana', comment: 'noisy' });
    h.fire({ alertname: 'PhaseSlow', severity: 'warning' });
    h.fire({ alertname: 'RunFailed', severity: 'critical' });
    h.advance(30 * SECOND);
    expect(h.sent()).toEqual(['team: firing [RunFailed]']);
    expect(h.pipeline.metrics.mutedTotal('silenced')).toBe(1);
    h.advance(10 * MINUTE);
    expect(h.sent()).toEqual(['team: firing [PhaseSlow]']);
    const silences = h.pipeline.metrics.snapshot().find((x) => x.descriptor.name === 'runwarden.silences')!;
    expect(silences.dataPoints.map((p) => [p.attributes['state'], p.value])).toEqual([['active', 0], ['pending', 0], ['expired', 1]]);
  });

  it.each([
    ['send_resolved on: the resolved alert is carried, then the all-resolved notice', true, ['team: firing [A B]', 'team: firing [A B(resolved)]', 'team: resolved [A(resolved) B(resolved)]']],
    ['send_resolved off: resolved alerts are left out and nothing is sent once all resolved', false, ['team: firing [A B]']],
  ])('%s', (_name, sendResolved, expected) => {
    // B's resolve is re-sent by the rule engine for 15 minutes, so it is back in the group when A resolves.
    const cfg = config({ route: buildRoute({ receiver: 'team' }) });
    const h = setup({ ...cfg, receivers: receivers({ team: [webhook(sendResolved)] }) });
    h.fire({ alertname: 'A' });
    h.fire({ alertname: 'B' });
    h.advance(30 * SECOND);
    h.resolve({ alertname: 'B' });
    h.advance(5 * MINUTE);
    h.resolve({ alertname: 'A' });
    h.advance(HOUR);
    expect(h.sent()).toEqual(expected);
  });

  it('after a restart, neither re-pages an unchanged firing group nor forgets its resolve', () => {
    const cfg = config({ route: buildRoute({ receiver: 'pagerduty', groupBy: ['alertname'] }) });
    const h = setup(cfg);
    h.fire({ alertname: 'RunFailed', run_id: 'r1' });
    h.advance(30 * SECOND);
    expect(h.sent()).toEqual(['pagerduty: firing [RunFailed]']);
    h.advance(10 * MINUTE);
    h.restart();
    // The restored rule engine re-sends; the old alert flushes at once; the log says it was paged.
    h.advance(30 * MINUTE);
    expect(h.sent()).toEqual([]);
    h.restart();
    h.resolve({ alertname: 'RunFailed', run_id: 'r1' });
    expect(h.sent()).toEqual(['pagerduty: resolved [RunFailed(resolved)]']);
    h.restart();
    h.advance(HOUR);
    expect(h.sent()).toEqual([]);
    // A resolve for an alert never paged does not go out.
    h.send({ alertname: 'Other' }, T0, h.time.now() - MINUTE);
    h.advance(HOUR);
    expect(h.sent()).toEqual([]);
  });

  it('an enqueue that fails leaves no log entry: the next flush sends the page, once', () => {
    const h = setup(config({ route: buildRoute({ receiver: 'pagerduty', groupBy: ['alertname'] }) }));
    const enqueue = h.outbox.enqueue;
    let failures = 1;
    h.outbox.enqueue = (requests, within) =>
      enqueue(requests, () => {
        within?.();
        if (failures-- > 0) throw new Error('disk full');
      });
    h.fire({ alertname: 'RunFailed' });
    h.advance(30 * SECOND);
    expect(h.sent()).toEqual([]);
    h.advance(5 * MINUTE);
    expect(h.sent()).toEqual(['pagerduty: firing [RunFailed]']);
    h.advance(HOUR);
    expect(h.sent()).toEqual([]);
  });

  it('escalates the 1st, 2nd and 3rd occurrence to three receivers; resolves follow; the count survives a restart', () => {
    const policy: EscalationPolicy = {
      matchers: [m('alertname="RunFailed"')],
      windowMs: 24 * HOUR,
      steps: [
        { afterOccurrences: 1, receiver: 'runner-retry' },
        { afterOccurrences: 2, receiver: 'slack' },
        { afterOccurrences: 3, receiver: 'pagerduty' },
      ],
      ignoreLabels: ['run_id'],
    };
    const cfg = config({ route: buildRoute({ receiver: 'default', groupBy: ['alertname'], groupWaitMs: 10 * SECOND }), escalations: [policy] });
    const h = setup(cfg);
    h.fire({ alertname: 'RunFailed', workflow: 'etl', run_id: 'r1' });
    h.advance(10 * SECOND);
    expect(h.sent()).toEqual(['runner-retry: firing [RunFailed]']);
    h.resolve({ alertname: 'RunFailed', workflow: 'etl', run_id: 'r1' });
    h.advance(HOUR);
    expect(h.sent()).toEqual(['runner-retry: resolved [RunFailed(resolved)]']);
    h.fire({ alertname: 'RunFailed', workflow: 'etl', run_id: 'r2' });
    h.fire({ alertname: 'PhaseSlow', workflow: 'etl', run_id: 'r2' });
    h.advance(HOUR);
    // Re-sends of r2 every minute are not occurrences; other alerts take the routes.
    expect(h.sent().sort()).toEqual(['default: firing [PhaseSlow]', 'slack: firing [RunFailed]']);
    h.restart();
    h.fire({ alertname: 'RunFailed', workflow: 'etl', run_id: 'r3' });
    h.advance(10 * SECOND);
    expect(h.sent()).toEqual(['pagerduty: firing [RunFailed]']);
    h.resolve({ alertname: 'RunFailed', workflow: 'etl', run_id: 'r2' });
    expect(h.sent()).toEqual(['slack: resolved [RunFailed(resolved)]']);
    h.advance(HOUR);
    expect(h.sent()).toEqual([]);
  });

  it('reload keeps groups whose route survives: no re-notification, and the new route applies', () => {
    const cfg = config({ route: buildRoute({ receiver: 'team', groupBy: ['alertname'], routes: [{ matchers: ['team="web"'], receiver: 'web' }] }) });
    const h = setup(cfg);
    h.fire({ alertname: 'A' });
    h.fire({ alertname: 'W', team: 'web' });
    h.advance(30 * SECOND);
    expect(h.sent().sort()).toEqual(['team: firing [A]', 'web: firing [W]']);
    h.pipeline.reload(config({ route: buildRoute({ receiver: 'team', groupBy: ['alertname'], repeatIntervalMs: HOUR }) }));
    expect(h.pipeline.groups().map((g) => g.key).sort()).toEqual(['{}:{alertname="A"}', '{}:{alertname="W"}']);
    h.advance(30 * MINUTE);
    expect(h.sent()).toEqual(['team: firing [W]']);
    h.advance(HOUR);
    expect(h.sent()).toEqual(['team: firing [A]', 'team: firing [W]']);
  });

  it('a route naming an unknown receiver drops its alerts without throwing', () => {
    const cfg = config({ route: buildRoute({ receiver: 'team' }) });
    const h = setup({ ...cfg, receivers: new Map() });
    h.fire({ alertname: 'A' });
    h.advance(HOUR);
    expect(h.sent()).toEqual([]);
  });

  it.each([
    ['up == 0', 'up+%3D%3D+0'],
    ['sum by (job) (rate(x[5m])) > 0.5', 'sum+by+%28job%29+%28rate%28x%5B5m%5D%29%29+%3E+0.5'],
    ['a_b-c.d~e', 'a_b-c.d~e'],
  ])('escapes %j as Go url.QueryEscape: %s', (expr, escaped) => {
    expect(queryEscape(expr)).toBe(escaped);
  });
});
