import type { Logger } from 'pino';
import type { RunRegistry } from '../domain/registry.ts';
import { replay } from '../domain/replay.ts';
import type { Effect } from '../domain/transition.ts';
import type { Result } from '../domain/types.ts';
import type { Recorder } from '../telemetry/recorder.ts';
import type { EventStore } from './event-store.ts';

/** SPAN_MARK is the meta key of the exported-up-to mark. */
export const SPAN_MARK = 'span_mark';

/** RecoveryResult says what a start found in the store. */
export interface RecoveryResult {
  activeRuns: number;
  mark: number;
  committedSeq: number;
}

/**
 * recover rebuilds what the last process had, before the sidecar answers anything: active runs
 * come back into the registry (and into the gauges that count them), and span export resumes from
 * the exported-up-to mark: the spans of later events are rebuilt from the log by the backfill, with
 * their original ids and times. Spans at or below the mark were exported, so none is sent twice.
 */
export function recover(store: EventStore, registry: RunRegistry, recorder: Recorder, logger: Logger): RecoveryResult {
  const mark = store.meta<number>(SPAN_MARK) ?? 0;
  let activeRuns = 0;
  // One ordered scan from the oldest active run's start rebuilds every active run.
  const active = store.activeRuns();
  if (active.length > 0) {
    // A loop, not Math.min(...): spreading 100k+ arguments overflows the stack.
    let from = Infinity;
    for (const r of active) if (r.firstSeq < from) from = r.firstSeq;
    const events = store.scan(from, store.committedSeq, new Set(active.map((r) => r.runId)));
    for (const list of events.values()) {
      const run = replay(list);
      if (run && run.state !== 'finished') {
        registry.put(run);
        recorder.restore(run);
        activeRuns++;
      }
    }
  }
  // How each workflow's latest run ended: what `dependsOn` health reads, kept across the restart.
  for (const l of store.latestResults()) registry.noteLatest(l.workflow, { runId: l.runId, result: l.result as Result, endMs: l.endMs });
  const pool = store.pool();
  if (pool) registry.setPool(pool);
  recorder.setSpanBackfill(spanBackfill(store, recorder));
  recorder.startSpans(mark, store.committedSeq);
  const result = { activeRuns, mark, committedSeq: store.committedSeq };
  if (activeRuns > 0 || store.committedSeq > mark) {
    logger.info(result, `recovered ${activeRuns} active runs; spans of events after ${mark} will be exported from the log`);
  }
  return result;
}

/** BACKFILL_EVENTS bounds one backfill chunk: the spans of this many events are rebuilt at once. */
const BACKFILL_EVENTS = 1000;

/**
 * spanBackfill rebuilds the spans of the events in (mark, mark + BACKFILL_EVENTS] from the log,
 * replaying each run they touch up to the chunk's end, and hands them to export in seq order.
 * Events past the chunk are deferred to the next one.
 */
export function spanBackfill(store: EventStore, recorder: Recorder, chunk = BACKFILL_EVENTS): (mark: number) => void {
  return (mark) => {
    const committed = store.committedSeq;
    if (committed <= mark) return;
    const upper = Math.min(committed, mark + chunk);
    const made: { seq: number; effects: Effect[] }[] = [];
    const touched = new Set(store.runsTouched(mark, upper));
    // One scan from the oldest touched run's start; rows after `upper` may belong to a batch not
    // yet committed, so the scan stops there and no span is built from them.
    const from = store.firstSeqOf(touched) ?? mark + 1;
    for (const list of store.scan(from, upper, touched).values()) {
      replay(list, (effects, seq) => {
        if (seq > mark) made.push({ seq, effects });
      });
    }
    made.sort((a, b) => a.seq - b.seq);
    for (const { seq, effects } of made) recorder.exportSpans(effects, seq);
    if (upper < committed) recorder.deferSpansFrom(upper + 1);
  };
}
