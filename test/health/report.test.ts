import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerHealthRoutes } from '../../src/health/routes.ts';
import { healthReport } from '../../src/health/report.ts';
import { retryStats, workflowStats } from '../../src/health/snapshot.ts';
import type { HealthHistory } from '../../src/health/snapshot.ts';
import { HEALTH_THRESHOLDS } from '../../src/health/thresholds.ts';
import type { WorkflowSummary } from '../../src/store/run-history.ts';
import { createTestApp } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';
import { makeRun, NOW, snapshot } from './fixtures.ts';

describe('healthReport', () => {
  it('is healthy when every check passes, with no recommendation', () => {
    const r = healthReport(snapshot({ resources: { memory: 0.3 } }));
    expect(r.status).toBe('healthy');
    expect(r.checks.every((c) => c.status === 'pass')).toBe(true);
    expect(r.recommendations).toEqual([]);
  });

  it('is degraded with a warning, unhealthy with a failure, failing advice first', () => {
    expect(healthReport(snapshot({ resources: { memory: 0.85 } })).status).toBe('degraded');
    const r = healthReport(snapshot({ resources: { memory: 0.85, disk: 0.95 } }));
    expect(r.status).toBe('unhealthy');
    expect(r.recommendations[0]).toMatch(/^disk used/);
    expect(r.recommendations[1]).toMatch(/^memory in use/);
  });
});

describe('snapshot pieces', () => {
  it('workflowStats reads the window now and the same window a day earlier', () => {
    const calls: number[] = [];
    const history: HealthHistory = {
      workflows: () => [],
      summary: (_w, _win, nowMs) => {
        calls.push(nowMs);
        const p95 = nowMs === NOW ? 300 : 100;
        return { runs: { finished: 4, success: 3 }, successRate: 0.75, durationSeconds: { p95 }, phases: [{ name: 'a', failureRate: 0.1 }, { name: 'b', failureRate: 0.5 }, { name: 'c', failureRate: null }] } as unknown as WorkflowSummary;
      },
    };
    expect(workflowStats(history, 'etl', NOW, HEALTH_THRESHOLDS)).toEqual({
      workflow: 'etl',
      finished: 4,
      success: 3,
      successRate: 0.75,
      p95Seconds: 300,
      baselineP95Seconds: 100,
      failingPhases: [{ name: 'b', failureRate: 0.5 }, { name: 'a', failureRate: 0.1 }],
    });
    expect(calls).toEqual([NOW, NOW - 86_400_000]);
  });

  it('retryStats counts retries of runs finished in the window, and the most retried phase', () => {
    const runs = [
      makeRun({ runId: 'a', endedAgo: 10, retries: [{ phase: 'fetch' }, { phase: 'fetch' }, { phase: 'load' }] }),
      makeRun({ runId: 'b', endedAgo: 20 }),
      makeRun({ runId: 'old', endedAgo: 7200, retries: [{}, {}, {}, {}] }),
    ];
    expect(retryStats(runs, NOW, 3_600_000)).toEqual([{ workflow: 'etl', runs: 2, retries: 3, topPhase: 'fetch' }]);
  });
});

describe('GET /v1/health', () => {
  let t: TestApp;
  let app: ReturnType<typeof Fastify>;
  beforeEach(async () => {
    t = createTestApp();
    app = Fastify();
    registerHealthRoutes(app, { registry: t.registry, clock: t.clock.now, resources: async () => ({ memory: 0.5, cpu: 0.1, disk: 0.2 }) });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  it('answers healthy with every check passing on a quiet sidecar', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('healthy');
    expect(body.recommendations).toEqual([]);
    expect(body.checks.map((c: { name: string }) => c.name)).toEqual([
      'phase_budget', 'heartbeat_gap', 'run_progress', 'run_pending', 'phase_too_fast', 'memory', 'cpu', 'data_dir_disk',
      'workflow_success_rate', 'workflow_duration', 'workflow_retries', 'dependencies',
    ]);
  });

  it('answers unhealthy for a phase over its default budget and a full pool, with what to do', async () => {
    await t.post('/v1/runs', { workflow: 'ci', runId: 'X', heartbeatIntervalSeconds: 600 });
    await t.post('/v1/runs/X/phases/testing/start', {});
    await t.post('/v1/runs/X/heartbeat', { message: 'suite 4 of 9' });
    await t.post('/v1/pool', { capacity: 5, busy: 5, queued: 1 });
    t.clock.advance(2340_000);
    const body = (await app.inject({ method: 'GET', url: '/v1/health' })).json();
    expect(body.status).toBe('unhealthy');
    expect(body.checks.find((c: { name: string }) => c.name === 'phase_budget')).toMatchObject({ status: 'fail', threshold: 1 });
    expect(body.recommendations).toContain("phase testing of run X of ci has used 130% of its 1800 s budget: look at its last heartbeat message 'suite 4 of 9' (39 min ago)");
    expect(body.recommendations).toContain('raise the pool size from 5 to 8: 5 of 5 workers busy, 1 queued would run at about 75%');
  });
});
