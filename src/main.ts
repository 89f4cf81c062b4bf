import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import type { Config, HostPort } from './config/types.ts';
import type { AlertingConfig } from './pipeline/types.ts';
import { RunRegistry } from './domain/registry.ts';
import { buildApp } from './ingest/server.ts';
import { IngestService } from './ingest/service.ts';
import { readOtelEnv } from './telemetry/otel-env.ts';
import { Recorder } from './telemetry/recorder.ts';
import { createTelemetry } from './telemetry/sdk.ts';
import type { Telemetry } from './telemetry/sdk.ts';
import { openDatabase } from './store/database.ts';
import { EventStore } from './store/event-store.ts';
import { RunHistory } from './store/run-history.ts';
import { DurationGaugeProducer } from './health/duration-gauges.ts';
import { LearnedBudgets } from './health/learned-budget.ts';
import { recover, SPAN_MARK } from './store/recovery.ts';
import { startRetention } from './store/retention.ts';
import { startDelivery } from './delivery.ts';
import { RuleManager } from './rules/manager.ts';
import type { AlertBatch, NotifyFunc } from './rules/group.ts';
import { RuleMetrics } from './rules/rule-metrics.ts';
import { SampleStore } from './series/sample-store.ts';

/**
 * The composition root: config → store → registry → telemetry → recovery → ingest → servers. Nothing else wires
 * components together; everything below takes what it needs as arguments.
 */

/** SidecarOptions are what a caller (the CLI, a test) supplies beside the config. */
export interface SidecarOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  clock?: () => number;
  /** Replaces the OTLP span exporter (tests). */
  spanExporter?: SpanExporter;
  /** Where the rule engine's alerts go; default: logged at info (the delivery pipeline comes later). */
  notify?: NotifyFunc;
}

/**
 * RULE_STORE_MAX_SAMPLES bounds the rule engine's sample store (about 20 bytes a point): enough
 * for a thousand series over an hour at a 15 s interval, with room to spare.
 */
const RULE_STORE_MAX_SAMPLES = 1_000_000;

/** logAlerts is the notify function until the delivery pipeline exists: one info line per alert. */
export function logAlerts(logger: Logger): NotifyFunc {
  return (batch: AlertBatch) => {
    for (const { alert, reason } of batch.alerts) {
      logger.info({ alertname: alert.labels['alertname'], state: alert.state, reason, labels: alert.labels, rule_group: batch.group, file: batch.file }, 'alert');
    }
  };
}

/** Sidecar is a running Runwarden. */
export interface Sidecar {
  /** Base URL of the ingest API, e.g. http://127.0.0.1:7171. */
  apiUrl: string;
  /** URL of the Prometheus endpoint, e.g. http://127.0.0.1:9464/metrics. */
  metricsUrl: string;
  /** reloadRules reloads the rule files, all or nothing (SIGHUP); returns whether the new rules are in place. */
  reloadRules(): boolean;
  /**
   * reloadAlerting switches delivery to a new, validated `alerting:` section; returns whether it
   * did. Adding or removing the whole section takes a restart (it adds or removes API routes).
   */
  reloadAlerting(config: AlertingConfig | undefined): boolean;
  /** close stops accepting, finishes in-flight requests, flushes spans and metrics. */
  close(): Promise<void>;
}

function url(addr: AddressInfo): string {
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${addr.port}`;
}

function listen(server: Server, at: HostPort): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** startSidecar starts the sidecar on `config` and resolves once both listeners are up. */
export async function startSidecar(config: Config, options: SidecarOptions): Promise<Sidecar> {
  const { logger } = options;
  const clock = options.clock ?? Date.now;
  const otel = readOtelEnv(options.env);
  // The store first: a store that cannot be opened stops the start before anything listens.
  const db = openDatabase(config.dataDir, config.store.sync);
  const store = new EventStore(db);
  const history = new RunHistory(db);
  const registry = new RunRegistry();
  let ready = false;
  // The exported-up-to mark: persisted at once after an export (a crash before that would send
  // those spans again), lazily when only span-less events moved it.
  let lazyMark: NodeJS.Timeout | undefined;
  let latestMark = 0;
  const persistMark = () => {
    lazyMark = undefined;
    try {
      store.setMeta(SPAN_MARK, latestMark);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'cannot persist the span export mark; will retry');
    }
  };
  const telemetry = createTelemetry({
    otel,
    env: options.env,
    logger,
    clock,
    dataDir: config.dataDir,
    gauges: registry,
    ...(options.spanExporter ? { spanExporter: options.spanExporter } : {}),
    onSpanMark: (mark, afterExport) => {
      latestMark = mark;
      if (afterExport) {
        if (lazyMark) clearTimeout(lazyMark);
        persistMark();
      } else if (!lazyMark) {
        lazyMark = setTimeout(persistMark, 1000);
        lazyMark.unref();
      }
    },
  });
  const recorder = new Recorder(telemetry, logger);
  telemetry.addPrometheusProducer(new DurationGaugeProducer({ history, clock, resource: telemetry.resource }));
  recover(store, registry, recorder, logger);
  // The rules after recovery (their first tick sees the recovered runs) and before any listener:
  // a rule file that does not load stops the start, as a bad config does.
  // Delivery before the rules: their notify function feeds its pipeline. Without an `alerting:`
  // section alerts are only logged.
  const delivery =
    config.alerting === undefined
      ? undefined
      : startDelivery({
          config: config.alerting,
          db,
          clock,
          logger,
          resource: telemetry.resource,
          externalURL: config.rules.externalUrl,
          registry,
          state: { get: (key) => store.meta(key), set: (key, value) => store.setMeta(key, value) },
        });
  for (const producer of delivery?.producers ?? []) telemetry.addPrometheusProducer(producer);
  let rules: RuleManager;
  try {
    rules = startRules(config, telemetry, store, clock, logger, options.notify ?? delivery?.notify ?? logAlerts(logger));
  } catch (err) {
    await delivery?.stop();
    await telemetry.shutdown();
    store.close();
    throw err;
  }
  const learned = new LearnedBudgets(db);
  const service = new IngestService({
    registry,
    recorder,
    instruments: telemetry.instruments,
    clock,
    newRunId: randomUUID,
    store,
    learnBudget: (workflow, phase) => learned.budget(workflow, phase),
  });
  const stopRetention = startRetention(store, registry, clock, logger, config.store);
  const app = buildApp({
    service,
    registry,
    instruments: telemetry.instruments,
    logger,
    clock,
    token: config.token,
    history,
    dataDir: config.dataDir,
    ready: () => ready && telemetry.ready(),
    rules,
    ...(delivery ? { delivery } : {}),
  });

  const metricsServer = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') return telemetry.handleMetrics(req, res);
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the Prometheus endpoint is /metrics\n');
  });

  let apiAddr: AddressInfo;
  let metricsAddr: AddressInfo;
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
    apiAddr = app.server.address() as AddressInfo;
    metricsAddr = await listen(metricsServer, config.metricsListen);
  } catch (err) {
    await app.close().catch(() => {});
    metricsServer.close();
    stopRetention();
    await rules.stop();
    await delivery?.stop();
    await telemetry.shutdown();
    store.close();
    throw err;
  }
  ready = true;
  delivery?.start();
  rules.start();
  const sidecar: Sidecar = {
    apiUrl: url(apiAddr),
    metricsUrl: `${url(metricsAddr)}/metrics`,
    reloadRules: () => rules.reload(),
    reloadAlerting(next) {
      if (delivery === undefined || next === undefined) {
        if ((delivery === undefined) !== (next === undefined)) logger.warn('adding or removing the alerting section takes a restart; delivery is unchanged');
        return false;
      }
      delivery.reload(next);
      return true;
    },
    async close() {
      ready = false;
      await rules.stop();
      // After the rules (their last alerts are enqueued), before the store closes.
      await delivery?.stop();
      await app.close();
      metricsServer.closeAllConnections();
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      stopRetention();
      await telemetry.shutdown();
      if (lazyMark) clearTimeout(lazyMark);
      persistMark();
      store.close();
    },
  };
  logger.info(
    { rule_groups: rules.groups().length, api: sidecar.apiUrl, metrics: sidecar.metricsUrl, traces: otel.tracesExporters.length ? otel.tracesEndpoint : 'none', auth: config.token !== undefined },
    'runwarden listening',
  );
  return sidecar;
}

// startRules builds the rule engine: its sample store, its metrics on /metrics, and the manager
// (which loads the rule files and restores persisted alert state; it throws ConfigErrors).
function startRules(config: Config, telemetry: Telemetry, store: EventStore, clock: () => number, logger: Logger, notify: NotifyFunc): RuleManager {
  const c = config.rules;
  const samples = new SampleStore({ retentionMs: c.lookbackMs, maxSamples: RULE_STORE_MAX_SAMPLES });
  const metrics = new RuleMetrics(telemetry.resource, clock);
  const manager = new RuleManager({
    sources: { patterns: c.files, defaults: c.defaults },
    clock,
    scrape: () => telemetry.selfScrape(),
    collect: () => telemetry.selfCollect(),
    store: samples,
    state: store,
    notify,
    logger,
    evalOptions: { compat: c.promqlCompat, lookbackDeltaMs: 5 * 60_000 },
    defaultIntervalMs: c.intervalMs,
    externalLabels: c.externalLabels,
    externalURL: c.externalUrl,
    metrics,
  });
  telemetry.addPrometheusProducer(metrics);
  return manager;
}
