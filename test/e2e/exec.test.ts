import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../helpers/otlp-receiver.ts';
import type { OtlpReceiver } from '../helpers/otlp-receiver.ts';
import { NODE, runCli, startSidecarProcess } from '../helpers/sidecar-process.ts';
import type { SidecarProcess } from '../helpers/sidecar-process.ts';

let receiver: OtlpReceiver;
let sidecar: SidecarProcess | undefined;

beforeEach(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  await sidecar?.stop('SIGKILL');
  sidecar = undefined;
  await receiver.close();
});

describe('runwarden exec with the real sidecar', () => {
  it('runs the command as a run whose trace the command can join, and keeps its exit code', async () => {
    sidecar = await startSidecarProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
    const script = 'console.log(process.env.TRACEPARENT + " " + process.env.RUNWARDEN_RUN_ID); process.exit(4)';
    const { code, stdout, stderr } = await runCli(['exec', '--workflow', 'nightly', '--run-id', 'exec-1', '--attr', 'git.sha=abc123', '--', NODE, '-e', script], {
      RUNWARDEN_URL: sidecar.apiUrl,
    });
    expect(code).toBe(4);
    expect(stderr).toBe('');
    const [traceparent, runId] = stdout.trim().split(' ');
    expect(runId).toBe('exec-1');
    const [root] = await receiver.waitForSpans((s) => s.name === 'RUN nightly', 10_000);
    expect(traceparent).toBe(`00-${root?.traceId}-${root?.spanId}-01`);
    expect(root?.attributes).toMatchObject({ 'cicd.pipeline.run.id': 'exec-1', 'cicd.pipeline.result': 'failure', 'error.type': 'exit_code_4', 'git.sha': 'abc123' });
    expect(root?.events.map((e) => e.name)).toContain('heartbeat');

    const view = (await (await fetch(`${sidecar.apiUrl}/v1/runs/exec-1`)).json()) as { state: string; result: string; heartbeat: { count: number } };
    expect([view.state, view.result]).toEqual(['finished', 'failure']);
    expect(view.heartbeat.count).toBeGreaterThanOrEqual(1);
  });

  it('runs a phase of an existing run under that run', async () => {
    sidecar = await startSidecarProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
    await fetch(`${sidecar.apiUrl}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workflow: 'agent', runId: 'ag-1' }) });
    const { code } = await runCli(['exec', '--run-id', 'ag-1', '--phase', 'testing', '--', NODE, '-e', 'process.exit(0)'], { RUNWARDEN_URL: sidecar.apiUrl });
    expect(code).toBe(0);
    const [phase] = await receiver.waitForSpans((s) => s.name === 'testing', 10_000);
    expect(phase?.attributes['cicd.pipeline.task.run.result']).toBe('success');
    const view = (await (await fetch(`${sidecar.apiUrl}/v1/runs/ag-1`)).json()) as { state: string };
    expect(view.state).toBe('executing');
  });
});

describe('runwarden serve with a bad config', () => {
  it('exits 2 with one line naming file, line and the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runwarden-badcfg-'));
    try {
      const file = join(dir, 'runwarden.yaml');
      writeFileSync(file, 'listen: 127.0.0.1:0\nlog_level: loud\n');
      const { code, stderr, stdout } = await runCli(['serve', '--config', file], {});
      expect(code).toBe(2);
      expect(stdout).toBe('');
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^runwarden: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:12: log_level: must be one of`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with one line when the port is taken', async () => {
    sidecar = await startSidecarProcess({ OTEL_TRACES_EXPORTER: 'none' });
    const port = new URL(sidecar.apiUrl).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'runwarden-port-'));
    const { code, stderr } = await runCli(['serve', '--listen', `127.0.0.1:${port}`, '--metrics-listen', '127.0.0.1:0', '--data-dir', dataDir], { OTEL_TRACES_EXPORTER: 'none' });
    rmSync(dataDir, { recursive: true, force: true });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^runwarden: cannot start: .*EADDRINUSE/);
  });

  it('exits 2 naming an unsupported OTEL_EXPORTER_OTLP_PROTOCOL', async () => {
    const { code, stderr } = await runCli(['serve', '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--data-dir', join(tmpdir(), 'runwarden-never-created')], { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^runwarden: cannot start: OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported/);
  });
});
