import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, sampleValue } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

const DAY = 86_400_000;

describe('workflow duration gauges (RunwardenWorkflowSlowerThanBaseline reads them)', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function run(app: TestApp, id: string, seconds: number, workflow = 'etl'): Promise<void> {
    expect((await app.post('/v1/runs', { workflow, runId: id })).status).toBe(201);
    app.clock.advance(seconds * 1000);
    expect((await app.post(`/v1/runs/${id}/finish`, { result: 'success' })).status).toBe(200);
  }

  it('exports the p95 of the last hour and of the same hour a day earlier, from the store', async () => {
    t = createTestApp();
    const start = t.clock.now();
    for (let i = 0; i < 3; i++) await run(t, `old-${i}`, 100);
    await run(t, 'only-old', 50, 'load');
    t.clock.set(start + DAY);
    for (let i = 0; i < 3; i++) await run(t, `new-${i}`, 300);
    const text = await t.metrics();
    expect(sampleValue(text, 'runwarden_workflow_duration_p95', { cicd_pipeline_name: 'etl' })).toBe(300);
    expect(sampleValue(text, 'runwarden_workflow_duration_baseline_p95', { cicd_pipeline_name: 'etl' })).toBe(100);
    // A workflow with no run in the last hour has a baseline but no current p95.
    expect(sampleValue(text, 'runwarden_workflow_duration_p95', { cicd_pipeline_name: 'load' })).toBeUndefined();
    expect(sampleValue(text, 'runwarden_workflow_duration_baseline_p95', { cicd_pipeline_name: 'load' })).toBe(50);
  });

  it('reads the history at most once a minute', async () => {
    t = createTestApp();
    await run(t, 'a', 10);
    expect(sampleValue(await t.metrics(), 'runwarden_workflow_duration_p95', { cicd_pipeline_name: 'etl' })).toBe(10);
    await run(t, 'b', 20);
    await run(t, 'c', 20);
    // Within the minute (the runs took 40 s): the cached reading.
    expect(sampleValue(await t.metrics(), 'runwarden_workflow_duration_p95', { cicd_pipeline_name: 'etl' })).toBe(10);
    t.clock.advance(60_000);
    expect(sampleValue(await t.metrics(), 'runwarden_workflow_duration_p95', { cicd_pipeline_name: 'etl' })).toBe(20);
  });
});
