/**
 * Scheduler: when the dispatcher's group timers fire. The pipeline's engine never calls
 * setTimeout itself, so tests step a fake clock and run what is due, deterministically.
 */

/** Scheduler runs a callback at a time of the pipeline's clock (epoch ms). */
export interface Scheduler {
  /** schedule runs `fn` once at `at` (at once if `at` has passed); the result cancels it. */
  schedule(at: number, fn: () => void): () => void;
}

/** timerScheduler is the real scheduler: unref'd timers, so a pending group never keeps the process alive. */
export function timerScheduler(clock: () => number): Scheduler {
  return {
    schedule(at, fn) {
      const t = setTimeout(fn, Math.max(0, at - clock()));
      t.unref();
      return () => clearTimeout(t);
    },
  };
}
