/**
 * Scheduler: when the dispatcher's group timers fire. The pipeline's engine never calls
 * setTimeout itself, so tests step a fake clock and run what is due, deterministically.
 */

/** Scheduler runs a callback at a time of the pipeline's clock (epoch ms). */
export interface Scheduler {
  /** schedule runs `fn` once at `at` (at once if `at` has passed); the result cancels it. */
  schedule(at: number, fn: () => void): () => void;
}

// setTimeout fires at once for a delay beyond 2^31-1 ms (about 24.8 days); longer waits go in steps.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * timerScheduler is the real scheduler: unref'd timers, so a pending group never keeps the
 * process alive. A `group_interval` or `repeat_interval` of a month waits a month, not 1 ms.
 */
export function timerScheduler(clock: () => number): Scheduler {
  return {
    schedule(at, fn) {
      let t: ReturnType<typeof setTimeout>;
      const arm = (): void => {
        const delay = at - clock();
        t = setTimeout(delay > MAX_TIMER_MS ? arm : fn, Math.min(Math.max(0, delay), MAX_TIMER_MS));
        t.unref();
      };
      arm();
      return () => clearTimeout(t);
    },
  };
}
