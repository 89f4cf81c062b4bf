import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPeer, promtoolCheckMetrics, requirePeer } from './peers.ts';

const promtool = requirePeer('promtool');

describe('findPeer and requirePeer', () => {
  const empty = mkdtempSync(join(tmpdir(), 'peers-empty-'));
  const fake = mkdtempSync(join(tmpdir(), 'peers-fake-'));
  afterAll(() => {
    rmSync(empty, { recursive: true, force: true });
    rmSync(fake, { recursive: true, force: true });
  });

  it('finds Alertmanager under its Debian name, and only executable files', () => {
    writeFileSync(join(fake, 'prometheus-alertmanager'), '#!/bin/sh\n');
    chmodSync(join(fake, 'prometheus-alertmanager'), 0o755);
    writeFileSync(join(fake, 'amtool'), 'not executable');
    expect(findPeer('alertmanager', [empty, fake])).toBe(join(fake, 'prometheus-alertmanager'));
    expect(findPeer('amtool', [empty, fake])).toBeUndefined();
  });

  it('skips with one line when a peer is missing outside CI', () => {
    const lines: string[] = [];
    expect(requirePeer('amtool', { dirs: [empty], env: {}, log: (l) => lines.push(l) })).toBeUndefined();
    expect(lines).toEqual(['skipping: amtool not installed (apt-get install -y prometheus prometheus-alertmanager)']);
  });

  it('throws when a peer is missing under CI=true', () => {
    expect(() => requirePeer('prometheus', { dirs: [empty], env: { CI: 'true' } })).toThrow(
      /prometheus is not installed, and CI=true requires it/,
    );
  });

  it('returns the path of an installed peer', () => {
    writeFileSync(join(fake, 'promtool'), '#!/bin/sh\n');
    chmodSync(join(fake, 'promtool'), 0o755);
    expect(requirePeer('promtool', { dirs: [fake], env: { CI: 'true' } })).toBe(join(fake, 'promtool'));
  });
});

describe.skipIf(!promtool)('promtoolCheckMetrics', () => {
  it('passes a clean exposition', async () => {
    const text = [
      '# HELP runwarden_runs_started_total Runs started.',
      '# TYPE runwarden_runs_started_total counter',
      'runwarden_runs_started_total{pipeline="ci"} 3',
      '# HELP runwarden_step_duration_seconds Step duration.',
      '# TYPE runwarden_step_duration_seconds histogram',
      'runwarden_step_duration_seconds_bucket{le="1"} 1',
      'runwarden_step_duration_seconds_bucket{le="+Inf"} 2',
      'runwarden_step_duration_seconds_sum 3.5',
      'runwarden_step_duration_seconds_count 2',
      '',
    ].join('\n');
    expect(await promtoolCheckMetrics(text)).toEqual({ ok: true, exitCode: 0, output: '' });
  });

  it('reports a counter without _total (lint problem, exit 3)', async () => {
    const result = await promtoolCheckMetrics('# HELP runs Runs.\n# TYPE runs counter\nruns 1\n');
    expect(result).toMatchObject({ ok: false, exitCode: 3 });
    expect(result.output).toContain('runs counter metrics should have "_total" suffix');
  });

  it('reports an exposition that does not parse (exit 1)', async () => {
    const result = await promtoolCheckMetrics('runs{pipeline="ci" 1\n');
    expect(result).toMatchObject({ ok: false, exitCode: 1 });
    expect(result.output).toContain('text format parsing error in line 1');
  });

  it('passes what @opentelemetry/exporter-prometheus serializes (curly-brace unit, seconds, up-down counter)', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'runwarden' }), readers: [exporter] });
    const meter = provider.getMeter('runwarden', '0.1.0');
    meter.createCounter('runwarden_errors', { unit: '{error}', description: 'Errors.' }).add(2, { kind: 'config' });
    meter.createHistogram('runwarden_step_duration', { unit: 's', description: 'Step duration.' }).record(0.5);
    meter.createUpDownCounter('runwarden_runs_active').add(3);
    const { resourceMetrics } = await exporter.collect();
    const text = new PrometheusSerializer().serialize(resourceMetrics);
    await provider.shutdown();
    // The serializer appends _total to counters but no unit suffix, and writes OpenMetrics-style
    // `# UNIT` lines; promtool's text-format lint accepts all of it.
    expect(text).toContain('# TYPE runwarden_errors_total counter');
    expect(text).toContain('# UNIT runwarden_step_duration s');
    expect(await promtoolCheckMetrics(text)).toEqual({ ok: true, exitCode: 0, output: '' });
  });
});
