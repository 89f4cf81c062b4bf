import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseExposition, value } from '../helpers/exposition.ts';
import { startOtlpReceiver } from '../helpers/otlp-receiver.ts';
import type { DecodedSpan, OtlpReceiver } from '../helpers/otlp-receiver.ts';
import { promtoolCheckMetrics, requirePeer } from '../helpers/peers.ts';
import { post, startSidecarProcess } from '../helpers/sidecar-process.ts';
import type { SidecarProcess } from '../helpers/sidecar-process.ts';

// End to end: the real `runwarden serve` process, a real OTLP/HTTP receiver decoding the bytes the
// sidecar sends, and the real /metrics text checked by promtool.

const promtool = requirePeer('promtool');
const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const nanos = (s: number) => BigInt(T0 + s * 1000) * 1_000_000n;

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

function otlpEnv(protocol: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_SERVICE_NAME: 'ci-runner',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,k8s.pod.name=runner-0',
  };
}

/** driveRun reports a realistic run: a phase that fails and is retried, steps, heartbeats. */
async function driveRun(api: string, runId: string): Promise<void> {
  const ok = (r: { status: number; body: unknown }) => expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  ok(await post(api, '/v1/runs', { workflow: 'nightly-etl', runId, attributes: { team: 'data' }, phases: [{ name: 'extract', budgetSeconds: 60 }, { name: 'load' }], time: at(0) }));
  ok(await post(api, `/v1/runs/${runId}/phases/extract/start`, { time: at(1) }));
  ok(await post(api, `/v1/runs/${runId}/phases/extract/steps/download/start`, { time: at(2) }));
  ok(await post(api, `/v1/runs/${runId}/phases/extract/steps/download/finish`, { result: 'success', time: at(5) }));
  ok(await post(api, `/v1/runs/${runId}/heartbeat`, { progress: 0.4, message: 'rows 400/1000', time: at(6) }));
  ok(await post(api, `/v1/runs/${runId}/phases/extract/finish`, { result: 'failure', error: { type: 'http_503', message: 'source unavailable' }, time: at(10) }));
  ok(await post(api, `/v1/runs/${runId}/retries`, { phase: 'extract', attempt: 2, reason: 'source unavailable', time: at(11) }));
  ok(await post(api, `/v1/runs/${runId}/phases/extract/start`, { time: at(12) }));
  ok(await post(api, `/v1/runs/${runId}/phases/extract/finish`, { result: 'success', time: at(20) }));
  ok(await post(api, `/v1/runs/${runId}/phases/load/start`, { time: at(21) }));
  ok(await post(api, `/v1/runs/${runId}/phases/load/finish`, { result: 'success', time: at(30) }));
  ok(await post(api, `/v1/runs/${runId}/finish`, { result: 'success', time: at(31) }));
}

function byName(spans: DecodedSpan[], name: string): DecodedSpan[] {
  return spans.filter((s) => s.name === name);
}

describe.each(['http/protobuf', 'http/json'])('traces over OTLP %s', (protocol) => {
  it('exports one trace per run: root, retried phase linked to its first attempt, step under its phase', async () => {
    sidecar = await startSidecarProcess(otlpEnv(protocol));
    await driveRun(sidecar.apiUrl, 'etl-42');
    const spans = await receiver.waitForSpans(5, 10_000);
    expect(spans.map((s) => s.name).sort()).toEqual(['RUN nightly-etl', 'download', 'extract', 'extract', 'load']);
    expect(receiver.requests.every((r) => r.contentType === (protocol === 'http/json' ? 'application/json' : 'application/x-protobuf'))).toBe(true);

    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
    const [root] = byName(spans, 'RUN nightly-etl');
    expect(root).toBeDefined();
    expect(root?.kind).toBe(2); // SERVER
    expect(root?.parentSpanId).toBe('');
    expect([root?.startTimeUnixNano, root?.endTimeUnixNano]).toEqual([nanos(0), nanos(31)]);
    expect(root?.attributes).toMatchObject({
      'cicd.pipeline.name': 'nightly-etl',
      'cicd.pipeline.run.id': 'etl-42',
      'cicd.pipeline.result': 'success',
      team: 'data',
    });
    expect(root?.resource).toMatchObject({ 'service.name': 'ci-runner', 'deployment.environment.name': 'test', 'k8s.pod.name': 'runner-0' });
    expect(root?.scope.name).toBe('runwarden');
    // The heartbeat came while `extract` ran, so it is an event of that phase's span, not the root's.
    expect(root?.events.map((e) => [e.name, e.timeUnixNano, e.attributes])).toEqual([
      ['retry', nanos(11), { 'runwarden.retry.attempt': 2, 'cicd.pipeline.task.name': 'extract', 'runwarden.retry.reason': 'source unavailable' }],
    ]);

    const extract = byName(spans, 'extract').sort((a, b) => Number(a.startTimeUnixNano - b.startTimeUnixNano));
    expect(extract).toHaveLength(2);
    const [first, second] = extract as [DecodedSpan, DecodedSpan];
    for (const phase of extract) {
      expect(phase.kind).toBe(1); // INTERNAL
      expect(phase.parentSpanId).toBe(root?.spanId);
    }
    expect(first.status).toMatchObject({ code: 2, message: 'source unavailable' });
    expect(first.attributes).toMatchObject({ 'cicd.pipeline.task.name': 'extract', 'cicd.pipeline.task.run.result': 'failure', 'error.type': 'http_503' });
    expect(first.events.map((e) => [e.name, e.timeUnixNano, e.attributes])).toEqual([
      ['heartbeat', nanos(6), { 'runwarden.progress': 0.4, 'runwarden.message': 'rows 400/1000' }],
    ]);
    expect(second.links).toEqual([expect.objectContaining({ traceId: first.traceId, spanId: first.spanId })]);
    expect([second.startTimeUnixNano, second.endTimeUnixNano]).toEqual([nanos(12), nanos(20)]);
    expect(second.status.code).toBe(0);

    const [download] = byName(spans, 'download');
    expect(download?.parentSpanId).toBe(first.spanId);
    expect(byName(spans, 'load')[0]?.parentSpanId).toBe(root?.spanId);
  });
});

describe('trace context', () => {
  it('a traceparent at run start makes the root a child of the caller, and phase answers parent the workflow', async () => {
    sidecar = await startSidecarProcess(otlpEnv('http/protobuf'));
    const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const started = await post(sidecar.apiUrl, '/v1/runs', { workflow: 'agent', runId: 'a1', traceparent: caller });
    expect(started.status).toBe(201);
    expect(started.body.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const phase = await post(sidecar.apiUrl, '/v1/runs/a1/phases/planning/start', {});
    const [, traceId, phaseSpanId] = (phase.body.traceparent as string).split('-');
    expect(traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    await post(sidecar.apiUrl, '/v1/runs/a1/finish', { result: 'failure', error: 'planner crashed' });
    const spans = await receiver.waitForSpans(2, 10_000);
    const root = spans.find((s) => s.name === 'RUN agent');
    expect(root?.parentSpanId).toBe('00f067aa0ba902b7');
    expect(root?.status).toMatchObject({ code: 2, message: 'planner crashed' });
    expect(root?.attributes['error.type']).toBe('failure');
    const planning = spans.find((s) => s.name === 'planning');
    expect(planning?.spanId).toBe(phaseSpanId);
    // The open phase was closed by the run's finish, with the run's result.
    expect(planning?.attributes['cicd.pipeline.task.run.result']).toBe('failure');
  });
});

describe('metrics', () => {
  it('serves the CICD metrics and per-run gauges, and promtool finds no problem', async () => {
    sidecar = await startSidecarProcess({ OTEL_TRACES_EXPORTER: 'none' });
    const api = sidecar.apiUrl;
    await driveRun(api, 'etl-1');
    await post(api, '/v1/runs', { workflow: 'nightly-etl', runId: 'etl-2', phases: [{ name: 'extract', budgetSeconds: 100 }], heartbeatIntervalSeconds: 30 });
    await post(api, '/v1/runs/etl-2/phases/extract/start', {});
    await post(api, '/v1/runs/etl-2/heartbeat', { done: 3, total: 4 });
    await post(api, '/v1/runs', { workflow: 'nightly-etl', runId: 'etl-3' });
    await post(api, '/v1/runs/etl-3/finish', { result: 'timeout' });
    await post(api, '/v1/pool', { capacity: 8, busy: 6, queued: 3, oldestQueuedSeconds: 40 });
    await post(api, '/v1/runs/nope/heartbeat', {});

    const text = await (await fetch(sidecar.metricsUrl)).text();
    const samples = parseExposition(text);
    const etl = { cicd_pipeline_name: 'nightly-etl' };
    expect(value(samples, 'cicd_pipeline_run_duration_count', { ...etl, cicd_pipeline_run_state: 'executing', cicd_pipeline_result: 'success' })).toBe(1);
    expect(value(samples, 'cicd_pipeline_run_duration_sum', { ...etl, cicd_pipeline_run_state: 'executing', cicd_pipeline_result: 'success' })).toBe(29);
    expect(value(samples, 'cicd_pipeline_run_duration_bucket', { ...etl, cicd_pipeline_run_state: 'executing', cicd_pipeline_result: 'success', le: '14400' })).toBe(1);
    expect(value(samples, 'cicd_pipeline_run_active', { ...etl, cicd_pipeline_run_state: 'executing' })).toBe(1);
    expect(value(samples, 'cicd_pipeline_run_errors_total', { ...etl, error_type: 'timeout' })).toBe(1);
    expect(value(samples, 'runwarden_phase_duration_count', { ...etl, cicd_pipeline_task_name: 'extract', cicd_pipeline_task_run_result: 'failure' })).toBe(1);
    expect(value(samples, 'runwarden_retries_total', { ...etl, cicd_pipeline_task_name: 'extract' })).toBe(1);
    expect(value(samples, 'runwarden_run_progress', { ...etl, cicd_pipeline_run_id: 'etl-2' })).toBe(0.75);
    expect(value(samples, 'runwarden_run_heartbeat_interval', { ...etl, cicd_pipeline_run_id: 'etl-2' })).toBe(30);
    expect(value(samples, 'runwarden_run_phase_budget', { cicd_pipeline_run_id: 'etl-2', cicd_pipeline_task_name: 'extract' })).toBe(100);
    expect(value(samples, 'runwarden_run_phase_elapsed', { cicd_pipeline_run_id: 'etl-2', cicd_pipeline_task_name: 'extract' })).toBeGreaterThanOrEqual(0);
    // Finished runs have no per-run series: cardinality is bounded by active runs.
    expect(value(samples, 'runwarden_run_heartbeat_age', { cicd_pipeline_run_id: 'etl-1' })).toBeUndefined();
    expect(value(samples, 'runwarden_run_heartbeat_age', { cicd_pipeline_run_id: 'etl-3' })).toBeUndefined();
    expect(value(samples, 'cicd_workers', { cicd_worker_state: 'busy' })).toBe(6);
    expect(value(samples, 'cicd_workers', { cicd_worker_state: 'available' })).toBe(2);
    expect(value(samples, 'runwarden_pool_utilization')).toBe(0.75);
    expect(value(samples, 'runwarden_pool_queue_depth')).toBe(3);
    expect(value(samples, 'runwarden_ingest_events_total', { type: 'heartbeat', outcome: 'rejected', reason: 'unknown_run' })).toBe(1);
    // The sidecar's own health: memory and CPU under their semantic-convention names.
    expect(value(samples, 'process_memory_usage')).toBeGreaterThan(10e6);
    expect(value(samples, 'v8js_memory_heap_used', { v8js_heap_space_name: 'old_space' })).toBeGreaterThan(1e6);
    expect(value(samples, 'process_cpu_time_total', { cpu_mode: 'user' })).toBeGreaterThan(0);

    if (promtool) {
      const check = await promtoolCheckMetrics(text, promtool);
      expect(check.output).toBe('');
      expect(check.exitCode).toBe(0);
    }
  });
});

describe('lifecycle', () => {
  it('SIGTERM flushes pending spans and exits 0 within 10 s', async () => {
    sidecar = await startSidecarProcess({ ...otlpEnv('http/protobuf'), OTEL_BSP_SCHEDULE_DELAY: '600000' });
    await post(sidecar.apiUrl, '/v1/runs', { workflow: 'w', runId: 'flush-me' });
    await post(sidecar.apiUrl, '/v1/runs/flush-me/finish', { result: 'success' });
    expect(receiver.spans).toHaveLength(0);
    const { code, ms } = await sidecar.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(receiver.spans.map((s) => s.name)).toEqual(['RUN w']);
    expect(sidecar.logs.some((l) => l.msg === 'stopped')).toBe(true);
  });

  it('without a Collector it keeps serving, warns once, counts the failure, and still exits 0 in time', async () => {
    await receiver.close();
    sidecar = await startSidecarProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '20' });
    for (let i = 0; i < 5; i++) {
      await post(sidecar.apiUrl, '/v1/runs', { workflow: 'w', runId: `r${i}` });
      await post(sidecar.apiUrl, `/v1/runs/r${i}/finish`, { result: 'success' });
      await new Promise((r) => setTimeout(r, 40));
    }
    const deadline = Date.now() + 15_000;
    let failures: number | undefined;
    while (Date.now() < deadline) {
      failures = value(parseExposition(await (await fetch(sidecar.metricsUrl)).text()), 'runwarden_export_failures_total', { signal: 'traces' });
      if (failures !== undefined && failures >= 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // The exporter retries a batch with backoff before it gives up, so failures count slowly.
    expect(failures).toBeGreaterThanOrEqual(1);
    expect(sidecar.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('cannot export spans'))).toHaveLength(1);
    expect((await fetch(`${sidecar.apiUrl}/healthz`)).status).toBe(200);
    const { code, ms } = await sidecar.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
  });
});
