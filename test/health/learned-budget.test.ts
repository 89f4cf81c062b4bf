import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEARNING } from '../../src/health/learned-budget.ts';
import { createTestApp } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(async () => {
  await t.close();
});

/** finishedRun records a run of `workflow` whose phase took `seconds` and ended with `result`. */
async function finishedRun(workflow: string, runId: string, phase: string, seconds: number, result = 'success'): Promise<void> {
  const start = t.clock.now();
  const at = (s: number) => new Date(start + s * 1000).toISOString();
  for (const [path, body] of [
    ['/v1/runs', { workflow, runId, time: at(0) }],
    [`/v1/runs/${runId}/phases/${phase}/start`, { time: at(0) }],
    [`/v1/runs/${runId}/phases/${phase}/finish`, { result, time: at(seconds) }],
    [`/v1/runs/${runId}/finish`, { result, time: at(seconds) }],
  ] as const) {
    const res = await t.post(path, body);
    expect(res.status, res.text).toBeLessThan(300);
  }
  t.clock.advance(seconds * 1000 + 1000);
}

const budgetOf = async (runId: string, phase: string) =>
  ((await t.get(`/v1/runs/${runId}`)).body.phases as { name: string; budgetSeconds: number | null }[]).find((p) => p.name === phase)?.budgetSeconds;

describe('budgetSeconds: "auto"', () => {
  it('learns p95 of the last successful durations times the factor, ignoring failures and other workflows', async () => {
    for (let i = 1; i <= 20; i++) await finishedRun('etl', `ok-${i}`, 'load', i * 10); // 10 s .. 200 s
    await finishedRun('etl', 'failed', 'load', 5000, 'failure');
    await finishedRun('other', 'elsewhere', 'load', 9000);
    const res = await t.post('/v1/runs', { workflow: 'etl', runId: 'new', phases: [{ name: 'load', budgetSeconds: 'auto' }] });
    expect(res.status).toBe(201);
    // p95 of 10..200 by linear interpolation: 190.5 s; x1.5.
    expect(await budgetOf('new', 'load')).toBeCloseTo(190.5 * LEARNING.factor, 3);
  });

  it('uses the phase default until there is enough history, and nothing for a phase without one', async () => {
    for (let i = 1; i < LEARNING.minSamples; i++) await finishedRun('etl', `ok-${i}`, 'testing', 60);
    await t.post('/v1/runs', { workflow: 'etl', runId: 'new', phases: [{ name: 'testing', budgetSeconds: 'auto' }, { name: 'custom', budgetSeconds: 'auto' }] });
    expect(await budgetOf('new', 'testing')).toBe(1800);
    expect(await budgetOf('new', 'custom')).toBeNull();
  });

  it('logs the learned number, so a replay does not learn again', async () => {
    for (let i = 1; i <= 5; i++) await finishedRun('etl', `ok-${i}`, 'load', 100);
    await t.post('/v1/runs', { workflow: 'etl', runId: 'new', phases: [{ name: 'load', budgetSeconds: 'auto' }] });
    await t.store.committed();
    const logged = t.store.eventsOf('new')[0]?.event as { phases?: { budgetSeconds?: unknown }[] };
    expect(logged.phases?.[0]?.budgetSeconds).toBe(150);
  });

  it('refuses any other string', async () => {
    const res = await t.post('/v1/runs', { workflow: 'etl', phases: [{ name: 'load', budgetSeconds: 'learn' }] });
    expect(res.status).toBe(400);
    expect(res.body.details).toContainEqual({ path: '/phases/0/budgetSeconds', message: expect.any(String) });
  });
});
