/**
 * The proof that the dashboards show something: a real Prometheus on loopback scrapes a real
 * sidecar every second while the compose stack's demo workload (deploy/demo/demo.ts, what
 * `docker compose up` runs) drives it for the stack's first minute, sped up; then every
 * PromQL expression of every panel, with its variables substituted as Grafana would, goes to that
 * Prometheus and must parse and return at least one real (finite) value. Range panels are asked
 * as Grafana asks them (query_range), instant ones as instant queries. Each expression runs twice:
 * with every variable on All, and with one namespace, job, workflow and sidecar chosen.
 *
 * The sidecar runs the compose stack's config (deploy/compose/runwarden.yaml: the bundled rules,
 * its external labels, store and trace links) with two changes a 20 s test needs: rules evaluate
 * every second, and alerts go to two local webhooks, one that accepts and one that fails, instead
 * of the stack's Alertmanager, so the delivery panels have data too (with two flapping demo alerts
 * added, since the bundled ones take minutes to fire). The only exception would be PARSE_ONLY (parse-only.ts), empty now: panels over series
 * the sidecar does not serve yet, which must still parse.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startDemo, WORKFLOWS } from '../../deploy/demo/demo.ts';
import type { Demo } from '../../deploy/demo/demo.ts';
import { requirePeer } from '../helpers/peers.ts';
import { ROOT, startSidecarProcess } from '../helpers/sidecar-process.ts';
import type { SidecarProcess } from '../helpers/sidecar-process.ts';
import { freePort, startPrometheus } from './prometheus-server.ts';
import type { PrometheusServer } from './prometheus-server.ts';
import { allPanels, panelQueries, readDashboards, substitute } from './dashboards.ts';
import { PARSE_ONLY } from './parse-only.ts';

const prometheus = requirePeer('prometheus');

/**
 * TIME_SCALE runs the demo 6x faster than real time, three times the stack's DEMO_TIME_SCALE=2, so
 * that LOAD_MS (20 s, 120 demo seconds) is the stack's first minute: what `docker compose up`
 * promises. Heartbeats (every 5/6 s) stay far enough apart for a busy machine to keep them on time.
 */
const TIME_SCALE = 6;
const LOAD_MS = 20_000;

/**
 * sidecarConfig is deploy/compose/runwarden.yaml with rules evaluated every second (the bundled
 * ones and the flapping demo rules) and alerts delivered to two webhooks: `chat` (warnings and
 * below, answered 200) and `pager` (critical, answered 503), whose notifications fail, are
 * retried, open its circuit and become dead letters after a 6 s deadline: every delivery panel
 * has something to show.
 */
function sidecarConfig(chat: string, pager: string): string {
  const config = parse(readFileSync(join(ROOT, 'deploy', 'compose', 'runwarden.yaml'), 'utf8'));
  config.rules = { ...config.rules, interval: '1s', files: ['demo.rules.yaml'] };
  config.alerting = {
    ...config.alerting,
    route: {
      receiver: 'chat',
      group_by: ['alertname'],
      group_wait: '1s',
      group_interval: '2s',
      repeat_interval: '1h',
      routes: [{ receiver: 'pager', matchers: ['severity="critical"'] }],
    },
    receivers: [
      { name: 'chat', webhook_configs: [{ url: chat }] },
      { name: 'pager', webhook_configs: [{ url: pager }] },
    ],
    delivery: { deadline: '6s', initial_backoff: '500ms', max_backoff: '1s', circuit_failures: 3, circuit_reset: '2s' },
  };
  return stringify(config);
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
  let demo: Demo | undefined;
  const demoLog: string[] = [];
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
    // The demo goes on while the queries run: live runs keep their heartbeats on time, so the
    // stuck run stays the one run with late heartbeats.
    demo = await startDemo({ url: sidecar.apiUrl, listenHost: '127.0.0.1', listenPort: 0, timeScale: TIME_SCALE, log: (l) => demoLog.push(l) });
    await new Promise((r) => setTimeout(r, LOAD_MS));
  }, 90_000);

  afterAll(async () => {
    await demo?.stop();
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

  // context tells what the demo did, for a failure message: its counts and its finished runs over time.
  async function context(): Promise<string> {
    const runs = await query('sum by (cicd_pipeline_name, cicd_pipeline_result) (cicd_pipeline_run_duration_count{cicd_pipeline_run_state="pending"})', false);
    const lines = (runs.data?.result ?? []).map((r) => {
      const points = (r.values ?? []).map(([t, v]) => `${Math.round(t - loadStart / 1000)}s:${v}`);
      return `  ${r.metric.cicd_pipeline_name} ${r.metric.cicd_pipeline_result}: ${points.join(' ')}`;
    });
    return `demo: ${JSON.stringify(demo?.stats)}\nfinished runs (seconds into the load: count):\n${lines.join('\n')}\n${demoLog.join('\n')}\n${prom.output()}`;
  }

  it('the demo ran every outcome without an unexpected refusal', () => {
    const stats = (demo as Demo).stats;
    expect(stats.apiErrors, demoLog.join('\n')).toBe(0);
    expect(stats.finished).toMatchObject({ success: expect.any(Number), failure: expect.any(Number) });
    // At least the scripted ones: two retries of every workflow's first run, one of its second.
    expect(stats.retries).toBeGreaterThanOrEqual(3 * WORKFLOWS.length);
    expect(stats.refused).toBeGreaterThan(0);
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

  // The stuck run is the one phase over budget and the one run with late heartbeats (every other
  // attempt stays within its budget, and live runs heartbeat on time). Active runs are the stuck
  // one and at most `maxActive` per workflow, never fewer than the stuck one and one more.
  // Counted on the stats a user reads first.
  const maxActive = 1 + WORKFLOWS.reduce((n, w) => n + w.maxActive, 0);
  it.each([
    ['live-runs.json', 'Active runs', 'stat', 2, maxActive],
    ['live-runs.json', 'Phases over budget', 'stat', 1, 1],
    ['live-runs.json', 'Runs with late heartbeats', 'stat', 1, 1],
    ['phases.json', 'Phases over budget now', 'stat', 1, 1],
    ['workflow-overview.json', 'Active runs', 'stat', 2, maxActive],
  ])('%s "%s" (%s) shows %i to %i', async (file, title, type, min, max) => {
    const d = readDashboards().find((x) => x.file === file);
    const q = panelQueries(d as NonNullable<typeof d>).find((x) => x.panel === title);
    const all = { namespace: '.*', job: '.*', workflow: '.*', phase: '.*' };
    const answer = await query(substitute(q?.expr as string, all, INTERVALS), true);
    expect(allPanels(d?.model).find((p) => p.title === title)?.type).toBe(type);
    const values = answer.data?.result.map((r) => Number(r.value?.[1])) ?? [];
    expect(values, `${title}: ${JSON.stringify(answer)}`).toHaveLength(1);
    expect(values[0]).toBeGreaterThanOrEqual(min);
    expect(values[0]).toBeLessThanOrEqual(max);
  });

  // The one workflow chosen is agent-task: it holds the stuck run, so its budget and heartbeat
  // panels have something to show too.
  const choices: [string, (inst: string) => Record<string, string>][] = [
    ['every variable on All', () => ({ namespace: '.*', job: '.*', workflow: '.*', phase: '.*', instance: '.*', run_state: 'executing' })],
    ['one namespace, job, workflow and sidecar', (inst) => ({ namespace: NAMESPACE, job: 'runwarden', workflow: 'agent-task', phase: '.*', instance: inst, run_state: 'executing' })],
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
    expect(problems, problems.length === 0 ? '' : `${problems.length} of ${checked} panel queries broken or empty:\n${problems.join('\n')}\n${await context()}`).toEqual([]);
    // The allowlist names panels that exist: a renamed panel must not stay excused by a stale entry.
    expect([...PARSE_ONLY].filter((k) => !parseOnlySeen.has(k))).toEqual([]);
    expect(checked).toBeGreaterThan(60);
  });
});
