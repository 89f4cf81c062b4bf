import { millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { CollectionResult, DataPoint, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import { SCOPE } from '../telemetry/scope.ts';
import { MAX_WORKFLOWS, workflowStats } from './snapshot.ts';
import type { HealthHistory } from './snapshot.ts';
import { HEALTH_THRESHOLDS } from './thresholds.ts';
import type { HealthThresholds } from './thresholds.ts';
import { gaugeData } from '../telemetry/metric-data.ts';

/**
 * DurationGaugeProducer exports each workflow's p95 run duration over the success-rate window
 * (1 h) and the same p95 a day earlier, both from the store's run history. The bundled rule
 * RunwardenWorkflowSlowerThanBaseline compares the two: the rule engine keeps an hour of samples,
 * so a baseline a day old can only come from the store, and as exported series it works the same
 * in a central Prometheus. The history queries are cached for `CACHE_MS`: /metrics and the rule
 * engine's sampler both collect, and the numbers move slowly.
 */

/** CACHE_MS is how long one reading of the history serves collections. */
export const CACHE_MS = 60_000;

/** DurationGaugeOptions configure a DurationGaugeProducer. */
export interface DurationGaugeOptions {
  history: HealthHistory;
  clock: () => number;
  resource: Resource;
  thresholds?: HealthThresholds;
}

/** DurationGaugeProducer is the MetricProducer of the workflow duration gauges. */
export class DurationGaugeProducer implements MetricProducer {
  readonly #o: DurationGaugeOptions;
  #cached: { atMs: number; metrics: MetricData[] } | undefined;

  constructor(opts: DurationGaugeOptions) {
    this.#o = opts;
  }

  async collect(): Promise<CollectionResult> {
    return { resourceMetrics: { resource: this.#o.resource, scopeMetrics: [{ scope: SCOPE, metrics: this.snapshot(this.#o.clock()) }] }, errors: [] };
  }

  /** snapshot reads the history (at most once per CACHE_MS) and builds the gauges. */
  snapshot(nowMs: number): MetricData[] {
    const c = this.#cached;
    if (c !== undefined && nowMs >= c.atMs && nowMs - c.atMs < CACHE_MS) return c.metrics;
    const t = this.#o.thresholds ?? HEALTH_THRESHOLDS;
    const at = millisToHrTime(nowMs);
    const p95: DataPoint<number>[] = [];
    const baseline: DataPoint<number>[] = [];
    for (const w of this.#o.history.workflows().slice(0, MAX_WORKFLOWS)) {
      const s = workflowStats(this.#o.history, w.workflow, nowMs, t);
      const attributes = { 'cicd.pipeline.name': w.workflow };
      if (s.p95Seconds !== null) p95.push({ startTime: at, endTime: at, attributes, value: s.p95Seconds });
      if (s.baselineP95Seconds !== null) baseline.push({ startTime: at, endTime: at, attributes, value: s.baselineP95Seconds });
    }
    const metrics = [
      gaugeData('runwarden.workflow.duration.p95', 's', 'p95 duration of the runs of the workflow that finished in the last hour (from the run history).', p95),
      gaugeData('runwarden.workflow.duration.baseline.p95', 's', 'p95 duration of the runs of the workflow that finished in the same hour a day earlier (from the run history).', baseline),
    ].filter((m) => m.dataPoints.length > 0);
    this.#cached = { atMs: nowMs, metrics };
    return metrics;
  }
}

