import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';

/**
 * Builders of the MetricData that Runwarden's MetricProducers hand the exporters: the series that
 * are computed at collection time (per-run gauges, rule, delivery and health metrics) rather than
 * recorded through SDK instruments. Names are OTel names; the Prometheus exporter turns dots into
 * underscores and adds `_total` to counters.
 */

/** gaugeData is a double gauge. */
export function gaugeData(name: string, unit: string, description: string, dataPoints: DataPoint<number>[]): MetricData {
  return {
    descriptor: { name, unit, description, valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints,
  };
}

/** counterData is a cumulative monotonic double sum: its points' startTime is when counting began. */
export function counterData(name: string, unit: string, description: string, dataPoints: DataPoint<number>[]): MetricData {
  return {
    descriptor: { name, unit, description, valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints,
  };
}
