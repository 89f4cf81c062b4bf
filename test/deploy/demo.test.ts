/**
 * The compose stack's demo workload (deploy/demo/demo.ts) against the real sidecar, sped up 20x:
 * it must produce what the dashboards and alerts show (successful and failed runs with error types,
 * retries, a stuck run, pool reports, steps, heartbeats) without a refused API call other than
 * the stray runner's (which the sidecar must refuse and count by reason), and its webhook sink
 * must take Alertmanager's notifications. The pure plans are tested in demo-plan.test.ts.
 */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startDemo, WORKFLOWS } from '../../deploy/demo/demo.ts';
import type { Demo, WorkflowPlan } from '../../deploy/demo/demo.ts';
import { startSidecarProcess } from '../helpers/sidecar-process.ts';
import type { SidecarProcess } from '../helpers/sidecar-process.ts';

// A seeded generator, so that the demo's choices do not depend on Math.random.
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

// A workflow whose one phase always fails: two retries, then a failed run, whatever the seed.
const FLAKY: WorkflowPlan = {
  workflow: 'always-fails',
  attributes: {},
  everySeconds: 30,
  maxActive: 1,
  heartbeatSeconds: 5,
  phases: [{ name: 'fetch', budgetSeconds: 20, seconds: 4, failure: 1, errors: ['http_503'] }],
};

let sidecar: SidecarProcess | undefined;
let demo: Demo | undefined;
afterEach(async () => {
  await demo?.stop();
  await sidecar?.stop();
  demo = sidecar = undefined;
});

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('deploy/demo/demo.ts', () => {
  it('drives realistic runs into the sidecar: successes, failures, retries, a stuck run, the pool', async () => {
    sidecar = await startSidecarProcess();
    const lines: string[] = [];
    demo = await startDemo({
      url: sidecar.apiUrl,
      listenHost: '127.0.0.1',
      listenPort: 0,
      timeScale: 20,
      workflows: [...WORKFLOWS, FLAKY],
      random: seeded(42),
      log: (l) => lines.push(l),
    });
    const stats = demo.stats;
    await until('a successful and a failed run', () => (stats.finished.success ?? 0) >= 2 && (stats.finished.failure ?? 0) >= 1);
    expect(stats.retries).toBeGreaterThanOrEqual(2);
    expect(stats.apiErrors, lines.join('\n')).toBe(0);
    expect(stats.refused).toBeGreaterThan(0);

    const get = async (path: string) => (await fetch(`${sidecar!.apiUrl}${path}`)).json() as Promise<any>;
    const workflows = (await get('/v1/workflows')).workflows.map((w: { workflow: string }) => w.workflow).toSorted();
    expect(workflows).toEqual(['agent-task', 'always-fails', 'ci-build', 'nightly-etl']);

    const activeRuns = (await get('/v1/runs?state=active&limit=100')).runs as { runId: string }[];
    const stuck = activeRuns.find((r) => r.runId.startsWith('agent-task-stuck-'));
    expect(stuck).toBeDefined();

    const failed = (await get('/v1/runs?workflow=always-fails&result=failure')).runs as { runId: string }[];
    expect(failed.length).toBeGreaterThan(0);
    const timeline = await get(`/v1/runs/${failed[0]!.runId}`);
    expect(JSON.stringify(timeline)).toContain('http_503');

    const metrics = await (await fetch(sidecar.metricsUrl)).text();
    for (const series of [
      'cicd_pipeline_run_errors_total{cicd_pipeline_name="always-fails",error_type="http_503"',
      'runwarden_retries_total{',
      'runwarden_pool_utilization{',
      `runwarden_run_heartbeat_age{cicd_pipeline_name="agent-task",cicd_pipeline_run_id="${stuck!.runId}"`,
      'runwarden_phase_duration_count{cicd_pipeline_name="nightly-etl"',
    ]) {
      expect(metrics).toContain(series);
    }
    // The stray runner's heartbeats: one for a run the sidecar never saw, one from an old client.
    const refusedReasons = metrics
      .split('\n')
      .filter((l) => l.startsWith('runwarden_ingest_events_total{') && l.includes('outcome="rejected"'))
      .map((l) => /reason="(\w+)"/.exec(l)?.[1]);
    expect(new Set(refusedReasons)).toEqual(new Set(['unknown_run', 'invalid']));
  });

  it('answers /healthz and logs the Alertmanager webhooks it receives', async () => {
    const lines: string[] = [];
    // Nothing listens on this URL: the workload's calls fail, the sink must not care.
    demo = await startDemo({ url: 'http://127.0.0.1:9', listenHost: '127.0.0.1', listenPort: 0, workflows: [], log: (l) => lines.push(l) });
    expect((await fetch(`${demo.sinkUrl}/healthz`)).status).toBe(200);
    const body = { status: 'firing', alerts: [{ labels: { alertname: 'RunwardenFleetStuckRuns' } }, { labels: { alertname: 'RunwardenFleetStuckRuns' } }] };
    const res = await fetch(`${demo.sinkUrl}/notifications/pager`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    expect(lines).toContain('demo: notification to pager: firing RunwardenFleetStuckRuns (2 alerts)');
    expect((await fetch(`${demo.sinkUrl}/notifications/pager`, { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await fetch(`${demo.sinkUrl}/elsewhere`)).status).toBe(404);
  });

  it('keeps no listener per sleep on its abort signal, however long it runs', async () => {
    // The demo's one AbortController, caught as it is made, to count what listens on its signal.
    let signal: AbortSignal | undefined;
    vi.stubGlobal(
      'AbortController',
      class extends AbortController {
        constructor() {
          super();
          signal ??= this.signal;
        }
      },
    );
    try {
      // Nothing listens on this URL: every call fails at once and the loops only sleep, 1000x faster.
      demo = await startDemo({ url: 'http://127.0.0.1:9', listenHost: '127.0.0.1', listenPort: 0, timeScale: 1000, log: () => {} });
    } finally {
      vi.unstubAllGlobals();
    }
    await until('the workload to have slept a few hundred times', () => demo!.stats.apiErrors >= 300);
    // One per pending sleep (a loop or run sleeps one at a time), not one per sleep so far. fetch's
    // own listeners are left out: undici drops each when its request is garbage collected.
    const listeners = getEventListeners(signal!, 'abort').filter((l) => !String(l).includes('requestFinalizer'));
    expect(listeners.length).toBeLessThan(20);
  });
});
