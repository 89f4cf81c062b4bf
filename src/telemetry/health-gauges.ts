import type { Attributes } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { CollectionResult, DataPoint, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import type { LatestResult } from '../domain/registry.ts';
import { isFailing } from '../domain/types.ts';
import type { Run } from '../domain/types.ts';
import { effectivePhaseBudget } from '../health/defaults.ts';
import { ResourceProbe } from '../health/resources.ts';
import type { ResourceUsage } from '../health/resources.ts';
import { SCOPE } from './scope.ts';
import { gaugeData } from './metric-data.ts';

/**
 * HealthGaugeProducer reports the series the bundled health rules (alerts/) read beside the run
 * gauges: the pod's memory, CPU and data-dir disk usage, and per active run how many of the
 * workflows it depends on are failing, how long it has been pending, and its running phases' warn
 * thresholds. A MetricProducer for the same reason as RunGaugeProducer: a run's series vanish the
 * moment it ends.
 */

/** HealthGaugeSource is what the producer reads: MUST be cheap, it runs at every scrape. */
export interface HealthGaugeSource {
  activeRuns(): Iterable<Run>;
  /** latestResult is how the workflow's most recently finished run ended (RunRegistry keeps it). */
  latestResult(workflow: string): LatestResult | undefined;
}

/** HealthGaugeOptions configure a HealthGaugeProducer. */
export interface HealthGaugeOptions {
  source: HealthGaugeSource;
  clock: () => number;
  resource: Resource;
  /** The probe of memory, CPU and disk; one per producer, since CPU is a ratio between its own reads. */
  probe?: ResourceProbe;
  /** The data directory whose filesystem `runwarden_data_dir_usage` reports (absent: no disk gauge). */
  dataDir?: string;
}

/** dependenciesFailing counts the workflows of `run.dependsOn` whose latest finished run failed. */
export function dependenciesFailing(run: Run, latest: (workflow: string) => LatestResult | undefined): number {
  let n = 0;
  for (const dep of new Set(run.dependsOn)) {
    const r = latest(dep);
    if (r !== undefined && isFailing(r.result)) n++;
  }
  return n;
}

/** HealthGaugeProducer is the MetricProducer of resource and run-health gauges. */
export class HealthGaugeProducer implements MetricProducer {
  readonly #o: HealthGaugeOptions;
  readonly #probe: ResourceProbe;

  constructor(opts: HealthGaugeOptions) {
    this.#o = opts;
    this.#probe = opts.probe ?? new ResourceProbe(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir });
  }

  async collect(): Promise<CollectionResult> {
    const nowMs = this.#o.clock();
    const usage = await this.#probe.read(nowMs);
    return { resourceMetrics: { resource: this.#o.resource, scopeMetrics: [{ scope: SCOPE, metrics: this.snapshot(nowMs, usage) }] }, errors: [] };
  }

  /** snapshot builds the gauges from the runs now and a resource reading. */
  snapshot(nowMs: number, usage: ResourceUsage): MetricData[] {
    const now = millisToHrTime(nowMs);
    const point = (value: number, attributes: Attributes = {}): DataPoint<number> => ({ startTime: now, endTime: now, attributes, value });
    const deps: DataPoint<number>[] = [];
    const pending: DataPoint<number>[] = [];
    const warn: DataPoint<number>[] = [];
    const latest = (w: string) => this.#o.source.latestResult(w);
    for (const run of this.#o.source.activeRuns()) {
      const attrs: Attributes = { 'cicd.pipeline.name': run.workflow, 'cicd.pipeline.run.id': run.runId };
      if (run.dependsOn.length > 0) deps.push(point(dependenciesFailing(run, latest), attrs));
      if (run.state === 'pending') pending.push(point(Math.max(0, nowMs - run.startMs) / 1000, attrs));
      for (const phase of run.runningPhases) {
        const w = effectivePhaseBudget(run, phase).warnSeconds;
        if (w !== undefined) warn.push(point(w, { ...attrs, 'cicd.pipeline.task.name': phase }));
      }
    }
    const all: Array<[string, string, string, DataPoint<number>[]]> = [
      ['runwarden.memory.utilization', '1', "Memory in use over the pod's cgroup v2 limit (the host's memory where there is none), 0..1.", usage.memory === undefined ? [] : [point(usage.memory)]],
      ['runwarden.cpu.utilization', '1', "CPU used since the previous collection over the pod's cgroup v2 quota (the host's cores where there is none), 0..1.", usage.cpu === undefined ? [] : [point(usage.cpu)]],
      ['runwarden.data_dir.usage', '1', "Used fraction of the filesystem holding the sidecar's data directory, 0..1.", usage.disk === undefined ? [] : [point(usage.disk)]],
      ['runwarden.run.dependencies.failing', '{workflow}', 'Workflows the run declared in dependsOn whose latest finished run failed, per active run with dependsOn.', deps],
      ['runwarden.run.pending.age', 's', 'Seconds the run has waited to start (pending: no phase start or heartbeat yet), per pending run.', pending],
      ['runwarden.run.phase.warn', 's', 'Warn threshold (warnSeconds, declared or the default for the phase name) of the running phase, per running phase that has one.', warn],
    ];
    return all.filter(([, , , points]) => points.length > 0).map(([name, unit, description, points]) => gaugeData(name, unit, description, points));
  }
}

