import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/telemetry/exposition.ts';
import { createTestApp } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';
import { promtoolCheckMetrics, requirePeer } from '../helpers/peers.ts';

const promtool = requirePeer('promtool');

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(async () => {
  await t.close();
});

async function series(name: string): Promise<Array<{ labels: Record<string, string>; value: number }>> {
  return parseExposition(await t.metrics())
    .filter((s) => s.name === name)
    .map((s) => ({ labels: s.labels, value: s.value }));
}

describe('health gauges on /metrics', () => {
  it('counts, per active run, the workflows in dependsOn whose latest finished run failed', async () => {
    for (const [wf, result] of [['a', 'failure'], ['b', 'success'], ['c', 'timeout']] as const) {
      await t.post('/v1/runs', { workflow: wf, runId: `${wf}1` });
      await t.post(`/v1/runs/${wf}1/finish`, { result });
    }
    await t.post('/v1/runs', { workflow: 'deploy', runId: 'd1', dependsOn: ['a', 'b', 'c', 'never-ran'] });
    await t.post('/v1/runs', { workflow: 'solo', runId: 's1' });
    const got = await series('runwarden_run_dependencies_failing');
    expect(got).toHaveLength(1);
    expect(got[0]?.labels).toMatchObject({ cicd_pipeline_name: 'deploy', cicd_pipeline_run_id: 'd1' });
    expect(got[0]?.value).toBe(2);

    // A later success of `a` clears it: only the latest finished run counts.
    await t.post('/v1/runs', { workflow: 'a', runId: 'a2' });
    await t.post('/v1/runs/a2/finish', { result: 'success' });
    expect((await series('runwarden_run_dependencies_failing'))[0]?.value).toBe(1);
  });

  it('reports how long a pending run has waited, and a phase default warn threshold and budget', async () => {
    await t.post('/v1/runs', { workflow: 'w', runId: 'p1' });
    await t.post('/v1/runs', { workflow: 'w', runId: 'x1' });
    await t.post('/v1/runs/x1/phases/testing/start', {});
    t.clock.advance(90_000);
    const pending = await series('runwarden_run_pending_age');
    expect(pending.map((s) => [s.labels.cicd_pipeline_run_id, s.value])).toEqual([['p1', 90]]);
    expect((await series('runwarden_run_phase_warn')).map((s) => [s.labels.cicd_pipeline_task_name, s.value])).toEqual([['testing', 1200]]);
    expect((await series('runwarden_run_phase_budget')).map((s) => [s.labels.cicd_pipeline_task_name, s.value])).toEqual([['testing', 1800]]);
    expect((await series('runwarden_run_phase_budget_ratio'))[0]?.value).toBeCloseTo(90 / 1800);
  });

  it('reports memory and CPU utilization as 0..1 ratios without a unit suffix', async () => {
    for (const name of ['runwarden_memory_utilization', 'runwarden_cpu_utilization']) {
      const [s] = await series(name);
      expect(s, name).toBeDefined();
      expect(s!.value).toBeGreaterThanOrEqual(0);
      expect(s!.value).toBeLessThanOrEqual(1);
    }
  });

  it.skipIf(!promtool)('promtool check metrics finds no problem with every health series present', async () => {
    await t.post('/v1/runs', { workflow: 'a', runId: 'a1' });
    await t.post('/v1/runs/a1/finish', { result: 'failure' });
    await t.post('/v1/runs', { workflow: 'deploy', runId: 'd1', dependsOn: ['a'] });
    await t.post('/v1/runs', { workflow: 'deploy', runId: 'd2' });
    await t.post('/v1/runs/d2/phases/init/start', {});
    const text = await t.metrics();
    for (const name of ['runwarden_run_dependencies_failing', 'runwarden_run_pending_age', 'runwarden_run_phase_warn', 'runwarden_memory_utilization']) {
      expect(text).toContain(`# TYPE ${name} gauge`);
    }
    const check = await promtoolCheckMetrics(text, promtool);
    expect(check.output).toBe('');
    expect(check.ok).toBe(true);
  });
});
