/**
 * recover() between two "processes" on one data directory, wired as main.ts wires them (the
 * export mark persisted into the store as it moves): active runs come back whole, with their
 * gauges; the spans the first process could not export are exported by the second, once; a third
 * start, after they were, exports nothing again.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { phaseSpanIdFor, rootSpanIdFor, stepSpanIdFor } from '../../src/domain/ids.ts';
import { RunRegistry } from '../../src/domain/registry.ts';
import type { EventType } from '../../src/domain/types.ts';
import type { Ids } from '../../src/ingest/normalize.ts';
import { IngestService } from '../../src/ingest/service.ts';
import { openDatabase } from '../../src/store/database.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { recover, SPAN_MARK } from '../../src/store/recovery.ts';
import type { RecoveryResult } from '../../src/store/recovery.ts';
import { readOtelEnv } from '../../src/telemetry/otel-env.ts';
import { Recorder } from '../../src/telemetry/recorder.ts';
import { createTelemetry } from '../../src/telemetry/sdk.ts';
import type { Telemetry } from '../../src/telemetry/sdk.ts';
import { sampleValue, T0 } from '../helpers/app.ts';

/** Collector is a span exporter that can be down (every export fails) or up (spans are kept). */
class Collector implements SpanExporter {
  down = false;
  readonly spans: ReadableSpan[] = [];
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    if (this.down) return done({ code: ExportResultCode.FAILED, error: new Error('collector down') });
    this.spans.push(...spans);
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

/** Booted is one start of the sidecar's core on a data directory. */
interface Booted {
  store: EventStore;
  registry: RunRegistry;
  telemetry: Telemetry;
  service: IngestService;
  recovered: RecoveryResult;
  /** apply sends one event as the routes do, and waits until it is durable. */
  apply(type: EventType, ids: Ids, body?: Record<string, unknown>): Promise<void>;
  metrics(): Promise<string>;
  /** stop ends the process: no flush (a crash exports nothing more), the store closed. */
  stop(): Promise<void>;
}

function boot(dataDir: string, collector: Collector, env: NodeJS.ProcessEnv = {}): Booted {
  const logger = pino({ level: 'silent' });
  const clock = () => T0 + 3_600_000;
  const store = new EventStore(openDatabase(dataDir));
  const registry = new RunRegistry();
  const telemetry = createTelemetry({
    otel: readOtelEnv(env),
    env,
    logger,
    clock,
    gauges: registry,
    spanExporter: collector,
    onSpanMark: (mark) => store.setMeta(SPAN_MARK, mark),
  });
  const recorder = new Recorder(telemetry, logger);
  const recovered = recover(store, registry, recorder, logger);
  const service = new IngestService({ registry, recorder, instruments: telemetry.instruments, clock, newRunId: randomUUID, store });
  return {
    store,
    registry,
    telemetry,
    service,
    recovered,
    async apply(type, ids, body = {}) {
      if (type === 'run.start') service.apply(type, { runId: '' }, { runId: ids.runId, ...body });
      else service.apply(type, ids, body);
      await service.durable();
    },
    metrics: () => scrape(telemetry),
    async stop() {
      const wasDown = collector.down;
      collector.down = true;
      await telemetry.shutdown();
      collector.down = wasDown;
      await store.committed();
      store.close();
    },
  };
}

function scrape(telemetry: Telemetry): Promise<string> {
  return new Promise((resolve) => {
    const res = { statusCode: 0, setHeader: () => res, end: (body?: string) => resolve(body ?? '') };
    telemetry.handleMetrics({ method: 'GET', url: '/metrics', headers: {} } as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
}

const at = (s: number) => T0 + s * 1000;
let dir: string;
let running: Booted[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runwarden-recovery-'));
});
afterEach(async () => {
  for (const b of running) if (b.telemetry.ready()) await b.stop();
  running = [];
  rmSync(dir, { recursive: true, force: true });
});

function start(collector: Collector, env: NodeJS.ProcessEnv = {}): Booted {
  const b = boot(dir, collector, env);
  running.push(b);
  return b;
}

/** firstLife drives three runs: `done` exported, then with the Collector down `open` and `late`. */
async function firstLife(collector: Collector): Promise<Booted> {
  const a = start(collector);
  await a.apply('run.start', { runId: 'done' }, { workflow: 'etl', time: at(0) });
  await a.apply('phase.start', { runId: 'done', phase: 'a' }, { time: at(1) });
  await a.apply('phase.finish', { runId: 'done', phase: 'a' }, { result: 'success', time: at(2) });
  await a.apply('run.finish', { runId: 'done' }, { result: 'success', time: at(3) });
  await a.telemetry.forceFlush();
  await a.store.committed();
  expect(collector.spans.map((s) => s.name).sort()).toEqual(['RUN etl', 'a']);
  expect(a.store.meta(SPAN_MARK)).toBe(4);

  collector.down = true;
  await a.apply('run.start', { runId: 'open' }, { workflow: 'etl', phases: [{ name: 'x', budgetSeconds: 50 }], heartbeatIntervalSeconds: 10, time: at(10) });
  await a.apply('phase.start', { runId: 'open', phase: 'x' }, { time: at(11) });
  await a.apply('step.start', { runId: 'open', phase: 'x', step: 's' }, { time: at(12) });
  await a.apply('step.finish', { runId: 'open', phase: 'x', step: 's' }, { result: 'success', time: at(13) });
  await a.apply('heartbeat', { runId: 'open' }, { progress: 0.3, message: 'rows', time: at(14) });
  await a.apply('retry', { runId: 'open' }, { phase: 'x', attempt: 2, reason: 'flaky', time: at(15) });
  await a.apply('run.start', { runId: 'late' }, { workflow: 'deploy', time: at(20) });
  await a.apply('phase.start', { runId: 'late', phase: 'y' }, { time: at(21) });
  await a.apply('phase.finish', { runId: 'late', phase: 'y' }, { result: 'failure', error: 'boom', time: at(22) });
  await a.apply('run.finish', { runId: 'late' }, { result: 'failure', time: at(23) });
  a.service.reportPool({ capacity: 4, busy: 3, queued: 1 });
  await a.service.durable();
  await a.telemetry.forceFlush(); // fails: the Collector is down
  await a.store.committed();
  return a;
}

describe('recover', () => {
  it('brings active runs back whole, with their gauges, before anything is answered', async () => {
    const collector = new Collector();
    const a = await firstLife(collector);
    const openBefore = structuredClone(a.registry.get('open'));
    await a.stop();

    collector.down = false;
    const b = start(collector);
    expect(b.recovered).toMatchObject({ activeRuns: 1 });
    expect(b.registry.get('open')).toEqual(openBefore);
    expect([...b.registry.activeRuns()].map((r) => r.runId)).toEqual(['open']);
    // How each workflow's latest run ended survives too: runs that depend on deploy still see it failing.
    expect(b.registry.latestResult('deploy')).toEqual({ runId: 'late', result: 'failure', endMs: at(23) });
    expect(b.registry.latestResult('etl')).toEqual({ runId: 'done', result: 'success', endMs: at(3) });

    const text = await b.metrics();
    expect(sampleValue(text, 'cicd_pipeline_run_active', { cicd_pipeline_name: 'etl', cicd_pipeline_run_state: 'executing' })).toBe(1);
    expect(sampleValue(text, 'runwarden_run_progress', { cicd_pipeline_run_id: 'open' })).toBe(0.3);
    expect(sampleValue(text, 'runwarden_run_heartbeat_interval', { cicd_pipeline_run_id: 'open' })).toBe(10);
    expect(sampleValue(text, 'runwarden_run_phase_budget', { cicd_pipeline_run_id: 'open', cicd_pipeline_task_name: 'x' })).toBe(50);
    expect(sampleValue(text, 'runwarden_run_phase_elapsed', { cicd_pipeline_run_id: 'open', cicd_pipeline_task_name: 'x' })).toBe(3600 - 11);
    expect(sampleValue(text, 'runwarden_run_heartbeat_age', { cicd_pipeline_run_id: 'late' })).toBeUndefined();
    expect(sampleValue(text, 'cicd_workers', { cicd_worker_state: 'busy' })).toBe(3);

    // The recovered run goes on where it was: attempt 1 of x is running, so a finish closes it.
    await b.apply('phase.finish', { runId: 'open', phase: 'x' }, { result: 'success', time: at(30) });
    await b.apply('run.finish', { runId: 'open' }, { result: 'success', time: at(31) });
    await b.telemetry.forceFlush();
    const root = collector.spans.find((s) => s.name === 'RUN etl' && s.attributes['cicd.pipeline.run.id'] === 'open');
    expect(root?.startTime).toEqual([Math.floor(at(10) / 1000), 0]);
    expect(root?.events.map((e) => e.name)).toEqual(['retry']);
    const x = collector.spans.find((s) => s.name === 'x');
    expect(x?.parentSpanContext?.spanId).toBe(rootSpanIdFor('open'));
    expect(x?.spanContext().spanId).toBe(phaseSpanIdFor('open', 'x', 1));
    expect(x?.events.map((e) => e.name)).toEqual(['heartbeat']);
  });

  it('exports once the spans the last process could not, and nothing it had exported', async () => {
    const collector = new Collector();
    const a = await firstLife(collector);
    await a.stop();
    expect(collector.spans).toHaveLength(2);

    collector.down = false;
    const b = start(collector);
    // The mark passed `done` (exported) and open's span-less start (events 5-7), and stopped below
    // its step's span (event 8). `done` is not even replayed; `open` is active, `late` is after it.
    expect(b.recovered).toEqual({ activeRuns: 1, mark: 7, committedSeq: b.store.committedSeq });
    // The backfill rebuilds them from the log on the next turn.
    await new Promise((resolve) => setImmediate(resolve));
    await b.telemetry.forceFlush();
    await b.store.committed();
    const after = collector.spans.slice(2);
    expect(after.map((s) => s.name).sort()).toEqual(['RUN deploy', 's', 'y']);
    const byName = Object.fromEntries(after.map((s) => [s.name, s]));
    expect(byName.s?.spanContext().spanId).toBe(stepSpanIdFor('open', 'x', 1, 's', 1));
    expect(byName.s?.parentSpanContext?.spanId).toBe(phaseSpanIdFor('open', 'x', 1));
    expect(byName.y?.parentSpanContext?.spanId).toBe(rootSpanIdFor('late'));
    expect(byName.y?.status).toEqual({ code: 2, message: 'boom' });
    expect(byName['RUN deploy']?.startTime).toEqual([Math.floor(at(20) / 1000), 0]);
    expect(byName['RUN deploy']?.endTime).toEqual([Math.floor(at(23) / 1000), 0]);
    // The mark now covers the whole log, persisted.
    expect(b.store.meta(SPAN_MARK)).toBe(b.store.lastSeq);
    await b.stop();

    const c = start(collector);
    expect(c.recovered).toEqual({ activeRuns: 1, mark: b.store.lastSeq, committedSeq: b.store.lastSeq });
    await new Promise((resolve) => setImmediate(resolve));
    await c.telemetry.forceFlush();
    expect(collector.spans).toHaveLength(5);
    const ids = collector.spans.map((s) => s.spanContext().spanId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('exports the spans a full queue deferred from the log, in order, and no span twice', async () => {
    const collector = new Collector();
    // A queue of two spans and a long batch delay: the third and fourth phase spans do not fit.
    const a = start(collector, { OTEL_BSP_MAX_QUEUE_SIZE: '2', OTEL_BSP_SCHEDULE_DELAY: '600000' });
    await a.apply('run.start', { runId: 'q' }, { workflow: 'etl', time: at(0) });
    const phase = async (b: Booted, n: number) => {
      await b.apply('phase.start', { runId: 'q', phase: `p${n}` }, { time: at(n * 10) });
      await b.apply('phase.finish', { runId: 'q', phase: `p${n}` }, { result: 'success', time: at(n * 10 + 1) });
    };
    // p3 and p4 do not fit and are deferred; once the queue drains the backfill rebuilds them from
    // the log, and p5, which came after a deferred span, waits its turn there too.
    for (let n = 1; n <= 4; n++) await phase(a, n);
    await a.telemetry.forceFlush();
    await phase(a, 5);
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      await a.telemetry.forceFlush();
    }
    expect(collector.spans.map((s) => s.name)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    await a.stop();

    const b = start(collector);
    await new Promise((resolve) => setImmediate(resolve));
    await b.telemetry.forceFlush();
    expect(collector.spans.map((s) => s.name), 'each phase span exported exactly once, in order').toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('starts an empty directory with nothing to recover', () => {
    const b = start(new Collector());
    expect(b.recovered).toEqual({ activeRuns: 0, mark: 0, committedSeq: 0 });
    expect(b.registry.activeCount).toBe(0);
  });
});
