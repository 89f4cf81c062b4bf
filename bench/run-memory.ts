import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { RunRegistry } from '../src/domain/registry.ts';
import { IngestService } from '../src/ingest/service.ts';
import { openDatabase } from '../src/store/database.ts';
import { EventStore } from '../src/store/event-store.ts';
import { readOtelEnv } from '../src/telemetry/otel-env.ts';
import { Recorder } from '../src/telemetry/recorder.ts';
import { createTelemetry } from '../src/telemetry/sdk.ts';

/**
 * The live memory of active runs, measured precisely: `node --expose-gc bench/run-memory.ts N...`
 * wires the sidecar's own IngestService, EventStore and telemetry in-process (no HTTP), starts
 * runs through it, collects garbage, and prints the heap each active run holds as JSON lines.
 */

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const counts = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'runwarden-mem-'));
const logger = pino({ level: 'silent' });
const registry = new RunRegistry();
const env = { OTEL_TRACES_EXPORTER: 'none' };
const telemetry = createTelemetry({ otel: readOtelEnv(env), env, logger, clock: Date.now, gauges: registry });
const store = new EventStore(openDatabase(dir));
const service = new IngestService({ registry, recorder: new Recorder(telemetry, logger), instruments: telemetry.instruments, clock: Date.now, newRunId: () => 'x', store });

const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const base = heap();
let made = 0;
for (const n of counts) {
  for (; made < n; made++) {
    const runId = `mem-${made}`;
    service.apply('run.start', { runId: '' }, { workflow: `wf-${made % 20}`, runId, phases: [{ name: 'build', budgetSeconds: 600 }, { name: 'test', budgetSeconds: 900 }], heartbeatIntervalSeconds: 30 });
    service.apply('phase.start', { runId, phase: 'build' }, {});
    service.apply('heartbeat', { runId }, { progress: 0.3, message: 'compiling' });
    if (made % 500 === 499) await service.durable();
  }
  await service.durable();
  const used = heap();
  process.stdout.write(`${JSON.stringify({ runs: n, active: registry.activeCount, heapBytes: used - base, bytesPerRun: (used - base) / n })}\n`);
}
await telemetry.shutdown();
store.close();
rmSync(dir, { recursive: true, force: true });
