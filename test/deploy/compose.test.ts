/**
 * The compose stack (docker-compose.yml and deploy/compose/), without a Docker engine: Debian's
 * `docker-compose config -q` accepts it, it is valid against the compose-spec JSON schema, every
 * service has a health check and a pinned image, every file it mounts exists, Prometheus's config
 * passes `promtool check config` with its rule files resolved through the compose mounts, the
 * sidecar's config loads as the sidecar loads it, and the services point at each other by the
 * names and ports the stack defines.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import type { AlertmanagerIntegration } from '../../src/pipeline/types.ts';
import { requirePeer } from '../helpers/peers.ts';
import { composeSpecProblems } from './compose-schema.ts';
import { ROOT, runTool } from './run-tool.ts';

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');
const compose = parse(read('docker-compose.yml')) as Compose;
const services = compose.services;
const dockerCompose = requirePeer('docker-compose');
const promtool = requirePeer('promtool');

// bindMounts maps each container path bound from the repository to its repository path.
function bindMounts(service: Service): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of service.volumes ?? []) {
    const [source, target] = v.split(':');
    if (source!.startsWith('./')) out.set(target!, source!.slice(2));
  }
  return out;
}

describe('docker-compose.yml', () => {
  it('is valid against the compose-spec JSON schema', () => {
    expect(composeSpecProblems(compose)).toEqual([]);
  });

  it('the schema check can fail: an unknown field and a bad duration are named', () => {
    const bad = structuredClone(compose);
    (bad.services.demo as Record<string, unknown>).helthcheck = {};
    (bad.services.prometheus!.healthcheck as Record<string, unknown>).interval = '10 parsecs';
    expect(composeSpecProblems(bad).toSorted()).toEqual([
      '/services/demo: must NOT have additional properties (helthcheck)',
      '/services/prometheus/healthcheck/interval: must match format "duration"',
    ]);
  });

  it('runs the whole stack: sidecar, Collector, Prometheus, Alertmanager, Jaeger, Grafana, demo', () => {
    expect(Object.keys(services).toSorted()).toEqual(['alertmanager', 'demo', 'grafana', 'jaeger', 'otel-collector', 'prometheus', 'runwarden']);
  });

  it('gives every service a health check and a pinned image', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.healthcheck?.test?.[0], name).toBe('CMD');
      expect(s.healthcheck!.test.length, name).toBeGreaterThan(1);
      if (s.image !== undefined) expect(s.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
      if (s.image !== undefined) expect(s.image, name).not.toMatch(/:latest$/);
    }
    // The sidecar is built from the repository's Dockerfile, the Collector from its pinned image.
    expect(services.runwarden!.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
  });

  it('mounts only files and directories that exist in the repository', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const source of bindMounts(s).values()) expect(existsSync(join(ROOT, source)), `${name}: ${source}`).toBe(true);
      if (s.build) {
        expect(existsSync(join(ROOT, s.build.context, s.build.dockerfile ?? 'Dockerfile')), name).toBe(true);
      }
    }
    for (const s of Object.values(services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (!source.startsWith('./')) expect(Object.keys(compose.volumes), v).toContain(source);
      }
    }
  });

  it('pins the Collector release whose components deploy/otelcol-components.json lists', () => {
    const components = JSON.parse(read('deploy/otelcol-components.json')) as { image: string };
    expect(services['otel-collector']!.build?.args?.OTELCOL_IMAGE).toBe(components.image);
    expect(read('deploy/compose/otelcol.Dockerfile')).toContain(`ARG OTELCOL_IMAGE=${components.image}\n`);
    expect(bindMounts(services['otel-collector']!).get('/etc/otelcol-contrib/config.yaml')).toBe('otel-collector.yaml');
  });

  it('loads the sidecar config as the sidecar does, forwarding alerts to the stack\'s Alertmanager', () => {
    const sidecar = services.runwarden!;
    const env = { ...sidecar.environment } as Record<string, string>;
    const host = bindMounts(sidecar).get(env.RUNWARDEN_CONFIG!);
    expect(host).toBe('deploy/compose/runwarden.yaml');
    const config = loadConfig({}, { ...env, RUNWARDEN_CONFIG: join(ROOT, host!) }, ROOT);
    const am = config.alerting?.receivers.get(config.alerting.route.receiver);
    expect(am?.integrations).toEqual([expect.objectContaining({ kind: 'alertmanager', urls: ['http://alertmanager:9093'] } satisfies Partial<AlertmanagerIntegration>)]);
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
  });

  it('sends the demo\'s webhooks and the sidecar\'s scrape to the ports those services listen on', () => {
    const am = parse(read('deploy/compose/alertmanager.yml')) as { receivers: { webhook_configs?: { url: string }[] }[] };
    const port = services.demo!.environment!.DEMO_LISTEN;
    const urls = am.receivers.flatMap((r) => r.webhook_configs ?? []).map((w) => w.url);
    expect(urls.length).toBe(2);
    for (const u of urls) expect(u).toMatch(new RegExp(`^http://demo:${port}/notifications/[\\w-]+$`));
    expect(services.demo!.environment!.RUNWARDEN_URL).toBe('http://runwarden:7171');
    const prom = parse(read('deploy/compose/prometheus.yml')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const job = prom.scrape_configs.find((c) => c.job_name === 'runwarden');
    expect(job?.static_configs[0]?.targets).toEqual(['runwarden:9464']);
  });
});

describe.skipIf(!dockerCompose)('docker-compose.yml: docker-compose', () => {
  it('docker-compose config -q accepts it', () => {
    const r = runTool(dockerCompose!, ['--file', 'docker-compose.yml', 'config', '-q']);
    expect(r.status, r.output).toBe(0);
  });

  it('docker-compose config -q refuses a broken copy (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runwarden-compose-'));
    try {
      const bad = structuredClone(compose);
      (bad.services.runwarden!.healthcheck as Record<string, unknown>).interval = 'often';
      writeFileSync(join(dir, 'docker-compose.yml'), stringify(bad));
      const r = runTool(dockerCompose!, ['--file', join(dir, 'docker-compose.yml'), 'config', '-q'], dir);
      expect(r.status, r.output).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!promtool)('deploy/compose/prometheus.yml: promtool', () => {
  it('promtool check config passes, with the fleet rule files found through the compose mounts', () => {
    const prometheus = services.prometheus!;
    const mounts = bindMounts(prometheus);
    const dir = mkdtempSync(join(tmpdir(), 'runwarden-prometheus-'));
    try {
      // Lay out what the container sees: the config, and the rule files where they are mounted.
      const config = parse(readFileSync(join(ROOT, mounts.get('/etc/prometheus/prometheus.yml')!), 'utf8')) as { rule_files: string[] };
      const rulesDir = [...mounts].find(([target]) => config.rule_files[0]!.startsWith(`${target}/`));
      expect(rulesDir, 'rule_files must lie in a mounted directory').toBeDefined();
      cpSync(join(ROOT, rulesDir![1]), join(dir, 'rules'), { recursive: true });
      config.rule_files = config.rule_files.map((f) => f.replace(`${rulesDir![0]}/`, `${dir}/rules/`));
      writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
      const r = runTool(promtool!, ['check', 'config', join(dir, 'prometheus.yml')]);
      expect(r.status, r.output).toBe(0);
      expect(r.output).toMatch(/SUCCESS: 3 rule files found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
