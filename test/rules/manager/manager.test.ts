/**
 * RuleManager over an in-memory sidecar (test/helpers/app.ts) and a fake clock: runs drive the
 * per-run gauges, the manager samples them through the self-scrape, evaluates, persists alert
 * state in the event store, and serves ALERTS on /metrics and the Prometheus-shaped routes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../src/errors.ts';
import { defaultCompilers } from '../../../src/rules/compilers.ts';
import type { AlertBatch } from '../../../src/rules/group.ts';
import { RuleManager, stateKey } from '../../../src/rules/manager.ts';
import type { RuleManagerOptions } from '../../../src/rules/manager.ts';
import { RuleMetrics } from '../../../src/rules/rule-metrics.ts';
import { registerRuleRoutes } from '../../../src/rules/routes.ts';
import { SampleStore } from '../../../src/series/sample-store.ts';
import { createTestApp } from '../../helpers/app.ts';
import type { TestApp } from '../../helpers/app.ts';

const STUCK = `groups:
  - name: runs
    interval: 15s
    rules:
      - alert: HeartbeatLate
        expr: runwarden_run_heartbeat_age > 60
        for: FOR
        labels: {severity: warning}
        annotations: {summary: "run {{ $labels.cicd_pipeline_run_id }} silent for {{ $value }}s"}
`;

let app: TestApp;
let dir: string;
let sent: AlertBatch[];
const managers: RuleManager[] = [];

beforeEach(() => {
  app = createTestApp();
  dir = mkdtempSync(join(tmpdir(), 'runwarden-rules-'));
  sent = [];
});
afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

function ruleFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function manager(files: string[], metrics?: RuleMetrics, more: Partial<RuleManagerOptions> = {}): RuleManager {
  const m = new RuleManager({
    sources: { patterns: files, defaults: false },
    clock: app.clock.now,
    scrape: () => app.telemetry.selfScrape(),
    store: new SampleStore({ retentionMs: 3600_000, maxSamples: 100_000 }),
    state: app.store,
    notify: (batch) => sent.push(batch),
    logger: pino({ level: 'silent' }),
    evalOptions: { compat: 3, lookbackDeltaMs: 5 * 60_000 },
    defaultIntervalMs: 15_000,
    ...(metrics ? { metrics } : {}),
    ...more,
  });
  managers.push(m);
  return m;
}

/** step advances the clock by `ms` and ticks. */
async function step(m: RuleManager, ms: number): Promise<void> {
  app.clock.advance(ms);
  await m.tick();
}

const reasons = () => sent.flatMap((b) => b.alerts.map((a) => `${a.reason}:${a.alert.state}`));

async function startRun(runId: string): Promise<void> {
  const r = await app.post('/v1/runs', { workflow: 'etl', runId, heartbeatIntervalSeconds: 30 });
  expect(r.status).toBe(201);
}

describe('RuleManager', () => {
  it('fires on a silent run, and resolves when the run finishes (its series go stale)', async () => {
    const m = manager([ruleFile('stuck.yaml', STUCK.replace('FOR', '0s'))]);
    await startRun('r1');
    await m.tick();
    expect(m.activeAlerts()).toEqual([]);
    await step(m, 75_000);
    const [alert] = m.activeAlerts();
    expect(alert).toMatchObject({ state: 'firing', labels: { alertname: 'HeartbeatLate', cicd_pipeline_run_id: 'r1', severity: 'warning' } });
    expect(alert?.annotations['summary']).toBe('run r1 silent for 75s');
    expect(reasons()).toEqual(['firing:firing']);

    expect((await app.post('/v1/runs/r1/finish', { result: 'success' })).status).toBe(200);
    await step(m, 15_000);
    expect(m.activeAlerts()).toEqual([]);
    expect(reasons()).toEqual(['firing:firing', 'resolved:inactive']);
  });

  it('exports ALERTS on /metrics beside the other series, and its own metrics', async () => {
    const metrics = new RuleMetrics(app.telemetry.resource, app.clock.now);
    app.telemetry.addPrometheusProducer(metrics);
    const m = manager([ruleFile('stuck.yaml', STUCK.replace('FOR', '1m'))], metrics);
    await startRun('r1');
    await step(m, 75_000);
    const text = await app.metrics();
    expect(text).toMatch(/^ALERTS\{[^}]*alertname="HeartbeatLate"[^}]*alertstate="pending"[^}]*\} 1$/m);
    // ALERTS_FOR_STATE: the same alert without alertstate, valued at its activeAt in seconds.
    const activeAt = (m.activeAlerts()[0]?.activeAt ?? Number.NaN) / 1000;
    const forState = text.split('\n').find((l) => l.startsWith('ALERTS_FOR_STATE{'));
    expect(forState).toMatch(/alertname="HeartbeatLate"/);
    expect(forState).not.toMatch(/alertstate=/);
    expect(Number(forState?.slice(forState.lastIndexOf(' ') + 1))).toBe(activeAt);
    expect(text).toMatch(/^runwarden_run_heartbeat_age\{/m);
    expect(text).toMatch(/^runwarden_rule_evaluations_total\{rule_group="[^"]*stuck\.yaml;runs"[^}]*\} 1$/m);
    expect(text).toMatch(/^runwarden_rule_samples_dropped_total\{[^}]*\} 0$/m);
    // The self-scrape does not read ALERTS back: the groups write it themselves.
    await step(m, 15_000);
    expect(m.activeAlerts()).toHaveLength(1);
  });

  it('keeps a firing alert across a restart: same activeAt, no second "firing" send', async () => {
    const file = ruleFile('stuck.yaml', STUCK.replace('FOR', '0s'));
    const first = manager([file]);
    await startRun('r1');
    await first.tick();
    await step(first, 75_000);
    const before = first.activeAlerts()[0];
    expect(before?.state).toBe('firing');
    await first.stop();
    expect(app.store.meta(stateKey(file, 'runs'))).toBeDefined();

    sent = [];
    const second = manager([file]);
    await step(second, 15_000);
    const after = second.activeAlerts()[0];
    expect(after).toMatchObject({ state: 'firing', activeAt: before?.activeAt });
    expect(reasons()).toEqual([]);
  });

  it('keeps a pending `for` clock across a restart', async () => {
    const file = ruleFile('stuck.yaml', STUCK.replace('FOR', '2m'));
    const first = manager([file]);
    await startRun('r1');
    await step(first, 75_000);
    const activeAt = first.activeAlerts()[0]?.activeAt;
    expect(first.activeAlerts()[0]?.state).toBe('pending');
    await first.stop();

    const second = manager([file]);
    await step(second, 60_000);
    expect(second.activeAlerts()[0]).toMatchObject({ state: 'pending', activeAt });
    await step(second, 60_000);
    expect(second.activeAlerts()[0]).toMatchObject({ state: 'firing', activeAt });
    expect(reasons()).toEqual(['firing:firing']);
  });

  it('writes recording rules back into the store for the rules after them', async () => {
    const m = manager([
      ruleFile(
        'rec.yaml',
        `groups:
  - name: rec
    rules:
      - record: workflow:runs_silent:count
        expr: count by (cicd_pipeline_name) (runwarden_run_heartbeat_age > 60)
      - alert: ManySilent
        expr: workflow:runs_silent:count >= 2
`,
      ),
    ]);
    await startRun('r1');
    await startRun('r2');
    await step(m, 61_000);
    expect(m.activeAlerts().map((a) => a.labels)).toEqual([{ alertname: 'ManySilent', cicd_pipeline_name: 'etl' }]);
  });

  it('refuses rule files that do not load, every problem at its place', () => {
    const bad = ruleFile('bad.yaml', 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: rate(x[5m]\n');
    expect(() => manager([bad])).toThrow(ConfigError);
    expect(() => manager([bad])).toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5:`));
    expect(() => manager([join(dir, 'missing.yaml')])).toThrow(/missing\.yaml.*no such file/);
  });

  it('expands globs and loads nothing for a glob matching nothing', () => {
    ruleFile('a.yaml', STUCK.replace('FOR', '0s'));
    ruleFile('b.yaml', STUCK.replace('FOR', '0s').replace('name: runs', 'name: other'));
    expect(manager([join(dir, '*.yaml')]).groups().map((g) => g.name)).toEqual(['runs', 'other']);
    expect(manager([join(dir, 'none', '*.yaml')]).groups()).toEqual([]);
  });
});

describe('RuleManager reload', () => {
  it('keeps the old rules on a bad file, counts the failure, and swaps on a good one keeping alert state', async () => {
    const metrics = new RuleMetrics(app.telemetry.resource, app.clock.now);
    app.telemetry.addPrometheusProducer(metrics);
    const file = ruleFile('stuck.yaml', STUCK.replace('FOR', '0s'));
    const m = manager([file], metrics);
    await startRun('r1');
    await step(m, 75_000);
    const activeAt = m.activeAlerts()[0]?.activeAt;

    writeFileSync(file, 'groups:\n  - name: runs\n    rules:\n      - alert: X\n        expr: sum(\n');
    expect(m.reload()).toBe(false);
    expect(m.groups()[0]?.rules.map((r) => r.name)).toEqual(['HeartbeatLate']);
    expect(await app.metrics()).toMatch(/^runwarden_rule_reload_failures_total\{[^}]*\} 1$/m);

    writeFileSync(file, `${STUCK.replace('FOR', '0s')}      - alert: Another\n        expr: vector(1)\n`);
    expect(m.reload()).toBe(true);
    expect(m.groups()[0]?.rules.map((r) => r.name)).toEqual(['HeartbeatLate', 'Another']);
    sent = [];
    await step(m, 15_000);
    const heartbeat = m.activeAlerts().find((a) => a.labels['alertname'] === 'HeartbeatLate');
    expect(heartbeat).toMatchObject({ state: 'firing', activeAt });
    expect(reasons()).toEqual(['firing:firing']); // only Another's first send
    expect(sent[0]?.rule).toBe('Another');
  });

  it('refuses a reload whose loader throws something other than a ConfigError, keeping the old rules', () => {
    const file = ruleFile('stuck.yaml', STUCK.replace('FOR', '0s'));
    const errors: string[] = [];
    const m = manager([file], undefined, {
      logger: { info: () => {}, warn: () => {}, error: (_obj, msg) => errors.push(msg) },
      compilers: {
        ...defaultCompilers,
        compileExpr: (text) => {
          if (text === 'boom') throw new TypeError('compiler bug');
          return defaultCompilers.compileExpr(text);
        },
      },
    });
    writeFileSync(file, 'groups:\n  - name: runs\n    rules:\n      - alert: X\n        expr: boom\n');
    expect(m.reload()).toBe(false);
    expect(m.groups()[0]?.rules.map((r) => r.name)).toEqual(['HeartbeatLate']);
    expect(errors).toEqual(['rules: reload refused, the previous rules stay: cannot load the rule files: compiler bug']);
  });

  it('reloads when a rule file changes on disk', async () => {
    const file = ruleFile('stuck.yaml', STUCK.replace('FOR', '0s'));
    const m = manager([file], undefined, { defaultIntervalMs: 3600_000, watchDebounceMs: 20 });
    m.start();
    writeFileSync(file, STUCK.replace('FOR', '0s').replace('HeartbeatLate', 'Renamed'));
    await vi.waitFor(() => expect(m.groups()[0]?.rules[0]?.name).toBe('Renamed'), { timeout: 5000, interval: 50 });
  });
});

describe('GET /v1/rules and /v1/alerts', () => {
  it('answer in the shape of Prometheus /api/v1/rules and /api/v1/alerts', async () => {
    const m = manager([ruleFile('stuck.yaml', STUCK.replace('FOR', '0s'))]);
    await startRun('r1');
    await step(m, 75_000);
    const api = Fastify();
    registerRuleRoutes(api, m);
    const rules = (await api.inject({ method: 'GET', url: '/v1/rules' })).json();
    const now = new Date(app.clock.now()).toISOString();
    const alert = {
      labels: { alertname: 'HeartbeatLate', cicd_pipeline_name: 'etl', cicd_pipeline_run_id: 'r1', otel_scope_name: 'runwarden', otel_scope_version: expect.any(String), severity: 'warning' },
      annotations: { summary: 'run r1 silent for 75s' },
      state: 'firing',
      activeAt: now,
      value: '7.5e+01',
    };
    expect(rules).toEqual({
      status: 'success',
      data: {
        groups: [
          {
            name: 'runs',
            file: expect.stringMatching(/stuck\.yaml$/),
            interval: 15,
            limit: 0,
            evaluationTime: expect.any(Number),
            lastEvaluation: now,
            rules: [
              {
                state: 'firing',
                name: 'HeartbeatLate',
                query: 'runwarden_run_heartbeat_age > 60',
                duration: 0,
                keepFiringFor: 0,
                labels: { severity: 'warning' },
                annotations: { summary: 'run {{ $labels.cicd_pipeline_run_id }} silent for {{ $value }}s' },
                alerts: [alert],
                health: 'ok',
                evaluationTime: expect.any(Number),
                lastEvaluation: now,
                type: 'alerting',
              },
            ],
          },
        ],
      },
    });
    expect((await api.inject({ method: 'GET', url: '/v1/alerts' })).json()).toEqual({ status: 'success', data: { alerts: [alert] } });
    await api.close();
  });
});
