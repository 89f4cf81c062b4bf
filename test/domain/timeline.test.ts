import { afterEach, describe, expect, it } from 'vitest';
import { shortDuration, timelineLines, MAX_TIMELINE_LINES } from '../../src/domain/timeline.ts';
import { createTestApp } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

describe('shortDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [12_000, '12s'],
    [250_000, '4m10s'],
    [3_600_000, '1h'],
    [3_725_000, '1h2m'],
    [90_061_000, '1d1h'],
  ])('%i ms is %s', (ms, text) => expect(shortDuration(ms)).toBe(text));
});

describe('timelineLines', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('lists attempts in the order phases ran, the running one against its budget, then the phases not started', async () => {
    t = createTestApp();
    const ok = async (url: string, body?: unknown) => expect((await t!.post(url, body)).status).toBeLessThan(300);
    await ok('/v1/runs', { workflow: 'agent', runId: 'r1', phases: [{ name: 'init' }, { name: 'testing', budgetSeconds: 300 }, { name: 'validation' }] });
    await ok('/v1/runs/r1/phases/init/start');
    t.clock.advance(12_000);
    await ok('/v1/runs/r1/phases/init/finish', { result: 'success' });
    await ok('/v1/runs/r1/phases/testing/start');
    t.clock.advance(123_000);
    await ok('/v1/runs/r1/phases/testing/finish', { result: 'failure', error: { type: 'http_503', message: 'down' } });
    await ok('/v1/runs/r1/retries', { phase: 'testing', attempt: 2 });
    await ok('/v1/runs/r1/phases/testing/start');
    t.clock.advance(250_000);
    expect(timelineLines(t.registry.get('r1')!, t.clock.now())).toEqual([
      'init success 12s',
      'testing failure 2m3s (attempt 1): http_503',
      'testing running 4m10s of 5m budget (attempt 2)',
      'validation not started',
    ]);
  });

  it('keeps a long timeline readable', async () => {
    t = createTestApp();
    await t.post('/v1/runs', { workflow: 'w', runId: 'r2' });
    for (let i = 0; i < 30; i++) {
      await t.post(`/v1/runs/r2/phases/p${i}/start`);
      await t.post(`/v1/runs/r2/phases/p${i}/finish`, { result: 'success' });
    }
    const lines = timelineLines(t.registry.get('r2')!, t.clock.now());
    expect(lines).toHaveLength(MAX_TIMELINE_LINES);
    expect(lines.at(-1)).toBe('… 11 more');
  });
});
