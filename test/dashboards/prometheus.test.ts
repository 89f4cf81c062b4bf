/**
 * The proof that the dashboards show something: a real Prometheus on loopback scrapes a real
 * sidecar every second while the scripted demo load (test/helpers/demo-load.ts) runs; then every
 * PromQL expression of every panel, with its variables substituted as Grafana would, goes to that
 * Prometheus and must parse and return at least one real (finite) value. Range panels are asked
 * as Grafana asks them (query_range), instant ones as instant queries. Each expression runs twice:
 * with every variable on All, and with one namespace, job, workflow and sidecar chosen.
 *
 * The sidecar delivers its alerts (the bundled ones for the stuck run, and two flapping demo
 * alerts) to two local webhooks, one that accepts and one that fails, so the delivery panels have
 * data too. The only exception would be PARSE_ONLY (parse-only.ts), empty now: panels over series
 * the sidecar does not serve yet, which must still parse.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemoLoad } from '../helpers/demo-load.ts';
import type { DemoLoadStats } from '../helpers/demo-load.ts';
import { requirePeer } from '../helpers/peers.ts';
import { startSidecarProcess } from '../helpers/sidecar-process.ts';
import type { SidecarProcess } from '../helpers/sidecar-process.ts';
import { freePort, startPrometheus } from './prometheus-server.ts';
import type { PrometheusServer } from './prometheus-server.ts';
import { allPanels, panelQueries, readDashboards, substitute } from './dashboards.ts';
import { PARSE_ONLY } from './parse-only.ts';

const prometheus = requirePeer('prometheus');

const LOAD_MS = 20_000;

/**
 * sidecarConfig evaluates rules every second and delivers alerts to two webhooks: `chat` (warnings
 * and below, answered 200) and `pager` (critical, answered 503), whose notifications fail, are
 * retried, open its circuit and become dead letters after a 6 s deadline: every delivery panel
 * has something to show.
 */
function sidecarConfig(chat: string, pager: string): string {
  return `rules:
  interval: 1s
  files: [demo.rules.yaml]
alerting:
  route:
    receiver: chat
    group_by: [alertname]
    group_wait: 1s
    group_interval: 2s
    repeat_interval: 1h
    routes:
      - receiver: pager
        matchers: ['severity="critical"']
  receivers:
    - name: chat
      webhook_configs: [{ url: '${chat}' }]
    - name: pager
      webhook_configs: [{ url: '${pager}' }]
  delivery:
    deadline: 6s
    initial_backoff: 500ms
    max_backoff: 1s
    circuit_failures: 3
    circuit_reset: 2s
`;
}

/** FLAPPING_RULES fire and resolve every few seconds, so notifications keep flowing during the load. */
const FLAPPING_RULES = `groups:
  - name: demo-flapping
    rules:
      - alert: DemoFlappingPage
        expr: vector(time() % 6) < 3
        labels: { severity: critical }
      - alert: DemoFlappingChat
        expr: vector(time() % 4) < 2
        labels: { severity: info }
`;

/** Hook is a local webhook receiver answering every request with one status. */
interface Hook {
  url: string;
  close(): Promise<void>;
}

/** startHook listens on 127.0.0.1, port 0. */
function startHook(status: number): Promise<Hook> {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(status).end());
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/hook`, close: () =>
          new Promise((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}

const NAMESPACE = 'demo';
const INTERVALS = { rate: '1m', interval: '2s', range: '5m' };

interface PromAnswer {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
}

/** finiteValues counts the samples of an answer that are numbers (NaN and ±Inf show as broken panels). */
function finiteValues(answer: PromAnswer): number {
  let n = 0;
  for (const s of answer.data?.result ?? []) {
    for (const [, v] of s.values ?? (s.value ? [s.value] : [])) if (Number.isFinite(Number(v))) n++;
  }
  return n;
}

describe.skipIf(!prometheus)('the dashboards against a real Prometheus scraping a real sidecar', () => {
  let sidecar: SidecarProcess;
  let prom: PrometheusServer;
  let stats: DemoLoadStats;
  let configDir: string;
  let loadStart: number;
  let instance: string;
  let hooks: Hook[] = [];

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'runwarden-dashboards-'));
    const [chat, pager] = await Promise.all([startHook(200), startHook(503)]);
    hooks = [chat, pager];
    writeFileSync(join(configDir, 'runwarden.yaml'), sidecarConfig(chat.url, pager.url));
    writeFileSync(join(configDir, 'demo.rules.yaml'), FLAPPING_RULES);
    // Spans go to a port nobody listens on, so exporter failures have a series too.
    const deadPort = await freePort();
    sidecar = await startSidecarProcess({
      RUNWARDEN_CONFIG: join(configDir, 'runwarden.yaml'),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${deadPort}`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    const metrics = new URL(sidecar.metricsUrl);
    instance = metrics.host;
    prom = await startPrometheus(prometheus as string, [
      { job: 'runwarden', address: metrics.host, metricsPath: metrics.pathname, labels: { namespace: NAMESPACE } },
    ]);
    loadStart = Date.now();
    stats = await runDemoLoad({ apiUrl: sidecar.apiUrl, durationMs: LOAD_MS });
    // Two more scrapes, so the last tick's series are in Prometheus.
    await new Promise((r) => setTimeout(r, 2500));
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    await sidecar?.stop();
    await Promise.all(hooks.map((h) => h.close()));
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  async function query(expr: string, instant: boolean): Promise<PromAnswer> {
    const end = Date.now() / 1000;
    const params = instant
      ? new URLSearchParams({ query: expr, time: String(end) })
      : new URLSearchParams({ query: expr, start: String(loadStart / 1000), end: String(end), step: '2' });
    const res = await fetch(`${prom.url}/api/v1/${instant ? 'query' : 'query_range'}`, { method: 'POST', body: params });
    return (await res.json()) as PromAnswer;
  }

  it('the demo load ran without a refused call', () => {
    expect(stats.unexpected).toEqual([]);
    expect(stats.finishedRuns).toBeGreaterThanOrEqual(15);
  });

  it('the variables list values from Prometheus', async () => {
    const end = Date.now() / 1000;
    for (const d of readDashboards()) {
      for (const v of d.model.templating.list.filter((v: any) => v.type === 'query')) {
        const m = /^label_values\((.+),\s*(\w+)\)$/.exec(v.query.query);
        expect(m, `${d.file}: variable ${v.name} is not a label_values() query`).not.toBeNull();
        const selector = substitute((m as RegExpExecArray)[1] as string, { namespace: '.*', job: '.*', workflow: '.*' }, INTERVALS);
        const params = new URLSearchParams({ 'match[]': selector, start: String(loadStart / 1000), end: String(end) });
        const answer = (await (await fetch(`${prom.url}/api/v1/series?${params}`)).json()) as { status: string; data: Record<string, string>[] };
        expect(answer.status, `${d.file}: variable ${v.name}`).toBe('success');
        const values = new Set(answer.data.map((s) => s[(m as RegExpExecArray)[2] as string]).filter((x) => x !== undefined));
        expect(values.size, `${d.file}: variable ${v.name} (${v.query.query}) lists nothing`).toBeGreaterThan(0);
      }
    }
  });

  // The stuck run is the one phase over budget and the one run with late heartbeats; with the
  // three live runs it makes four active runs. Counted on the stats a user reads first.
  it.each([
    ['live-runs.json', 'Active runs', 'stat', 4],
    ['live-runs.json', 'Phases over budget', 'stat', 1],
    ['live-runs.json', 'Runs with late heartbeats', 'stat', 1],
    ['phases.json', 'Phases over budget now', 'stat', 1],
    ['workflow-overview.json', 'Active runs', 'stat', 4],
  ])('%s "%s" (%s) shows %i', async (file, title, type, expected) => {
    const d = readDashboards().find((x) => x.file === file);
    const q = panelQueries(d as NonNullable<typeof d>).find((x) => x.panel === title);
    const all = { namespace: '.*', job: '.*', workflow: '.*', phase: '.*' };
    const answer = await query(substitute(q?.expr as string, all, INTERVALS), true);
    expect(allPanels(d?.model).find((p) => p.title === title)?.type).toBe(type);
    expect(answer.data?.result.map((r) => Number(r.value?.[1]))).toEqual([expected]);
  });

  const choices: [string, (inst: string) => Record<string, string>][] = [
    ['every variable on All', () => ({ namespace: '.*', job: '.*', workflow: '.*', phase: '.*', instance: '.*', run_state: 'executing' })],
    ['one namespace, job, workflow and sidecar', (inst) => ({ namespace: NAMESPACE, job: 'runwarden', workflow: 'nightly-etl', phase: '.*', instance: inst, run_state: 'executing' })],
  ];

  it.each(choices)('every panel query parses and returns data, %s', async (_name, values) => {
    const problems: string[] = [];
    const parseOnlySeen = new Set<string>();
    let checked = 0;
    for (const d of readDashboards()) {
      for (const q of panelQueries(d)) {
        const key = `${d.file}: ${q.panel}`;
        const expr = substitute(q.expr, values(instance), INTERVALS);
        const answer = await query(expr, q.instant);
        checked++;
        if (answer.status !== 'success') problems.push(`${key} (${q.refId}) does not run: ${answer.error}\n    ${expr}`);
        else if (PARSE_ONLY.has(key)) parseOnlySeen.add(key);
        else if (finiteValues(answer) === 0) problems.push(`${key} (${q.refId}) is empty (${answer.data?.result.length ?? 0} series, no finite value)\n    ${expr}`);
      }
    }
    expect(problems, `${problems.length} of ${checked} panel queries broken or empty:\n${problems.join('\n')}\n${prom.output()}`).toEqual([]);
    // The allowlist names panels that exist: a renamed panel must not stay excused by a stale entry.
    expect([...PARSE_ONLY].filter((k) => !parseOnlySeen.has(k))).toEqual([]);
    expect(checked).toBeGreaterThan(60);
  });
});
