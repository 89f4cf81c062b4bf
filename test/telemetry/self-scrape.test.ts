import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseExposition } from '../../src/telemetry/exposition.ts';
import { createTestApp } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(async () => {
  await t.close();
});

it('a self-scrape has the series /metrics serves, under the same names and labels', async () => {
  await t.post('/v1/runs', { workflow: 'etl', runId: 'r1', phases: [{ name: 'load', budgetSeconds: 60 }] });
  await t.post('/v1/runs/r1/phases/load/start', {});
  await t.post('/v1/runs', { workflow: 'etl', runId: 'r2' });
  await t.post('/v1/runs/r2/finish', { result: 'failure' });
  const key = (s: { name: string; labels: Record<string, string> }) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
  const served = parseExposition(await t.metrics()).map(key).sort();
  const scraped = parseExposition(await t.telemetry.selfScrape()).map(key).sort();
  expect(scraped).toEqual(served);
  expect(scraped).toContain(key({ name: 'runwarden_run_phase_budget_ratio', labels: { cicd_pipeline_name: 'etl', cicd_pipeline_run_id: 'r1', cicd_pipeline_task_name: 'load', otel_scope_name: 'runwarden', otel_scope_version: '0.1.0' } }));
  expect(scraped).toContain(key({ name: 'cicd_pipeline_run_errors_total', labels: { cicd_pipeline_name: 'etl', error_type: 'failure', otel_scope_name: 'runwarden', otel_scope_version: '0.1.0' } }));
});
