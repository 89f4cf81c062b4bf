import type { IncomingMessage, ServerResponse } from 'node:http';
import { ExportResultCode, setGlobalErrorHandler } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as OTLPMetricExporterJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPMetricExporterProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { CollectionResult, MetricCollectOptions, MetricProducer, MetricReader, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import { createInstruments } from './instruments.ts';
import type { Instruments } from './instruments.ts';
import type { OtelEnv } from './otel-env.ts';
import { HealthGaugeProducer } from './health-gauges.ts';
import type { HealthGaugeSource } from './health-gauges.ts';
import { RunGaugeProducer } from './run-gauges.ts';
import type { GaugeSource } from './run-gauges.ts';
import { SCOPE, VERSION } from './scope.ts';
import { SpanOutbox } from './span-outbox.ts';

/**
 * The OpenTelemetry SDK as Runwarden uses it: spans built by `spans.ts` go through a
 * BatchSpanProcessor to the OTLP exporter the OTEL_* variables select; metrics are served on the
 * Prometheus endpoint and, when OTEL_METRICS_EXPORTER asks for it, pushed over OTLP.
 */

/** TelemetryOptions configure createTelemetry. */
export interface TelemetryOptions {
  otel: OtelEnv;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  clock: () => number;
  gauges: GaugeSource & HealthGaugeSource;
  /** The data directory whose disk usage `runwarden_data_dir_usage` reports; absent: not reported. */
  dataDir?: string;
  /** Replaces the OTLP span exporter (tests). */
  spanExporter?: SpanExporter;
  /** onSpanMark is told each new exported-up-to mark (see SpanOutbox). */
  onSpanMark?: (mark: number, afterExport: boolean) => void;
}

/** Telemetry is the running SDK. */
export interface Telemetry {
  resource: Resource;
  instruments: Instruments;
  /** exportSpan queues a finished span produced by log event `seq`; never blocks, never throws. */
  exportSpan(seq: number, span: ReadableSpan): void;
  /** spansCommitted says every event up to `seq` is durable (it moves the export mark). */
  spansCommitted(seq: number): void;
  /** startSpans begins span export from the persisted `mark`, the log committed up to `committedSeq`. */
  startSpans(mark: number, committedSeq: number): void;
  /** setSpanBackfill sets who rebuilds deferred spans from the log (see SpanOutbox). */
  setSpanBackfill(backfill: (mark: number) => void): void;
  /** deferSpansFrom leaves spans of events from `seq` on to the backfill. */
  deferSpansFrom(seq: number): void;
  /** handleMetrics answers a Prometheus scrape. */
  handleMetrics(req: IncomingMessage, res: ServerResponse): void;
  /**
   * selfScrape is the exposition text a scrape would get, for the rule engine: rules read the
   * sidecar's series under exactly the names and labels /metrics shows.
   */
  selfScrape(): Promise<string>;
  /**
   * selfCollect is what selfScrape serializes, as MetricData: the rule engine samples it directly
   * (the same names and labels the exposition shows) without writing and parsing the text.
   */
  selfCollect(): Promise<ResourceMetrics>;
  /** addPrometheusProducer adds a MetricProducer to what /metrics (and selfScrape) serves. */
  addPrometheusProducer(producer: MetricProducer): void;
  /** ready tells whether the exporters are set up. */
  ready(): boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** WARN_EVERY_MS spaces export-failure warnings, so an absent Collector does not flood the log. */
const WARN_EVERY_MS = 60_000;

/**
 * ObservedSpanExporter wraps the real exporter: it counts failed exports and logs a warning at most
 * once a minute (with the number of failures since the last one) instead of one per batch.
 */
class ObservedSpanExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #onFailure: (err: Error | undefined, spans: number) => void;
  constructor(inner: SpanExporter, onFailure: (err: Error | undefined, spans: number) => void) {
    this.#inner = inner;
    this.#onFailure = onFailure;
  }
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.#inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.#onFailure(result.error, spans.length);
      resultCallback(result);
    });
  }
  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** ExtraProducers is a MetricProducer standing for producers added after the exporter was built. */
class ExtraProducers implements MetricProducer {
  readonly #resource: Resource;
  readonly #all: MetricProducer[] = [];
  constructor(resource: Resource) {
    this.#resource = resource;
  }
  add(producer: MetricProducer): void {
    this.#all.push(producer);
  }
  async collect(options?: MetricCollectOptions): Promise<CollectionResult> {
    const results = await Promise.all(this.#all.map((p) => p.collect(options)));
    return {
      resourceMetrics: { resource: this.#resource, scopeMetrics: results.flatMap((r) => r.resourceMetrics.scopeMetrics) },
      errors: results.flatMap((r) => r.errors),
    };
  }
}

/** FanoutSpanExporter sends every batch to several exporters; it succeeds when all do. */
class FanoutSpanExporter implements SpanExporter {
  readonly #all: SpanExporter[];
  constructor(all: SpanExporter[]) {
    this.#all = all;
  }
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let pending = this.#all.length;
    let failed: ExportResult | undefined;
    for (const e of this.#all) {
      e.export(spans, (r) => {
        if (r.code !== ExportResultCode.SUCCESS) failed = r;
        if (--pending === 0) resultCallback(failed ?? { code: ExportResultCode.SUCCESS });
      });
    }
  }
  async shutdown(): Promise<void> {
    await Promise.all(this.#all.map((e) => e.shutdown()));
  }
}

function rateLimitedWarning(logger: Logger, what: string, where: string): (err: Error | undefined, items: number) => void {
  let lastWarnMs = -Infinity;
  let failures = 0;
  let items = 0;
  return (err, n) => {
    failures++;
    items += n;
    const now = Date.now();
    if (now - lastWarnMs < WARN_EVERY_MS) return;
    lastWarnMs = now;
    logger.warn(
      { failed_exports: failures, dropped: items, endpoint: where, err: err?.message },
      `cannot export ${what} to ${where}: ${items} dropped since the last warning (said at most once a minute)`,
    );
    failures = 0;
    items = 0;
  };
}

function traceExporter(otel: OtelEnv, kind: 'otlp' | 'console'): SpanExporter {
  if (kind === 'console') return new ConsoleSpanExporter();
  return otel.tracesProtocol === 'http/json' ? new OTLPTraceExporterJson() : new OTLPTraceExporterProto();
}

function metricExporter(otel: OtelEnv, kind: 'otlp' | 'console'): PushMetricExporter {
  if (kind === 'console') return new ConsoleMetricExporter();
  return otel.metricsProtocol === 'http/json' ? new OTLPMetricExporterJson() : new OTLPMetricExporterProto();
}

/** createTelemetry sets up resource, span pipeline, meter provider and readers. */
export function createTelemetry(opts: TelemetryOptions): Telemetry {
  const { otel, logger } = opts;
  const resource = resourceFromAttributes({ 'service.name': 'runwarden', 'service.version': VERSION }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  // The SDK's own background errors (a failed export retried, a bad attribute) go to the log at
  // debug: the export wrappers below already warn, rate-limited, about what a user must know.
  setGlobalErrorHandler((err) => logger.debug({ err }, 'opentelemetry sdk error'));

  const exporterKinds = opts.spanExporter ? ['otlp' as const] : otel.disabled ? [] : otel.tracesExporters;
  const exporters = exporterKinds.map((kind) => {
    const inner = opts.spanExporter ?? traceExporter(otel, kind);
    const warn = rateLimitedWarning(logger, 'spans', kind === 'otlp' ? otel.tracesEndpoint : kind);
    return new ObservedSpanExporter(inner, (err, n) => {
      instruments.exportFailures.add(1, { signal: 'traces' });
      warn(err, n);
    });
  });
  const outbox =
    exporters.length === 0
      ? undefined
      : new SpanOutbox({
          exporter: exporters.length === 1 ? (exporters[0] as SpanExporter) : new FanoutSpanExporter(exporters),
          ...otel.bsp,
          ...(opts.onSpanMark ? { onMark: opts.onSpanMark } : {}),
          onDeferred: (n) => instruments.spansDeferred.add(n),
          onBackfillError: (err) => logger.warn({ err: (err as Error).message }, 'cannot rebuild deferred spans from the event log; will retry'),
        });

  const gaugeProducer = new RunGaugeProducer(opts.gauges, opts.clock, resource);
  const prometheusGauges = new RunGaugeProducer(opts.gauges, opts.clock, resource, true);
  // One health producer per reader: its CPU ratio is computed between that reader's collections.
  const healthGauges = () =>
    new HealthGaugeProducer({ source: opts.gauges, clock: opts.clock, resource, ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }) });
  // Producers other parts add once built (the rule engine's ALERTS and its own metrics).
  const extraProducers = new ExtraProducers(resource);
  const prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: [prometheusGauges, healthGauges(), extraProducers] });
  const readers: MetricReader[] = [prometheus];
  if (!otel.disabled) {
    for (const kind of otel.metricsExporters) {
      if (kind === 'prometheus') continue;
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: metricExporter(otel, kind),
          exportIntervalMillis: otel.metricExportIntervalMs,
          exportTimeoutMillis: Math.min(30_000, otel.metricExportIntervalMs),
          metricProducers: [gaugeProducer, healthGauges()],
        }),
      );
    }
  }
  const meterProvider = new MeterProvider({
    resource,
    readers,
    // The SDK caps each instrument at 2,000 attribute sets; workflows x phases x results can exceed
    // that on a busy runner, and a silently capped series is worse than a larger scrape.
    views: [{ instrumentName: '*', aggregationCardinalityLimit: 20_000 }],
  });
  const instruments = createInstruments(meterProvider.getMeter(SCOPE.name, SCOPE.version));
  // The exporter's own defaults, so a self-scrape reads exactly what /metrics serves.
  const serializer = new PrometheusSerializer();
  let shutDown = false;

  return {
    resource,
    instruments,
    exportSpan(seq, span) {
      outbox?.add(seq, span);
    },
    spansCommitted(seq) {
      if (outbox) outbox.committed(seq);
      else opts.onSpanMark?.(seq, false);
    },
    startSpans(mark, committedSeq) {
      if (outbox) outbox.start(mark, committedSeq);
      else opts.onSpanMark?.(committedSeq, false);
    },
    setSpanBackfill(backfill) {
      outbox?.setBackfill(backfill);
    },
    deferSpansFrom(seq) {
      outbox?.deferFrom(seq);
    },
    handleMetrics(req, res) {
      prometheus.getMetricsRequestHandler(req, res);
    },
    async selfScrape() {
      const { resourceMetrics } = await prometheus.collect();
      return serializer.serialize(resourceMetrics);
    },
    async selfCollect() {
      return (await prometheus.collect()).resourceMetrics;
    },
    addPrometheusProducer(producer) {
      extraProducers.add(producer);
    },
    ready: () => !shutDown,
    async forceFlush() {
      await Promise.allSettled([outbox?.forceFlush(), meterProvider.forceFlush()]);
    },
    async shutdown() {
      if (shutDown) return;
      shutDown = true;
      await Promise.allSettled([outbox?.shutdown(), meterProvider.shutdown()]);
    },
  };
}
