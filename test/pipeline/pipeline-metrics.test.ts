/**
 * The pipeline's metrics as /metrics shows them: runwarden_silences{state} and
 * runwarden_alerts_muted_total{reason}, through the Prometheus exporter, linted by promtool.
 */
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { PipelineMetrics } from '../../src/pipeline/pipeline-metrics.ts';
import { promtoolCheckMetrics, requirePeer } from '../helpers/peers.ts';
import { T0 } from './pipeline-fakes.ts';

const promtool = requirePeer('promtool');

async function exposition(metrics: PipelineMetrics): Promise<string> {
  const resource = resourceFromAttributes({ 'service.name': 'runwarden' });
  const exporter = new PrometheusExporter({ preventServerStart: true, metricProducers: [metrics.producer(resource)] });
  const provider = new MeterProvider({ resource, readers: [exporter] });
  try {
    const { resourceMetrics } = await exporter.collect();
    return new PrometheusSerializer().serialize(resourceMetrics);
  } finally {
    await provider.shutdown();
  }
}

describe('PipelineMetrics', () => {
  it('exports silences by state and muted alerts by reason', async () => {
    const metrics = new PipelineMetrics(() => T0, () => ({ active: 2, pending: 1, expired: 0 }));
    metrics.muted('inhibited', 3);
    metrics.muted('silenced', 1);
    metrics.muted('inhibited', 1);
    // Sample lines without the scope labels the exporter adds to every series.
    const samples = (await exposition(metrics))
      .split('\n')
      .filter((l) => l.startsWith('runwarden_'))
      .map((l) => l.replace(/,otel_scope_[a-z_]+="[^"]*"/g, ''));
    expect(samples).toEqual([
      'runwarden_silences{state="active"} 2',
      'runwarden_silences{state="pending"} 1',
      'runwarden_silences{state="expired"} 0',
      'runwarden_alerts_muted_total{reason="inhibited"} 4',
      'runwarden_alerts_muted_total{reason="silenced"} 1',
      'runwarden_alerts_muted_total{reason="time_interval"} 0',
    ]);
  });

  it.skipIf(!promtool)('passes promtool check metrics', async () => {
    const metrics = new PipelineMetrics(() => T0, () => ({ active: 0, pending: 0, expired: 0 }));
    expect(await promtoolCheckMetrics(await exposition(metrics))).toEqual({ ok: true, exitCode: 0, output: '' });
  });
});
