/**
 * The delivery pipeline (issue 5), wired from its stages: alerts from the rule engine are
 * escalated (by occurrence) or routed through the tree, grouped, and at each group flush muted
 * (inhibition → active/mute time intervals → silences, as Alertmanager's MultiStage), then per
 * receiver integration deduplicated against the notification log; the notifications due are
 * enqueued in the outbox in one transaction with the log entries, so a crash never separates
 * "enqueued" from "logged". Everything runs synchronously on the caller's turn or a group timer.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Logger } from 'pino';
import type { OutgoingAlert } from '../rules/alert-state.ts';
import type { AlertBatch, NotifyFunc } from '../rules/group.ts';
import { queryEscape } from '../rules/template/builtins.ts';
import { NotificationLog, notifyReason } from './dedup.ts';
import type { LogKey } from './dedup.ts';
import { Dispatcher } from './dispatcher.ts';
import type { AggregationGroup } from './dispatcher.ts';
import { Escalations, policyKey } from './escalation.ts';
import type { Escalation } from './escalation.ts';
import { fingerprint } from './fingerprint.ts';
import { Inhibitor } from './inhibit.ts';
import { integrationKeys } from './integrations.ts';
import { buildNotificationData } from './notification-data.ts';
import type { RunInfo } from './notification-data.ts';
import { PipelineMetrics } from './pipeline-metrics.ts';
import { matchRoutes, walkRoutes } from './route.ts';
import { timerScheduler } from './scheduler.ts';
import type { Scheduler } from './scheduler.ts';
import { Silences } from './silences.ts';
import { timeMuteReason } from './time-interval.ts';
import type { AlertingConfig, NotificationRequest, PipelineAlert, Route } from './types.ts';

/** Outbox is the part of the outbox the pipeline uses (src/pipeline/outbox.ts). */
export interface Outbox {
  /** enqueue stores `requests` durably in one transaction that also runs `withinTransaction`; returns their ids. */
  enqueue(requests: readonly NotificationRequest[], withinTransaction?: () => void): number[];
}

/** DeliveryPipelineOptions are the pipeline's configuration and collaborators. */
export interface DeliveryPipelineOptions {
  config: AlertingConfig;
  db: DatabaseSync;
  outbox: Outbox;
  clock: () => number;
  logger: Logger;
  /** The sidecar's external URL, for generator URLs and `.ExternalURL`. */
  externalURL: string;
  runInfo?: RunInfo;
  /** Group timers; default real (unref'd) timers. */
  scheduler?: Scheduler;
}

/** DeliveryPipeline is what main.ts wires: the rule engine's notify function, reload, silences and metrics. */
export interface DeliveryPipeline {
  notify: NotifyFunc;
  /** reload switches to a validated config; groups whose route id survives keep their alerts and timers. */
  reload(config: AlertingConfig): void;
  silences: Silences;
  metrics: PipelineMetrics;
  /** groups lists the aggregation groups now (for inspection and tests). */
  groups(): AggregationGroup[];
  /** stop cancels the group timers. */
  stop(): void;
}

/** MAINTENANCE_INTERVAL_MS is how often expired silences and log entries are collected. */
const MAINTENANCE_INTERVAL_MS = 15 * 60_000;

/** generatorURL opens a rule's expression in the graph page, as Prometheus links an alert to its rule. */
function generatorURL(externalURL: string, expr: string): string {
  return `${externalURL.replace(/\/+$/, '')}/graph?g0.expr=${queryEscape(expr)}&g0.tab=1`;
}

/**
 * toPipelineAlert converts one alert of a rule's batch as Prometheus's notifier does: `startsAt`
 * is when it fired, `endsAt` its resolve time or how long it stays valid; the generator URL is
 * the batch's (one rule, one expression).
 */
function toPipelineAlert(o: OutgoingAlert, url: string, now: number): PipelineAlert {
  const labels = { ...o.alert.labels };
  return {
    fingerprint: fingerprint(labels),
    labels,
    annotations: { ...o.alert.annotations },
    startsAt: o.alert.firedAt ?? o.startsAt,
    endsAt: o.endsAt,
    generatorURL: url,
    updatedAt: now,
  };
}

/** ESCALATION_ROUTE_MARK separates a route id from the escalation part of a synthetic route's id. */
const ESCALATION_ROUTE_MARK = '/escalation';

/**
 * escalationRoute is the synthetic route of an escalated alert: the timers and time intervals of
 * the route the alert would take, the step's receiver, and one group per alert (every label).
 */
export function escalationRoute(base: Route, escalation: Escalation): Route {
  return {
    ...base,
    id: `${base.id}${ESCALATION_ROUTE_MARK}${policyKey(escalation.policy)}/${escalation.receiver}`,
    receiver: escalation.receiver,
    continue: false,
    groupBy: { all: true, labels: [] },
    routes: [],
  };
}

/** createDeliveryPipeline builds the pipeline on `db` (schema v2). */
export function createDeliveryPipeline(o: DeliveryPipelineOptions): DeliveryPipeline {
  const { db, outbox, clock, logger } = o;
  let config = o.config;
  const silences = new Silences({
    db,
    clock,
    onUnreadable: (id, problem) => logger.error({ silence: id, problem }, 'stored silence cannot be read; it is ignored'),
  });
  const nflog = new NotificationLog(db);
  const escalations = new Escalations(db, config.escalations);
  const metrics = new PipelineMetrics(clock, () => silences.counts());
  let inhibitor = new Inhibitor(config.inhibitRules);
  // The latest version of every alert not yet resolved, to refill a new inhibitor on reload.
  const current = new Map<string, PipelineAlert>();
  // Synthetic routes by id, with what rebuilds them after a reload.
  let synthetic = new Map<string, { baseId: string; escalation: Escalation; route: Route }>();
  let lastMaintenance = -Infinity;

  const dispatcher = new Dispatcher({
    clock,
    scheduler: o.scheduler ?? timerScheduler(clock),
    flush,
    onError: (err, group) => logger.error({ err, groupKey: group.key }, 'alert group flush failed; retrying at the next group interval'),
  });

  function route(alert: PipelineAlert, now: number): void {
    const routes = matchRoutes(config.route, alert.labels);
    let escalation: Escalation | undefined;
    try {
      escalation = escalations.escalate(alert, now);
    } catch (err) {
      logger.error({ err, fingerprint: alert.fingerprint }, 'escalation lookup failed; routing the alert normally');
    }
    if (escalation !== undefined && routes.length > 0) {
      const r = escalationRoute(routes[0]!, escalation);
      synthetic.set(r.id, { baseId: routes[0]!.id, escalation, route: r });
      dispatcher.insert(r, alert);
      return;
    }
    for (const r of routes) dispatcher.insert(r, alert);
  }

  function ingest(alert: PipelineAlert, now: number): void {
    if (alert.endsAt > now) current.set(alert.fingerprint, alert);
    else current.delete(alert.fingerprint);
    inhibitor.put(alert);
    route(alert, now);
  }

  function maintain(now: number): void {
    if (now - lastMaintenance < MAINTENANCE_INTERVAL_MS) return;
    lastMaintenance = now;
    inhibitor.gc(now);
    silences.gc();
    nflog.gc(now);
    escalations.gc(now);
    for (const [fp, a] of current) if (a.endsAt <= now) current.delete(fp);
  }

  function flush(group: AggregationGroup, alerts: PipelineAlert[], now: number): void {
    const r = group.route;
    const receiver = config.receivers.get(r.receiver);
    if (receiver === undefined) {
      logger.error({ receiver: r.receiver, groupKey: group.key }, 'route names an unknown receiver; alerts dropped');
      return;
    }
    const notInhibited = alerts.filter((a) => !inhibitor.mutes(a.labels, now));
    metrics.muted('inhibited', alerts.length - notInhibited.length);
    if (notInhibited.length > 0 && timeMuteReason(r, config.timeIntervals, now) !== undefined) {
      metrics.muted('time_interval', notInhibited.length);
      return;
    }
    const kept = notInhibited.filter((a) => silences.mutedBy(a.labels, now).length === 0);
    metrics.muted('silenced', notInhibited.length - kept.length);

    const firing = kept.filter((a) => a.endsAt > now);
    const resolved = kept.filter((a) => a.endsAt <= now);
    const firingFps = new Set(firing.map((a) => a.fingerprint));
    const resolvedFps = new Set(resolved.map((a) => a.fingerprint));
    const logs: LogKey[] = [];
    const requests: NotificationRequest[] = [];
    const names = integrationKeys(receiver);
    for (const [i, integration] of receiver.integrations.entries()) {
      const key: LogKey = { groupKey: group.key, receiver: receiver.name, integration: names[i] as string };
      const reason = notifyReason(nflog.get(key, now), firingFps, resolvedFps, integration.sendResolved, r.repeatIntervalMs, now);
      if (reason === undefined) continue;
      logs.push(key);
      logger.debug({ groupKey: group.key, receiver: receiver.name, integration: key.integration, reason, firing: firing.length, resolved: resolved.length }, 'notifying');
      // Without send_resolved the resolved alerts are left out, and a notification with nothing
      // firing is not sent at all; the log still records it, as Alertmanager's does.
      const sent = integration.sendResolved ? kept : firing;
      if (sent.length === 0) continue;
      const data = buildNotificationData(sent, {
        receiver: receiver.name,
        groupKey: group.key,
        groupLabels: group.labels,
        externalURL: o.externalURL,
        now,
        traceUrlTemplate: config.traceUrlTemplate,
        runInfo: o.runInfo,
        maxAlerts: integration.kind === 'webhook' ? integration.maxAlerts : 0,
      });
      requests.push({ receiver: receiver.name, integration: key.integration, data });
    }
    if (logs.length > 0) {
      // Alertmanager keeps an entry for twice the repeat interval: an unchanged group is repeated,
      // not re-paged as new (and never shorter than two group intervals, so no flush misses it).
      const expiresAt = now + 2 * Math.max(r.repeatIntervalMs, r.groupIntervalMs);
      const writeLogs = () => {
        for (const key of logs) nflog.log(key, [...firingFps], [...resolvedFps], now, expiresAt);
      };
      if (requests.length > 0) outbox.enqueue(requests, writeLogs);
      else inTransaction(db, writeLogs);
    }
    if (synthetic.has(r.id)) for (const a of resolved) escalations.release(a.fingerprint);
  }

  const notify: NotifyFunc = (batch: AlertBatch) => {
    const now = clock();
    try {
      maintain(now);
      if (batch.alerts.length === 0) return;
      const url = generatorURL(o.externalURL, batch.expr);
      for (const a of batch.alerts) ingest(toPipelineAlert(a, url, now), now);
    } catch (err) {
      // The rule engine must never see a pipeline failure; the next re-send tries again.
      logger.error({ err, rule: batch.rule, group: batch.group }, 'alert pipeline failed to take alerts');
    }
  };

  function reload(next: AlertingConfig): void {
    const byId = new Map<string, Route>();
    walkRoutes(next.route, (r) => byId.set(r.id, r));
    const nextSynthetic = new Map<string, { baseId: string; escalation: Escalation; route: Route }>();
    const lookup = (id: string): Route | undefined => {
      const direct = byId.get(id);
      if (direct !== undefined) return direct;
      const s = synthetic.get(id);
      const base = s === undefined ? undefined : byId.get(s.baseId);
      if (s === undefined || base === undefined) return undefined;
      const rebuilt = escalationRoute(base, s.escalation);
      if (rebuilt.id !== id) return undefined;
      nextSynthetic.set(id, { ...s, route: rebuilt });
      return rebuilt;
    };
    config = next;
    escalations.setPolicies(next.escalations);
    inhibitor = new Inhibitor(next.inhibitRules);
    for (const a of current.values()) inhibitor.put(a);
    const orphans = dispatcher.reload(lookup);
    synthetic = nextSynthetic;
    const now = clock();
    for (const a of orphans) route(a, now);
  }

  return {
    notify,
    reload,
    silences,
    metrics,
    groups: () => dispatcher.groups(),
    stop: () => dispatcher.stop(),
  };
}

function inTransaction(db: DatabaseSync, fn: () => void): void {
  db.exec('SAVEPOINT pipeline_log');
  try {
    fn();
    db.exec('RELEASE pipeline_log');
  } catch (err) {
    db.exec('ROLLBACK TO pipeline_log');
    db.exec('RELEASE pipeline_log');
    throw err;
  }
}
