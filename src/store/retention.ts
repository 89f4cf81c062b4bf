import type { Logger } from 'pino';
import type { RunRegistry } from '../domain/registry.ts';
import type { EventStore } from './event-store.ts';

/** PRUNE_BATCH is how many runs one prune step deletes: small, so a step never stalls ingest. */
const PRUNE_BATCH = 200;

/** RetentionOptions say what to keep. */
export interface RetentionOptions {
  retentionMs: number;
  maxRuns: number | undefined;
  intervalMs?: number;
}

/**
 * startRetention prunes finished runs past their retention (or beyond maxRuns) in small batches,
 * one batch per event-loop turn, every `intervalMs`, off the ingest path. Returns a stop function.
 */
export function startRetention(store: EventStore, registry: RunRegistry, clock: () => number, logger: Logger, o: RetentionOptions): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let pruned = 0;
  const step = () => {
    if (stopped) return;
    let ids: string[] = [];
    try {
      ids = store.prune(clock() - o.retentionMs, o.maxRuns, PRUNE_BATCH);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'pruning old runs failed; will try again');
    }
    for (const id of ids) registry.delete(id);
    pruned += ids.length;
    if (ids.length === PRUNE_BATCH) {
      setImmediate(step);
      return;
    }
    if (pruned > 0) logger.info({ pruned }, `pruned ${pruned} finished runs past retention`);
    pruned = 0;
    timer = setTimeout(step, o.intervalMs ?? 60_000);
    timer.unref();
  };
  timer = setTimeout(step, 1000);
  timer.unref();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
