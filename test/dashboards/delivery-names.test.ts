/**
 * The delivery panels read the series and labels the delivery producers (DeliveryMetrics,
 * PipelineMetrics) export, as the Prometheus exporter writes them. prometheus.test.ts proves the
 * same end to end where Prometheus is installed; this runs everywhere, in milliseconds, and names
 * the missing metric or label.
 */
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { DeliveryMetrics } from '../../src/pipeline/delivery-metrics.ts';
import { PipelineMetrics } from '../../src/pipeline/pipeline-metrics.ts';
import { panelQueries, readDashboards } from './dashboards.ts';

/** exposition is the delivery producers' /metrics text after some traffic on one lane. */
async function exposition(): Promise<string> {
  const resource = resourceFromAttributes({ 'service.name': 'runwarden' });
  const delivery = new DeliveryMetrics(resource, () => 1_800_000_000_000);
  delivery.bind(() => [{ receiver: 'chat', integration: 'slack/0', depth: 2, dead: 1, circuit: 0 }]);
  delivery.delivered('chat', 'slack/0', 0.4);
  delivery.attemptFailed('chat', 'slack/0', 'timeout');
  delivery.deadLettered('chat', 'slack/0');
  const pipeline = new PipelineMetrics(() => 1_800_000_000_000, () => ({ active: 1, pending: 0, expired: 0 }));
  pipeline.muted('silenced', 1);
  const serializer = new PrometheusSerializer();
  const texts = await Promise.all(
    [delivery, pipeline.producer(resource)].map(async (p) => serializer.serialize((await p.collect()).resourceMetrics)),
  );
  return texts.join('\n');
}

/** seriesOf lists each sample line's metric name with its label names. */
function seriesOf(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!m) continue;
    const labels = out.get(m[1] as string) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(l[1] as string);
    out.set(m[1] as string, labels);
  }
  return out;
}

describe('the delivery panels', () => {
  // The panels under the "Notification delivery" row, up to the next row.
  const d = readDashboards().find((x) => x.file === 'alerts-and-delivery.json');
  const panels: any[] = d?.model.panels ?? [];
  const start = panels.findIndex((p) => p.type === 'row' && p.title === 'Notification delivery');
  const end = panels.findIndex((p, i) => i > start && p.type === 'row');
  const titles = new Set(panels.slice(start + 1, end < 0 ? undefined : end).map((p) => p.title));
  const queries = panelQueries(d as NonNullable<typeof d>).filter((q) => titles.has(q.panel));

  it('exist', () => {
    expect(start).toBeGreaterThan(0);
    expect(titles.size).toBeGreaterThanOrEqual(8);
  });

  it('read metrics and labels the delivery producers export', async () => {
    const series = seriesOf(await exposition());
    const problems: string[] = [];
    for (const q of queries) {
      const metrics = [...q.expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1] as string);
      const grouped = [...q.expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => (m[1] as string).split(',').map((l) => l.trim()));
      expect(metrics.length, `${q.panel}: ${q.expr}`).toBeGreaterThan(0);
      for (const metric of metrics) {
        const labels = series.get(metric);
        if (!labels) {
          problems.push(`${q.panel}: ${metric} is not exported (exported: ${[...series.keys()].join(', ')})`);
          continue;
        }
        for (const l of grouped) if (l !== 'le' && !labels.has(l)) problems.push(`${q.panel}: ${metric} has no label ${l}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
