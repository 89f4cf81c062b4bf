/**
 * otel-collector.yaml, without a Collector: every component it configures or references exists in
 * the Collector release docker-compose.yml pins (deploy/otelcol-components.json, transcribed from
 * that release's manifest), and every pipeline is wired from a receiver to an exporter through
 * defined components, memory_limiter first and batch last. Also what the issue asks of it: OTLP
 * over gRPC and HTTP, traces to Jaeger over OTLP with a persistent (file_storage) sending queue
 * that never gives up, metrics to a Prometheus endpoint, and k8sattributes explained.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './run-tool.ts';

type Kind = 'receivers' | 'processors' | 'exporters' | 'extensions' | 'connectors';
const KINDS: Kind[] = ['receivers', 'processors', 'exporters', 'extensions', 'connectors'];

interface Pipeline {
  receivers?: string[];
  processors?: string[];
  exporters?: string[];
}
type Section = Record<string, Record<string, any> | null>;
interface CollectorConfig extends Partial<Record<Kind, Section>> {
  service: { extensions?: string[]; pipelines: Record<string, Pipeline> };
}
interface ComponentList {
  version: string;
  image: string;
  types: Record<Kind, Record<string, string>>;
  modules: Record<Kind, string[]>;
}

const text = readFileSync(join(ROOT, 'otel-collector.yaml'), 'utf8');
const config = parse(text) as CollectorConfig;
const release = JSON.parse(readFileSync(join(ROOT, 'deploy', 'otelcol-components.json'), 'utf8')) as ComponentList;

/** wiringProblems lists what is wrong with a collector config against a release's components. */
function wiringProblems(c: CollectorConfig, r: ComponentList): string[] {
  const problems: string[] = [];
  const defined = (kind: Kind) => Object.keys(c[kind] ?? {});
  for (const kind of KINDS) {
    for (const id of defined(kind)) {
      const type = id.split('/')[0]!;
      const module = r.types[kind][type];
      if (module === undefined) problems.push(`${kind}.${id}: no ${kind.slice(0, -1)} of type ${type} in otelcol-contrib ${r.version}`);
      else if (!r.modules[kind].includes(module)) problems.push(`${kind}.${id}: module ${module} is not in otelcol-contrib ${r.version}`);
    }
  }
  const used = new Set<string>();
  const pipelines = Object.entries(c.service.pipelines ?? {});
  if (pipelines.length === 0) problems.push('service.pipelines: none');
  for (const [name, p] of pipelines) {
    const signal = name.split('/')[0]!;
    if (!['traces', 'metrics', 'logs'].includes(signal)) problems.push(`pipeline ${name}: unknown signal ${signal}`);
    for (const role of ['receivers', 'exporters'] as const) {
      if ((p[role] ?? []).length === 0) problems.push(`pipeline ${name}: no ${role}`);
    }
    for (const role of ['receivers', 'processors', 'exporters'] as const) {
      for (const id of p[role] ?? []) {
        used.add(`${role}.${id}`);
        // A connector may stand for a receiver or an exporter.
        const known = defined(role).includes(id) || (role !== 'processors' && defined('connectors').includes(id));
        if (!known) problems.push(`pipeline ${name}: ${role} ${id} is not defined`);
      }
    }
    const procs = p.processors ?? [];
    if (procs.includes('memory_limiter') && procs[0] !== 'memory_limiter') problems.push(`pipeline ${name}: memory_limiter must come first`);
    if (procs.includes('batch') && procs.at(-1) !== 'batch') problems.push(`pipeline ${name}: batch must come last`);
  }
  for (const role of ['receivers', 'processors', 'exporters'] as const) {
    for (const id of defined(role)) if (!used.has(`${role}.${id}`)) problems.push(`${role}.${id}: defined but in no pipeline`);
  }
  for (const id of c.service.extensions ?? []) if (!defined('extensions').includes(id)) problems.push(`service.extensions: ${id} is not defined`);
  for (const id of defined('extensions')) if (!(c.service.extensions ?? []).includes(id)) problems.push(`extensions.${id}: defined but not enabled`);
  // A sending queue's storage must be an enabled storage extension.
  for (const [id, e] of Object.entries(c.exporters ?? {})) {
    const storage = e?.sending_queue?.storage as string | undefined;
    if (storage !== undefined && !(c.service.extensions ?? []).includes(storage)) problems.push(`exporters.${id}: queue storage ${storage} is not an enabled extension`);
  }
  return problems;
}

describe('otel-collector.yaml', () => {
  it('uses only components of the pinned release, and wires every pipeline from receiver to exporter', () => {
    expect(wiringProblems(config, release)).toEqual([]);
  });

  it('the wiring check finds what is wrong (it can fail)', () => {
    const bad = structuredClone(config);
    bad.processors!.memory_limter = {};
    bad.exporters!['otlp/unused'] = {};
    bad.service.pipelines.traces = { receivers: ['otlp'], processors: ['batch', 'memory_limiter'], exporters: ['otlp/missing'] };
    bad.service.extensions = ['health_check'];
    expect(wiringProblems(bad, release)).toEqual([
      'processors.memory_limter: no processor of type memory_limter in otelcol-contrib 0.136.0',
      'pipeline traces: exporters otlp/missing is not defined',
      'pipeline traces: memory_limiter must come first',
      'pipeline traces: batch must come last',
      'processors.memory_limter: defined but in no pipeline',
      'exporters.otlp/jaeger: defined but in no pipeline',
      'exporters.otlp/unused: defined but in no pipeline',
      'extensions.file_storage/queue: defined but not enabled',
      'exporters.otlp/jaeger: queue storage file_storage/queue is not an enabled extension',
    ]);
  });

  it('takes OTLP over gRPC and HTTP', () => {
    expect(config.receivers?.otlp?.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
  });

  it('sends traces to Jaeger over OTLP through a persistent queue that never drops a batch', () => {
    const traces = config.service.pipelines.traces!;
    expect(traces.exporters).toEqual(['otlp/jaeger']);
    const jaeger = config.exporters!['otlp/jaeger']!;
    expect(jaeger.endpoint).toBe('jaeger:4317');
    expect(jaeger.sending_queue).toMatchObject({ enabled: true, storage: 'file_storage/queue' });
    expect(jaeger.retry_on_failure).toMatchObject({ enabled: true, max_elapsed_time: '0s' });
    expect(config.extensions!['file_storage/queue']!.directory).toBe('/var/lib/otelcol/queue');
    // The queue's directory is a named volume in the compose stack, so it outlives the container.
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { volumes?: string[] }> };
    expect(compose.services['otel-collector']!.volumes).toContain('otelcol-queue:/var/lib/otelcol/queue');
  });

  it('exposes metrics to Prometheus, and the Collector\'s own metrics too', () => {
    expect(config.service.pipelines.metrics!.exporters).toEqual(['prometheus']);
    expect(config.exporters!.prometheus!.endpoint).toBe('0.0.0.0:8889');
    const prom = parse(readFileSync(join(ROOT, 'deploy', 'compose', 'prometheus.yml'), 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const targets = prom.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets));
    expect(targets).toEqual(expect.arrayContaining(['otel-collector:8889', 'otel-collector:8888']));
  });

  it('runs memory_limiter, resource detection and batch in every pipeline, and explains how to enable k8sattributes', () => {
    for (const p of Object.values(config.service.pipelines)) {
      expect(p.processors).toEqual(['memory_limiter', 'resourcedetection', 'resource', 'batch']);
    }
    expect(text).toMatch(/^ {2}# k8sattributes:$/m);
    expect(text).toMatch(/add `k8sattributes` after\s+# `memory_limiter`/);
    // What the commented block would need is in the release too.
    expect(release.types.processors.k8sattributes).toBeDefined();
  });
});
