import type { Logger } from 'pino';
import type { RunRegistry } from '../domain/registry.ts';
import { replay } from '../domain/replay.ts';
import type { Recorder } from '../telemetry/recorder.ts';
import type { EventStore } from './event-store.ts';

/** SPAN_MARK is the meta key of the exported-up-to mark. */
export const SPAN_MARK = 'span_mark';

/** RecoveryResult says what a start found in the store. */
export interface RecoveryResult {
  activeRuns: number;
  replayedRuns: number;
  reexportedSpans: number;
  mark: number;
}

/**
 * recover rebuilds what the last process had, before the sidecar answers anything: active runs
 * come back into the registry (and into the gauges that count them), and the spans of events after
 * the exported-up-to mark are exported again, rebuilt from the log with their original ids and
 * times. Spans at or below the mark were exported, so nothing is sent twice.
 */
export function recover(store: EventStore, registry: RunRegistry, recorder: Recorder, logger: Logger): RecoveryResult {
  const mark = store.meta<number>(SPAN_MARK) ?? 0;
  recorder.startSpans(mark);
  let reexportedSpans = 0;
  let activeRuns = 0;
  const runIds = store.recoveryRuns(mark);
  for (const runId of runIds) {
    const run = replay(store.eventsOf(runId), (effects, seq) => {
      if (seq <= mark) return;
      reexportedSpans += recorder.exportSpans(effects, seq);
    });
    if (run && run.state !== 'finished') {
      registry.put(run);
      recorder.restore(run);
      activeRuns++;
    }
  }
  const pool = store.pool();
  if (pool) registry.setPool(pool);
  recorder.committed(store.lastSeq);
  const result = { activeRuns, replayedRuns: runIds.length, reexportedSpans, mark };
  if (runIds.length > 0) logger.info(result, `recovered ${activeRuns} active runs; re-exporting ${reexportedSpans} spans not exported before the restart`);
  return result;
}
