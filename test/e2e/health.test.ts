import { afterEach, expect, it } from 'vitest';
import { parseExposition, value } from '../helpers/exposition.ts';
import { post, startSidecarProcess } from '../helpers/sidecar-process.ts';
import type { SidecarProcess } from '../helpers/sidecar-process.ts';

let sidecar: SidecarProcess | undefined;
afterEach(async () => {
  await sidecar?.stop('SIGKILL');
  sidecar = undefined;
});

it('GET /v1/health on the real sidecar grades a saturated pool with a concrete recommendation, and reports the data dir disk', async () => {
  sidecar = await startSidecarProcess({ OTEL_TRACES_EXPORTER: 'none' });
  await post(sidecar.apiUrl, '/v1/pool', { capacity: 5, busy: 5, queued: 3 });
  const res = await fetch(`${sidecar.apiUrl}/v1/health`);
  expect(res.status).toBe(200);
  const health = (await res.json()) as { status: string; checks: { name: string; status: string }[]; recommendations: string[] };
  expect(health.status).toBe('unhealthy');
  expect(health.checks).toContainEqual(expect.objectContaining({ name: 'pool_utilization', status: 'fail' }));
  expect(health.recommendations.join('\n')).toMatch(/raise the pool size from 5 to \d+/);
  const samples = parseExposition(await (await fetch(sidecar.metricsUrl)).text());
  const disk = value(samples, 'runwarden_data_dir_usage');
  expect(disk).toBeGreaterThan(0);
  expect(disk).toBeLessThanOrEqual(1);
});
