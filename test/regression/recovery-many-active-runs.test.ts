import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { RunRegistry } from '../../src/domain/registry.ts';
import { openDatabase } from '../../src/store/database.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { recover } from '../../src/store/recovery.ts';
import { readOtelEnv } from '../../src/telemetry/otel-env.ts';
import { Recorder } from '../../src/telemetry/recorder.ts';
import { createTelemetry } from '../../src/telemetry/sdk.ts';

// Symptom: a restart with ~150,000 active runs died with "RangeError: Maximum call stack size
// exceeded": recovery took Math.min(...) over every active run's first seq.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('recovers 150,000 active runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'runwarden-many-'));
  dirs.push(dir);
  const N = 150_000;
  const first = new EventStore(openDatabase(dir));
  for (let i = 0; i < N; i++) {
    const runId = `r${i}`;
    first.runStarted(runId, 'etl', 1_700_000_000_000, first.append({ type: 'run.start', runId, workflow: 'etl', timeMs: 1_700_000_000_000 }));
  }
  await first.committed();
  first.close();

  const logger = pino({ level: 'silent' });
  const registry = new RunRegistry();
  const env = { OTEL_TRACES_EXPORTER: 'none' };
  const telemetry = createTelemetry({ otel: readOtelEnv(env), env, logger, clock: Date.now, gauges: registry });
  const store = new EventStore(openDatabase(dir));
  try {
    expect(recover(store, registry, new Recorder(telemetry, logger), logger).activeRuns).toBe(N);
    expect(registry.activeCount).toBe(N);
  } finally {
    await telemetry.shutdown();
    store.close();
  }
}, 60_000);
