/**
 * Alert delivery as main.ts wires it (issue 5): the notifiers of the configured receivers, the
 * durable outbox that drives them, and the pipeline (route, group, mute, escalate, deduplicate)
 * that feeds the outbox from the rule engine's notify function. Part of the composition root:
 * nothing here decides anything; it builds and connects.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Resource } from '@opentelemetry/resources';
import type { MetricProducer } from '@opentelemetry/sdk-metrics';
import type { Logger } from 'pino';
import { timelineLines } from './domain/timeline.ts';
import type { RunRegistry } from './domain/registry.ts';
import { closeNotifier, createNotifier } from './notifiers/index.ts';
import type { NotifierState } from './notifiers/index.ts';
import { DeliveryMetrics } from './pipeline/delivery-metrics.ts';
import { integrationKeys } from './pipeline/integrations.ts';
import type { NotificationApi } from './pipeline/notifications-routes.ts';
import { Outbox } from './pipeline/outbox.ts';
import { createDeliveryPipeline } from './pipeline/pipeline.ts';
import type { DeliveryPipeline } from './pipeline/pipeline.ts';
import type { Silences } from './pipeline/silences.ts';
import type { AlertingConfig, Notifier } from './pipeline/types.ts';
import type { NotifyFunc } from './rules/group.ts';

/** DeliveryOptions are what alert delivery needs from the sidecar. */
export interface DeliveryOptions {
  config: AlertingConfig;
  db: DatabaseSync;
  clock: () => number;
  logger: Logger;
  resource: Resource;
  /** The rules' external URL: generator URLs and `.ExternalURL` point there. */
  externalURL: string;
  /** Where the runs are, for the trace links and timelines of notifications. */
  registry: RunRegistry;
  /** Durable notifier state (the store's meta table): the Alertmanager forwarder's live alerts. */
  state?: NotifierState;
}

/** Delivery is alert delivery, running. */
export interface Delivery {
  /** notify is the rule engine's NotifyFunc. */
  notify: NotifyFunc;
  silences: Silences;
  notifications: NotificationApi;
  /** producers are the delivery and pipeline metrics, for /metrics. */
  producers: MetricProducer[];
  /** reload switches to a new, validated alerting config: groups, alerts and the outbox carry over. */
  reload(config: AlertingConfig): void;
  /** start begins delivering (rows left by an earlier process first). */
  start(): void;
  /** stop cancels group timers and lets in-flight sends finish (bounded), then stops. */
  stop(): Promise<void>;
}

function buildNotifiers(config: AlertingConfig, logger: Logger, clock: () => number, state: NotifierState | undefined): Map<string, Notifier> {
  const out = new Map<string, Notifier>();
  const definitions = config.templateSources;
  for (const receiver of config.receivers.values()) {
    const keys = integrationKeys(receiver);
    receiver.integrations.forEach((integration, i) => {
      out.set(`${receiver.name}\u0000${keys[i]}`, createNotifier(integration, { definitions, logger, now: clock, ...(state ? { state } : {}) }));
    });
  }
  return out;
}

/** startDelivery builds alert delivery on `db` (schema v2). Call `start()` once the sidecar listens. */
export function startDelivery(o: DeliveryOptions): Delivery {
  const { db, clock, logger } = o;
  let notifiers = buildNotifiers(o.config, logger, clock, o.state);
  const metrics = new DeliveryMetrics(o.resource, clock);
  const outbox = new Outbox(db, {
    clock,
    settings: o.config.delivery,
    notifierFor: (receiver, integration) => notifiers.get(`${receiver}\u0000${integration}`),
    logger,
    metrics,
  });
  const pipeline: DeliveryPipeline = createDeliveryPipeline({
    config: o.config,
    db,
    outbox,
    clock,
    logger,
    externalURL: o.externalURL,
    runInfo: (runId) => {
      const run = o.registry.get(runId);
      return run === undefined ? undefined : { traceId: run.traceId, timeline: timelineLines(run, clock()) };
    },
  });
  return {
    notify: pipeline.notify,
    silences: pipeline.silences,
    notifications: outbox,
    producers: [metrics, pipeline.metrics.producer(o.resource)],
    reload(config) {
      const old = notifiers;
      notifiers = buildNotifiers(config, logger, clock, o.state);
      outbox.configure(config.delivery);
      pipeline.reload(config);
      for (const n of old.values()) closeNotifier(n);
    },
    start() {
      outbox.start();
    },
    async stop() {
      pipeline.stop();
      await outbox.stop();
      for (const n of notifiers.values()) closeNotifier(n);
    },
  };
}
