/**
 * Alert delivery end to end: the real `runwarden serve` with a rule file and an `alerting:`
 * section whose receiver is a webhook on a local server. A run's progress crosses the rule's
 * threshold: the webhook gets Alertmanager's payload; the run ends: it gets the resolve. A kill -9
 * while the alert fires and a restart on the same data directory neither re-page nor lose the
 * resolve. Also the silence and notification APIs on the live sidecar.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { post, startSidecarProcess } from '../helpers/sidecar-process.ts';
import type { SidecarProcess } from '../helpers/sidecar-process.ts';

const RULES = `groups:
  - name: progress
    interval: 1s
    rules:
      - alert: HalfDone
        expr: runwarden_run_progress > 0.5
        labels: {severity: warning}
        annotations: {summary: 'run {{ $labels.cicd_pipeline_run_id }} is {{ $value | humanizePercentage }} done'}
`;

function config(webhook: string): string {
  return `rules:
  defaults: false
  interval: 1s
alerting:
  route:
    receiver: hook
    group_by: [alertname, cicd_pipeline_run_id]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 4h
  receivers:
    - name: hook
      webhook_configs:
        - url: ${webhook}
          send_resolved: true
`;
}

interface Hook {
  url: string;
  bodies: any[];
  server: Server;
}

function startHook(): Promise<Hook> {
  const bodies: any[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, server })),
  );
}

let dir: string;
let hook: Hook;
const sidecars: SidecarProcess[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runwarden-e2e-delivery-'));
  hook = await startHook();
});
afterEach(async () => {
  for (const s of sidecars.splice(0)) await s.stop('SIGKILL');
  hook.server.closeAllConnections();
  await new Promise((r) => hook.server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** getJson GETs a sidecar URL and parses the answer (tests read it loosely). */
async function getJson(url: string): Promise<any> {
  return (await fetch(url)).json();
}

async function start(webhook = hook.url): Promise<SidecarProcess> {
  const file = join(dir, 'runwarden.yaml');
  const rules = join(dir, 'rules.yaml');
  writeFileSync(file, config(webhook));
  writeFileSync(rules, RULES);
  const s = await startSidecarProcess({}, ['--config', file, '--rules', rules], { dataDir: join(dir, 'data') });
  sidecars.push(s);
  return s;
}

describe('alert delivery in the sidecar', () => {
  it('sends the firing alert and its resolve to a webhook, once each, across a kill -9', async () => {
    const first = await start();
    expect((await post(first.apiUrl, '/v1/runs', { workflow: 'etl', runId: 'r1' })).status).toBe(201);
    expect((await post(first.apiUrl, '/v1/runs/r1/heartbeat', { progress: 0.6 })).status).toBe(200);

    await vi.waitFor(() => expect(hook.bodies).toHaveLength(1), { timeout: 15_000, interval: 100 });
    const firing = hook.bodies[0];
    expect(firing).toMatchObject({
      version: '4',
      receiver: 'hook',
      status: 'firing',
      groupLabels: { alertname: 'HalfDone', cicd_pipeline_run_id: 'r1' },
      commonLabels: { alertname: 'HalfDone', severity: 'warning', cicd_pipeline_name: 'etl', cicd_pipeline_run_id: 'r1' },
      truncatedAlerts: 0,
    });
    expect(firing.alerts).toHaveLength(1);
    expect(firing.alerts[0]).toMatchObject({ status: 'firing', annotations: { summary: 'run r1 is 60% done' }, endsAt: '0001-01-01T00:00:00Z' });
    expect(firing.alerts[0].generatorURL).toContain('/graph?g0.expr=runwarden_run_progress+%3E+0.5');
    expect(firing.groupKey).toBe('{}:{alertname="HalfDone", cicd_pipeline_run_id="r1"}');

    // The notification is on record as sent.
    const sent = await getJson(`${first.apiUrl}/v1/notifications?state=sent`);
    expect(sent.notifications).toHaveLength(1);
    expect(sent.notifications[0]).toMatchObject({ receiver: 'hook', integration: 'webhook/0', state: 'sent' });
    expect(JSON.stringify(sent)).not.toContain(hook.url);

    // kill -9 while firing; the restarted sidecar knows it was sent: no second page.
    await new Promise((r) => setTimeout(r, 300));
    await first.stop('SIGKILL');
    sidecars.splice(sidecars.indexOf(first), 1);
    const second = await start();
    await new Promise((r) => setTimeout(r, 3000));
    expect(hook.bodies).toHaveLength(1);

    // The run ends: its series go stale, the alert resolves, the resolve arrives.
    expect((await post(second.apiUrl, '/v1/runs/r1/finish', { result: 'success' })).status).toBe(200);
    await vi.waitFor(() => expect(hook.bodies).toHaveLength(2), { timeout: 15_000, interval: 100 });
    expect(hook.bodies[1]).toMatchObject({ status: 'resolved', groupKey: firing.groupKey });
    expect(hook.bodies[1].alerts[0].status).toBe('resolved');
    expect(Date.parse(hook.bodies[1].alerts[0].endsAt)).toBeGreaterThan(Date.parse(hook.bodies[1].alerts[0].startsAt));
  });

  it('re-sends after a kill -9 a notification the receiver got but never acknowledged', async () => {
    // The receiver holds every request open and never answers, until told to.
    let hold = true;
    const held: Array<() => void> = [];
    hook.server.removeAllListeners('request');
    hook.server.on('request', (req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const answer = () => {
          hook.bodies.push(JSON.parse(text));
          res.writeHead(200).end();
        };
        if (hold) held.push(() => res.destroy());
        else answer();
      });
    });
    const first = await start();
    expect((await post(first.apiUrl, '/v1/runs', { workflow: 'etl', runId: 'r3' })).status).toBe(201);
    expect((await post(first.apiUrl, '/v1/runs/r3/heartbeat', { progress: 0.7 })).status).toBe(200);
    // The notification reached the receiver, which holds it: sent, never acknowledged.
    await vi.waitFor(() => expect(held.length).toBeGreaterThan(0), { timeout: 15_000, interval: 100 });
    const pending = await getJson(`${first.apiUrl}/v1/notifications?state=pending`);
    expect(pending.notifications).toHaveLength(1);
    await first.stop('SIGKILL');
    sidecars.splice(sidecars.indexOf(first), 1);
    for (const drop of held.splice(0)) drop();

    // Restarted with the receiver answering: the unacknowledged notification goes out again.
    hold = false;
    const second = await start();
    await vi.waitFor(() => expect(hook.bodies).toHaveLength(1), { timeout: 15_000, interval: 100 });
    expect(hook.bodies[0]).toMatchObject({ status: 'firing', groupLabels: { alertname: 'HalfDone', cicd_pipeline_run_id: 'r3' } });
    await vi.waitFor(
      async () => expect((await getJson(`${second.apiUrl}/v1/notifications?state=sent`)).notifications).toHaveLength(1),
      { timeout: 5_000, interval: 100 },
    );
  });

  it('delivers after a kill -9 what was enqueued while the receiver was down', async () => {
    // A port nothing listens on yet: every attempt is refused, the notification waits in the outbox.
    const down = createServer();
    await new Promise<void>((r) => down.listen(0, '127.0.0.1', () => r()));
    const port = (down.address() as AddressInfo).port;
    await new Promise((r) => down.close(r));
    const url = `http://127.0.0.1:${port}/hook`;
    const first = await start(url);
    expect((await post(first.apiUrl, '/v1/runs', { workflow: 'etl', runId: 'r4' })).status).toBe(201);
    expect((await post(first.apiUrl, '/v1/runs/r4/heartbeat', { progress: 0.8 })).status).toBe(200);
    await vi.waitFor(
      async () => {
        const [n] = (await getJson(`${first.apiUrl}/v1/notifications?state=pending`)).notifications;
        expect(n).toMatchObject({ receiver: 'hook', state: 'pending' });
        expect(n.attempts).toBeGreaterThan(0);
      },
      { timeout: 15_000, interval: 100 },
    );
    await first.stop('SIGKILL');
    sidecars.splice(sidecars.indexOf(first), 1);

    // The receiver comes up on that port; the restarted sidecar sends what the first one enqueued.
    const bodies: any[] = [];
    const up = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => up.listen(port, '127.0.0.1', () => r()));
    try {
      await start(url);
      await vi.waitFor(() => expect(bodies.length).toBeGreaterThan(0), { timeout: 15_000, interval: 100 });
      expect(bodies[0]).toMatchObject({ status: 'firing', groupLabels: { alertname: 'HalfDone', cicd_pipeline_run_id: 'r4' } });
      await new Promise((r) => setTimeout(r, 1500));
      expect(bodies).toHaveLength(1);
    } finally {
      up.closeAllConnections();
      await new Promise((r) => up.close(r));
    }
  });

  it('does not page for a silenced alert; the silence API answers in Alertmanager v2 shape', async () => {
    const s = await start();
    const created = await post(s.apiUrl, '/v1/silences', {
      matchers: [{ name: 'alertname', value: 'HalfDone', isRegex: false, isEqual: true }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'e2e',
      comment: 'known',
    });
    expect(created.status).toBe(200);
    const { silenceID } = created.body as { silenceID: string };
    const list = await getJson(`${s.apiUrl}/v1/silences`);
    expect(list).toEqual([expect.objectContaining({ id: silenceID, status: { state: 'active' }, createdBy: 'e2e' })]);

    expect((await post(s.apiUrl, '/v1/runs', { workflow: 'etl', runId: 'r2' })).status).toBe(201);
    expect((await post(s.apiUrl, '/v1/runs/r2/heartbeat', { progress: 0.9 })).status).toBe(200);
    // The alert fires (the rule engine shows it) but no notification goes out.
    await vi.waitFor(
      async () => {
        const alerts = await getJson(`${s.apiUrl}/v1/alerts`);
        expect(alerts.data.alerts).toEqual([expect.objectContaining({ state: 'firing' })]);
      },
      { timeout: 10_000, interval: 100 },
    );
    // The group flushed (group_wait 0s) and the silence kept its alert out: not merely "not yet sent".
    let metrics = '';
    await vi.waitFor(
      async () => {
        metrics = await (await fetch(s.metricsUrl)).text();
        expect(metrics).toMatch(/^runwarden_alerts_muted_total\{[^}]*reason="silenced"[^}]*\} [1-9]/m);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(hook.bodies).toHaveLength(0);
    expect(metrics).toMatch(/^runwarden_silences\{[^}]*state="active"[^}]*\} 1$/m);
  });
});
