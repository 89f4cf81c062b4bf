/**
 * The pipeline's own metrics as a MetricProducer (like RuleMetrics): `runwarden_silences{state}`
 * (silences now active, pending, expired; read at each scrape) and
 * `runwarden_alerts_muted_total{reason}` (alerts left out of a flush: inhibited, silenced,
 * time_interval; one per alert per flush, as Alertmanager's `notifications_suppressed_total`).
 */
import { ValueType } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { hrTime, millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { CollectionResult, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import { SCOPE } from '../telemetry/scope.ts';
import type { SilenceState } from './silences.ts';

/** MuteReason is the `reason` label of runwarden_alerts_muted_total. */
export type MuteReason = 'inhibited' | 'silenced' | 'time_interval';

/** PipelineMetrics counts muted alerts and reads silence counts at collection time. */
export class PipelineMetrics {
  readonly #clock: () => number;
  readonly #startTime: HrTime = hrTime();
  readonly #silences: () => Record<SilenceState, number>;
  readonly #muted: Record<MuteReason, number> = { inhibited: 0, silenced: 0, time_interval: 0 };

  constructor(clock: () => number, silences: () => Record<SilenceState, number>) {
    this.#clock = clock;
    this.#silences = silences;
  }

  /** muted counts `n` alerts muted for `reason`. */
  muted(reason: MuteReason, n: number): void {
    this.#muted[reason] += n;
  }

  /** mutedTotal reads one counter (for tests and logs). */
  mutedTotal(reason: MuteReason): number {
    return this.#muted[reason];
  }

  /** snapshot is the metrics now. */
  snapshot(): MetricData[] {
    const now = millisToHrTime(this.#clock());
    const silences = this.#silences();
    return [
      {
        descriptor: { name: 'runwarden.silences', unit: '{silence}', description: 'Silences by state: active, pending, expired (kept until collected).', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: (Object.keys(silences) as SilenceState[]).map((state) => ({ startTime: now, endTime: now, attributes: { state }, value: silences[state] })),
      },
      {
        descriptor: { name: 'runwarden.alerts.muted', unit: '{alert}', description: 'Alerts left out of a notification, by reason: inhibited, silenced, time_interval.', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: (Object.keys(this.#muted) as MuteReason[]).map((reason) => ({ startTime: this.#startTime, endTime: now, attributes: { reason }, value: this.#muted[reason] })),
      },
    ];
  }

  /** producer wraps the metrics for a Prometheus exporter or reader (`metricProducers`). */
  producer(resource: Resource): MetricProducer {
    return {
      collect: async (): Promise<CollectionResult> => ({
        resourceMetrics: { resource, scopeMetrics: [{ scope: SCOPE, metrics: this.snapshot() }] },
        errors: [],
      }),
    };
  }
}
