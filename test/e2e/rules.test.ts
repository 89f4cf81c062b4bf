/**
 * The rule engine end to end: the real `runwarden serve` with a rule file, a run that goes
 * silent, the alert on GET /v1/alerts and ALERTS on /metrics (checked by promtool), and the
 * alert still firing with the same activeAt after a kill -9 and a restart on the same data
 * directory. Also: a rule file that does not load stops the start with exit 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { promtoolCheckMetrics, requirePeer } from '../helpers/peers.ts';
import { BIN, NODE, ROOT, post, startSidecarProcess } from '../helpers/sidecar-process.ts';
import type { SidecarProcess } from '../helpers/sidecar-process.ts';

const promtool = requirePeer('promtool');

const RULES = `groups:
  - name: runs
    interval: 1s
    rules:
      - alert: HeartbeatLate
        expr: runwarden_run_heartbeat_age > 1
        for: 0s
        labels: {severity: warning}
`;

let dir: string;
const sidecars: SidecarProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runwarden-e2e-rules-'));
});
afterEach(async () => {
  for (const s of sidecars.splice(0)) await s.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function start(rules: string): Promise<SidecarProcess> {
  // Without the bundled rules, so the groups are the test's own.
  const config = join(dir, 'runwarden.yaml');
  writeFileSync(config, 'rules:\n  defaults: false\n');
  const s = await startSidecarProcess({}, ['--config', config, '--rules', rules], { dataDir: join(dir, 'data') });
  sidecars.push(s);
  return s;
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.json();
}

describe('rules in the sidecar', () => {
  it('fires, shows on /v1/alerts and /metrics, and survives kill -9 with the same activeAt', async () => {
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, RULES);
    const first = await start(rules);
    expect((await post(first.apiUrl, '/v1/runs', { workflow: 'etl', runId: 'r1' })).status).toBe(201);

    const alert = await vi.waitFor(
      async () => {
        const body = await getJson(`${first.apiUrl}/v1/alerts`);
        const [a] = body.data.alerts;
        expect(a).toMatchObject({ state: 'firing', labels: { alertname: 'HeartbeatLate', cicd_pipeline_run_id: 'r1', severity: 'warning' } });
        return a;
      },
      { timeout: 10_000, interval: 200 },
    );
    const metrics = await (await fetch(first.metricsUrl)).text();
    expect(metrics).toMatch(/^ALERTS\{[^}]*alertname="HeartbeatLate"[^}]*alertstate="firing"[^}]*\} 1$/m);
    if (promtool) expect(await promtoolCheckMetrics(metrics, promtool)).toEqual({ ok: true, exitCode: 0, output: '' });
    expect(first.logs.filter((l) => l.msg === 'alert' && l.reason === 'firing')).toHaveLength(1);
    // The state is persisted with the store's next commit, within the event-loop turn.
    await new Promise((r) => setTimeout(r, 300));
    const { signal } = await first.stop('SIGKILL');
    expect(signal).toBe('SIGKILL');
    sidecars.splice(sidecars.indexOf(first), 1);

    const second = await start(rules);
    const started = Date.now();
    await vi.waitFor(
      async () => {
        const body = await getJson(`${second.apiUrl}/v1/rules`);
        expect(Date.parse(body.data.groups[0].lastEvaluation)).toBeGreaterThanOrEqual(started - 1000);
      },
      { timeout: 10_000, interval: 200 },
    );
    const after = (await getJson(`${second.apiUrl}/v1/alerts`)).data.alerts;
    expect(after).toEqual([{ ...alert, value: expect.any(String) }]);
    expect(second.logs.filter((l) => l.msg === 'alert' && l.reason === 'firing')).toEqual([]);
  }, 40_000);

  it('reloads on SIGHUP, keeping the old rules when the new file is bad', async () => {
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, RULES);
    const s = await start(rules);
    const names = async () => (await getJson(`${s.apiUrl}/v1/rules`)).data.groups[0].rules.map((r: { name: string }) => r.name);
    writeFileSync(rules, 'groups:\n  - name: runs\n    rules:\n      - alert: Broken\n        expr: sum(\n');
    s.proc.kill('SIGHUP');
    await vi.waitFor(() => expect(s.logs.some((l) => String(l.msg).startsWith('rules: reload refused'))).toBe(true), { timeout: 5000 });
    expect(await names()).toEqual(['HeartbeatLate']);
    writeFileSync(rules, RULES.replace('HeartbeatLate', 'HeartbeatVeryLate'));
    s.proc.kill('SIGHUP');
    await vi.waitFor(async () => expect(await names()).toEqual(['HeartbeatVeryLate']), { timeout: 5000 });
  }, 30_000);

  it('refuses to start on a rule file that does not load: exit 2, file:line:col', () => {
    const rules = join(dir, 'bad.yaml');
    writeFileSync(rules, 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n');
    const r = spawnSync(NODE, [BIN, 'serve', '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--data-dir', join(dir, 'data'), '--rules', rules], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^runwarden: ${rules.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5:\\d+: `));
  });
});
