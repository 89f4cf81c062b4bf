/**
 * RuleManager sampling straight from MetricData (the `collect` option): rules see the series under
 * their exposition names and labels, and a series that goes away stops answering at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertBatch } from '../../../src/rules/group.ts';
import { RuleManager } from '../../../src/rules/manager.ts';
import { SampleStore } from '../../../src/series/sample-store.ts';

const RULES = `groups:
  - name: runs
    interval: 15s
    rules:
      - alert: HeartbeatLate
        expr: runwarden_run_heartbeat_age{otel_scope_name="runwarden"} > 60
        labels: {severity: warning}
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function metrics(ages: Record<string, number>): ResourceMetrics {
  const dataPoints = Object.entries(ages).map(([run, value]) => ({ startTime: [0, 0] as [number, number], endTime: [0, 0] as [number, number], attributes: { 'cicd.pipeline.run.id': run }, value }));
  return {
    resource: resourceFromAttributes({ 'service.name': 'runwarden' }),
    scopeMetrics: [{ scope: { name: 'runwarden' }, metrics: [{ descriptor: { name: 'runwarden.run.heartbeat.age', unit: 's', description: '', valueType: ValueType.DOUBLE }, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints }] }],
  };
}

describe('RuleManager with collect', () => {
  it('evaluates on the MetricData, and resolves when the series goes away', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runwarden-collect-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'rules.yaml'), RULES);
    let now = 1_000_000;
    let ages: Record<string, number> = { r1: 90, r2: 5 };
    const meta = new Map<string, unknown>();
    const sent: AlertBatch[] = [];
    const m = new RuleManager({
      sources: { patterns: [join(dir, 'rules.yaml')], defaults: false },
      clock: () => now,
      scrape: () => Promise.reject(new Error('collect is used instead')),
      collect: async () => metrics(ages),
      store: new SampleStore({ retentionMs: 3600_000, maxSamples: 100_000 }),
      state: { setMeta: (k, v) => meta.set(k, v), meta: <T>(k: string) => meta.get(k) as T | undefined },
      notify: (batch) => sent.push(batch),
      logger: pino({ level: 'silent' }),
      evalOptions: { compat: 3, lookbackDeltaMs: 5 * 60_000 },
      defaultIntervalMs: 15_000,
    });
    m.reload();
    await m.tick();
    const firing = sent.flatMap((b) => b.alerts.map((a) => `${a.alert.labels.cicd_pipeline_run_id}:${a.alert.state}`));
    expect(firing).toEqual(['r1:firing']);
    ages = { r2: 5 };
    now += 15_000;
    await m.tick();
    const after = sent.slice(1).flatMap((b) => b.alerts.map((a) => `${a.alert.labels.cicd_pipeline_run_id}:${a.alert.state}`));
    expect(after).toEqual(['r1:inactive']);
    await m.stop();
  });
});
