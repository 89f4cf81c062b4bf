import { getHeapSpaceStatistics } from 'node:v8';
import { ValueType } from '@opentelemetry/api';
import type { Attributes, HrTime } from '@opentelemetry/api';
import { hrTime, millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { CollectionResult, DataPoint, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import { effectivePhaseBudget } from '../health/defaults.ts';
import type { PoolReport, Run } from '../domain/types.ts';
import { counterData, gaugeData } from './metric-data.ts';
import { SCOPE } from './scope.ts';

/**
 * RunGaugeProducer reports, at each collection, gauges computed from the active runs and the
 * worker pool: how long since a run's last heartbeat and progress, its progress, each running
 * phase's elapsed time and budget ratio. A MetricProducer rather than observable gauges because the
 * SDK keeps reporting an attribute set an observable stopped observing (cumulative temporality);
 * here a run's series disappear the moment it ends, so cardinality stays bounded by active runs.
 */

/** GaugeSource is what the producer reads: MUST be cheap, it runs at every scrape. */
export interface GaugeSource {
  activeRuns(): Iterable<Run>;
  pool(): PoolReport | undefined;
}

interface Gauge {
  name: string;
  unit: string;
  description: string;
  points: DataPoint<number>[];
}

function gauge(name: string, unit: string, description: string): Gauge {
  return { name, unit, description, points: [] };
}

/** RunGaugeProducer is the MetricProducer of per-run and pool gauges. */
export class RunGaugeProducer implements MetricProducer {
  readonly #source: GaugeSource;
  readonly #clock: () => number;
  readonly #resource: Resource;
  readonly #startTime: HrTime;
  readonly #workersName: string;

  /**
   * With `forPrometheus`, `cicd.worker.count` is named `cicd.workers`: `promtool check metrics`
   * rejects a `_count` suffix on anything but a histogram or summary, and the Prometheus exporter
   * would write `cicd_worker_count`. OTLP keeps the semantic-convention name.
   */
  constructor(source: GaugeSource, clock: () => number, resource: Resource, forPrometheus = false) {
    this.#source = source;
    this.#clock = clock;
    this.#resource = resource;
    this.#startTime = hrTime();
    this.#workersName = forPrometheus ? 'cicd.workers' : 'cicd.worker.count';
  }

  async collect(): Promise<CollectionResult> {
    return { resourceMetrics: { resource: this.#resource, scopeMetrics: [{ scope: SCOPE, metrics: this.snapshot() }] }, errors: [] };
  }

  /** snapshot computes the gauges now. */
  snapshot(): MetricData[] {
    const nowMs = this.#clock();
    const now = millisToHrTime(nowMs);
    const heartbeatAge = gauge('runwarden.run.heartbeat.age', 's', 'Seconds since the run\'s last heartbeat (or its start), per active run.');
    const heartbeatInterval = gauge('runwarden.run.heartbeat.interval', 's', 'Heartbeat interval the run declared, per active run that declared one.');
    const progressAge = gauge('runwarden.run.progress.age', 's', 'Seconds since the run\'s progress last moved (or its start), per active run.');
    const progress = gauge('runwarden.run.progress', '1', 'Progress ratio (0..1) of the run, per active run that reported progress.');
    const phaseElapsed = gauge('runwarden.run.phase.elapsed', 's', 'Seconds the running phase attempt has taken so far, per running phase.');
    const phaseBudget = gauge('runwarden.run.phase.budget', 's', 'Time budget of the running phase, per running phase that has one.');
    const phaseRatio = gauge('runwarden.run.phase.budget.ratio', '1', 'Elapsed time of the running phase over its budget, per running phase that has one.');
    const point = (g: Gauge, value: number, attributes: Attributes) => g.points.push({ startTime: now, endTime: now, attributes, value });
    for (const run of this.#source.activeRuns()) {
      const attrs: Attributes = { 'cicd.pipeline.name': run.workflow, 'cicd.pipeline.run.id': run.runId };
      point(heartbeatAge, Math.max(0, nowMs - run.lastHeartbeatMs) / 1000, attrs);
      point(progressAge, Math.max(0, nowMs - run.lastProgressMs) / 1000, attrs);
      if (run.heartbeatIntervalSeconds !== undefined) point(heartbeatInterval, run.heartbeatIntervalSeconds, attrs);
      if (run.progress !== undefined) point(progress, run.progress, attrs);
      for (const phase of run.runningPhases) {
        const attempts = run.phases.get(phase);
        const current = attempts?.[attempts.length - 1];
        if (!current) continue;
        const phaseAttrs: Attributes = { ...attrs, 'cicd.pipeline.task.name': phase };
        const elapsed = Math.max(0, nowMs - current.startMs) / 1000;
        point(phaseElapsed, elapsed, phaseAttrs);
        // Declared, else the default for the phase name (src/health/defaults.ts).
        const budget = effectivePhaseBudget(run, phase).budgetSeconds;
        if (budget !== undefined) {
          point(phaseBudget, budget, phaseAttrs);
          point(phaseRatio, elapsed / budget, phaseAttrs);
        }
      }
    }
    const metrics: MetricData[] = [heartbeatAge, heartbeatInterval, progressAge, progress, phaseElapsed, phaseBudget, phaseRatio]
      .filter((g) => g.points.length > 0)
      .map((g) => gaugeData(g.name, g.unit, g.description, g.points));
    const pool = this.#source.pool();
    if (pool) metrics.push(...this.#poolMetrics(pool, nowMs, now));
    metrics.push(...this.#processMetrics(now));
    return metrics;
  }

  /** The sidecar's own memory and CPU, under the OTel process and V8 semantic-convention names. */
  #processMetrics(now: HrTime): MetricData[] {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    const point = (value: number, attributes: Attributes = {}): DataPoint<number> => ({ startTime: now, endTime: now, attributes, value });
    const heap = getHeapSpaceStatistics().map((s) => point(s.space_used_size, { 'v8js.heap.space.name': s.space_name }));
    return [
      gaugeData('process.memory.usage', 'By', 'The amount of physical memory in use (resident set size).', [point(mem.rss)]),
      gaugeData('v8js.memory.heap.used', 'By', 'Heap memory used by V8, by heap space.', heap),
      counterData('process.cpu.time', 's', 'Total CPU seconds broken down by different CPU modes.', [
        { ...point(cpu.user / 1e6, { 'cpu.mode': 'user' }), startTime: this.#startTime },
        { ...point(cpu.system / 1e6, { 'cpu.mode': 'system' }), startTime: this.#startTime },
      ]),
    ];
  }

  #poolMetrics(pool: PoolReport, nowMs: number, now: HrTime): MetricData[] {
    const point = (value: number, attributes: Attributes = {}): DataPoint<number> => ({ startTime: now, endTime: now, attributes, value });
    const workers: MetricData = {
      descriptor: { name: this.#workersName, unit: '{count}', description: 'The number of workers on the CICD system by state.', valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: false,
      dataPoints: [
        { ...point(pool.capacity - pool.busy, { 'cicd.worker.state': 'available' }), startTime: this.#startTime },
        { ...point(pool.busy, { 'cicd.worker.state': 'busy' }), startTime: this.#startTime },
      ],
    };
    // The oldest queued item keeps ageing after the report until the runner reports again.
    const oldest = pool.queued > 0 && pool.oldestQueuedSeconds !== undefined ? pool.oldestQueuedSeconds + Math.max(0, nowMs - pool.timeMs) / 1000 : 0;
    return [
      workers,
      gaugeData('runwarden.pool.utilization', '1', 'Busy workers over capacity of the runner\'s pool.', [point(pool.capacity > 0 ? pool.busy / pool.capacity : 0)]),
      gaugeData('runwarden.pool.queue.depth', '{item}', 'Items waiting for a worker slot.', [point(pool.queued)]),
      gaugeData('runwarden.pool.queue.wait', 's', 'How long the oldest queued item has waited for a slot (0 when nothing waits).', [point(oldest)]),
    ];
  }
}
