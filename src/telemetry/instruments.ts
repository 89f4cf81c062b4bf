import type { Attributes, Counter, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';
import { CounterCells } from './counter-cells.ts';

/**
 * Every instrument Runwarden records, in one place. CICD names and attributes follow the OTel
 * CICD semantic conventions; the Prometheus exporter turns dots into underscores and adds `_total`
 * to counters, but appends no unit suffix (`cicd_pipeline_run_duration_bucket`).
 */

/** RUN_DURATION_BUCKETS suit workflows: from 0.1 s to 4 h. */
export const RUN_DURATION_BUCKETS = [
  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 14400,
];

/** INGEST_LATENCY_BUCKETS suit an in-process HTTP handler: from 100 µs to 1 s. */
export const INGEST_LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** ingestAttributes are the attributes of an ingest counter key (see `ingestEvents`). */
function ingestAttributes(key: string): Attributes {
  const [type, outcome = 'accepted', reason] = key.split('|') as [string, string?, string?];
  return reason === undefined ? { type, outcome } : { type, outcome, reason };
}

/** Instruments are the synchronous instruments; per-run gauges come from RunGaugeProducer. */
export interface Instruments {
  runDuration: Histogram;
  runActive: UpDownCounter;
  runErrors: Counter;
  phaseDuration: Histogram;
  retries: Counter;
  /** Counted per event: cells, not an SDK counter (see CounterCells). */
  heartbeats: CounterCells;
  /** Counted per event: cells, not an SDK counter (see CounterCells). */
  ingestEvents: CounterCells;
  ingestDuration: Histogram;
  exportFailures: Counter;
  spansDeferred: Counter;
}

/** createInstruments creates the instruments on `meter`. */
export function createInstruments(meter: Meter): Instruments {
  return {
    runDuration: meter.createHistogram('cicd.pipeline.run.duration', {
      unit: 's',
      description: 'Duration of a pipeline run grouped by pipeline, state and result.',
      advice: { explicitBucketBoundaries: RUN_DURATION_BUCKETS },
    }),
    runActive: meter.createUpDownCounter('cicd.pipeline.run.active', {
      unit: '{run}',
      description: 'The number of pipeline runs currently active in the system by state.',
    }),
    runErrors: meter.createCounter('cicd.pipeline.run.errors', {
      unit: '{error}',
      description: 'The number of errors encountered in pipeline runs (eg. compile, test failures).',
    }),
    phaseDuration: meter.createHistogram('runwarden.phase.duration', {
      unit: 's',
      description: 'Duration of a phase attempt grouped by pipeline, phase and result.',
      advice: { explicitBucketBoundaries: RUN_DURATION_BUCKETS },
    }),
    retries: meter.createCounter('runwarden.retries', {
      unit: '{retry}',
      description: 'Retries reported by workflows, by pipeline and phase.',
    }),
    // Keyed by workflow.
    heartbeats: new CounterCells(meter, 'runwarden.heartbeats', {
      unit: '{heartbeat}',
      description: 'Heartbeats received, by pipeline.',
    }, (workflow) => ({ 'cicd.pipeline.name': workflow })),
    // Keyed `type` (accepted), `type|outcome` or `type|outcome|reason`; event types have no `|`.
    ingestEvents: new CounterCells(meter, 'runwarden.ingest.events', {
      unit: '{event}',
      description: 'Events received by the ingest API, by type and outcome (accepted, duplicate, rejected) and reason.',
    }, ingestAttributes),
    ingestDuration: meter.createHistogram('runwarden.ingest.duration', {
      unit: 's',
      description: 'Time to handle an ingest API call, by route.',
      advice: { explicitBucketBoundaries: INGEST_LATENCY_BUCKETS },
    }),
    exportFailures: meter.createCounter('runwarden.export.failures', {
      unit: '{failure}',
      description: 'Failed export attempts, by signal.',
    }),
    spansDeferred: meter.createCounter('runwarden.spans.deferred', {
      unit: '{span}',
      description: 'Spans that did not fit the export queue; they stay in the log and are exported after the next restart.',
    }),
  };
}
