/**
 * DeliveryMetrics: the outbox's own metrics, as one MetricProducer on the Prometheus exporter
 * (like RuleMetrics): counters the outbox bumps on its loop, a delivery-latency histogram, and
 * gauges read from the outbox at scrape time (depth, dead letters, circuit state per lane).
 * Names are DELIVERY_METRICS' (src/pipeline/types.ts); the exporter writes them as
 * `runwarden_notifications_sent_total{receiver,integration}`,
 * `runwarden_notifications_failed_total{receiver,integration,reason}`,
 * `runwarden_notification_delivery_duration_seconds_bucket{receiver,integration,le}`,
 * `runwarden_outbox_depth`, `runwarden_notifications_dead`,
 * `runwarden_notifications_dead_lettered_total` and `runwarden_notifier_circuit_state`.
 */
import { ValueType } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { hrTime, millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { CollectionResult, DataPoint, Histogram, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import { SCOPE } from '../telemetry/scope.ts';
import type { FailureReason } from './types.ts';
import { counterData, gaugeData } from '../telemetry/metric-data.ts';

/** LaneStats is one `(receiver, integration)` lane as the gauges show it. */
export interface LaneStats {
  receiver: string;
  integration: string;
  /** Pending notifications. */
  depth: number;
  /** Dead letters kept. */
  dead: number;
  /** 0 closed, 1 half-open, 2 open. */
  circuit: number;
}

/** LaneSource lists the lanes for the gauges; MUST be cheap (no database scans): it runs at every scrape. */
export type LaneSource = () => Iterable<LaneStats>;

/**
 * DELIVERY_DURATION_BUCKETS are the histogram's upper bounds in seconds: from a local receiver's
 * 10 ms to the default one-hour deadline, so both a healthy path and a long outage read well.
 */
export const DELIVERY_DURATION_BUCKETS: readonly number[] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

interface LaneCounters {
  receiver: string;
  integration: string;
  sent: number;
  deadLettered: number;
  failed: Map<FailureReason, number>;
  counts: number[];
  sum: number;
  count: number;
}

/** DeliveryMetrics holds the delivery counters and exports them with the lane gauges. */
export class DeliveryMetrics implements MetricProducer {
  readonly #resource: Resource;
  readonly #clock: () => number;
  readonly #startTime: HrTime = hrTime();
  readonly #lanes = new Map<string, LaneCounters>();
  #source: LaneSource = () => [];

  constructor(resource: Resource, clock: () => number) {
    this.#resource = resource;
    this.#clock = clock;
  }

  /** bind sets where the lane gauges are read from (the outbox, once built). */
  bind(source: LaneSource): void {
    this.#source = source;
  }

  #lane(receiver: string, integration: string): LaneCounters {
    const key = `${receiver}\u0000${integration}`;
    let c = this.#lanes.get(key);
    if (!c) {
      c = { receiver, integration, sent: 0, deadLettered: 0, failed: new Map(), counts: new Array<number>(DELIVERY_DURATION_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.#lanes.set(key, c);
    }
    return c;
  }

  /** delivered counts one notification delivered `seconds` after it was enqueued. */
  delivered(receiver: string, integration: string, seconds: number): void {
    const c = this.#lane(receiver, integration);
    c.sent++;
    const s = Math.max(0, seconds);
    let i = 0;
    while (i < DELIVERY_DURATION_BUCKETS.length && s > (DELIVERY_DURATION_BUCKETS[i] as number)) i++;
    c.counts[i] = (c.counts[i] as number) + 1;
    c.sum += s;
    c.count++;
  }

  /** attemptFailed counts one failed attempt (retryable or not) for `reason`. */
  attemptFailed(receiver: string, integration: string, reason: FailureReason): void {
    const c = this.#lane(receiver, integration);
    c.failed.set(reason, (c.failed.get(reason) ?? 0) + 1);
  }

  /** deadLettered counts one notification that became a dead letter. */
  deadLettered(receiver: string, integration: string): void {
    this.#lane(receiver, integration).deadLettered++;
  }

  async collect(): Promise<CollectionResult> {
    return { resourceMetrics: { resource: this.#resource, scopeMetrics: [{ scope: SCOPE, metrics: this.snapshot() }] }, errors: [] };
  }

  /** snapshot is the metrics now; series of a lane appear once it has had any traffic. */
  snapshot(): MetricData[] {
    const now = millisToHrTime(this.#clock());
    const start = this.#startTime;
    const sent: DataPoint<number>[] = [];
    const failed: DataPoint<number>[] = [];
    const deadLettered: DataPoint<number>[] = [];
    const duration: DataPoint<Histogram>[] = [];
    for (const c of this.#lanes.values()) {
      const attributes = { receiver: c.receiver, integration: c.integration };
      sent.push({ startTime: start, endTime: now, attributes, value: c.sent });
      deadLettered.push({ startTime: start, endTime: now, attributes, value: c.deadLettered });
      for (const [reason, value] of c.failed) failed.push({ startTime: start, endTime: now, attributes: { ...attributes, reason }, value });
      duration.push({
        startTime: start,
        endTime: now,
        attributes,
        value: { buckets: { boundaries: [...DELIVERY_DURATION_BUCKETS], counts: [...c.counts] }, sum: c.sum, count: c.count },
      });
    }
    const depth: DataPoint<number>[] = [];
    const dead: DataPoint<number>[] = [];
    const circuit: DataPoint<number>[] = [];
    for (const l of this.#source()) {
      const attributes = { receiver: l.receiver, integration: l.integration };
      depth.push({ startTime: now, endTime: now, attributes, value: l.depth });
      dead.push({ startTime: now, endTime: now, attributes, value: l.dead });
      circuit.push({ startTime: now, endTime: now, attributes, value: l.circuit });
    }
    const out: MetricData[] = [
      counterData('runwarden.notifications.sent', '{notification}', 'Notifications delivered, by receiver and integration.', sent),
      counterData('runwarden.notifications.failed', '{attempt}', 'Failed delivery attempts (retried or final), by receiver, integration and reason.', failed),
      {
        descriptor: { name: 'runwarden.notification.delivery.duration', unit: 's', description: 'Time from enqueue to delivery of a notification, retries included.', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: duration,
      },
      gaugeData('runwarden.outbox.depth', '{notification}', 'Notifications in the outbox waiting to be delivered.', depth),
      gaugeData('runwarden.notifications.dead', '{notification}', 'Dead letters kept: notifications that failed for good or past their deadline.', dead),
      counterData('runwarden.notifications.dead_lettered', '{notification}', 'Notifications that became dead letters.', deadLettered),
      gaugeData('runwarden.notifier.circuit.state', '', 'Circuit breaker state per integration: 0 closed, 1 half-open, 2 open.', circuit),
    ];
    return out.filter((m) => m.dataPoints.length > 0);
  }
}

