/**
 * The fleet rules in a real Prometheus (Debian's 2.42) scraping a real sidecar as job "runwarden"
 * while the demo workload runs at 20x: every rule evaluates without an error (no many-to-many
 * matches, no bad division on real label sets), the recording rules give the values the workload
 * implies, and the stuck run the demo keeps shows up as a pending fleet alert. Unit tests prove the
 * thresholds; this proves the rules fit the series the sidecar really serves.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, WORKFLOWS } from '../../deploy/demo/demo.ts';
import type { Demo, WorkflowPlan } from '../../deploy/demo/demo.ts';
import { freePort, startPrometheus } from '../dashboards/prometheus-server.ts';
import type { PrometheusServer } from '../dashboards/prometheus-server.ts';
import { requirePeer } from '../helpers/peers.ts';
import { startSidecarProcess } from '../helpers/sidecar-process.ts';
import type { SidecarProcess } from '../helpers/sidecar-process.ts';
import { ROOT } from './run-tool.ts';

const prometheus = requirePeer('prometheus');
const RULES_DIR = join(ROOT, 'alerts', 'prometheus');

// Fails every attempt of its one phase: failed runs for the failure-ratio rules, whatever the seed.
const FLAKY: WorkflowPlan = {
  workflow: 'always-fails',
  attributes: {},
  everySeconds: 10,
  maxActive: 1,
  heartbeatSeconds: 5,
  phases: [{ name: 'fetch', budgetSeconds: 20, seconds: 4, failure: 1, errors: ['http_503'] }],
};

interface RuleStatus {
  name: string;
  type: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
}

describe.skipIf(!prometheus)('the fleet rules in a real Prometheus scraping a real sidecar', () => {
  let sidecar: SidecarProcess;
  let demo: Demo;
  let server: PrometheusServer;
  let url: string;

  beforeAll(async () => {
    sidecar = await startSidecarProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    demo = await startDemo({ url: sidecar.apiUrl, listenHost: '127.0.0.1', listenPort: 0, timeScale: 20, workflows: [...WORKFLOWS, FLAKY], log: () => {} });
    const metrics = new URL(sidecar.metricsUrl);
    const ruleFiles = readdirSync(RULES_DIR).filter((f) => f.endsWith('.rules.yaml')).map((f) => join(RULES_DIR, f));
    server = await startPrometheus(prometheus!, [{ job: 'runwarden', address: metrics.host, metricsPath: metrics.pathname }], ruleFiles);
    url = server.url;
    // Enough scrapes and evaluations for rate() and the stuck run (its heartbeats stop after 0.75 s).
    await new Promise((r) => setTimeout(r, 12_000));
  }, 60_000);

  afterAll(async () => {
    await demo?.stop();
    await server?.stop();
    await sidecar?.stop();
  });

  async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) });
    const answer = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    expect(answer.status, `${expr}: ${answer.error}`).toBe('success');
    return answer.data.result;
  }

  it('evaluates every fleet rule without an error', async () => {
    const answer = (await (await fetch(`${url}/api/v1/rules`)).json()) as { data: { groups: { name: string; rules: RuleStatus[] }[] } };
    const rules = answer.data.groups.flatMap((g) => g.rules);
    expect(rules.length).toBe(18);
    for (const r of rules) {
      expect(r.health, `${r.name}: ${r.lastError ?? ''}\n${server.output()}`).toBe('ok');
      expect(r.lastEvaluation, r.name).not.toMatch(/^0001-/);
    }
  });

  it('sees the sidecar as job runwarden, and the recording rules compute from its series', async () => {
    expect((await query('up{job="runwarden"}')).map((s) => s.value[1])).toEqual(['1']);
    const ratio = await query('workflow:runwarden_run_failure_ratio:rate30m{cicd_pipeline_name="always-fails"}');
    expect(ratio.map((s) => Number(s.value[1]))).toEqual([1]);
    // At least the demo's stuck run; a busy machine may make a healthy run look late for a moment.
    const stuck = await query('runwarden:stuck_runs:count{cicd_pipeline_name="agent-task"}');
    expect(stuck.map((s) => Number(s.value[1]))).toEqual([expect.any(Number)]);
    expect(Number(stuck[0]!.value[1])).toBeGreaterThanOrEqual(1);
  });

  it('holds the demo\'s stuck run as a pending fleet alert (it fires after its 5 minutes)', async () => {
    const answer = (await (await fetch(`${url}/api/v1/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
    expect(answer.data.alerts).toContainEqual(
      expect.objectContaining({ labels: { alertname: 'RunwardenFleetStuckRuns', severity: 'warning', cicd_pipeline_name: 'agent-task' }, state: 'pending' }),
    );
  });
});
