/**
 * Retry delays for the outbox: exponential backoff with full jitter (AWS's "Exponential Backoff
 * And Jitter"), never shorter than what the receiver asked for with `Retry-After`. Pure: the
 * random source comes in as an argument so tests can pin it.
 */

/** BackoffPolicy is the part of DeliverySettings that shapes retry delays. */
export interface BackoffPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * backoffCeiling is the largest delay after the `attempt`-th failed attempt (1-based):
 * `initialBackoffMs × 2^(attempt-1)`, capped at `maxBackoffMs`.
 */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2^60 already dwarfs any cap; stopping there keeps the product finite.
  const grown = policy.initialBackoffMs * 2 ** Math.min(n - 1, 60);
  return Math.max(0, Math.min(policy.maxBackoffMs, grown));
}

/**
 * backoffDelay is how long to wait after the `attempt`-th failed attempt: a uniformly random
 * delay in `[0, backoffCeiling)` (full jitter, so many lanes failing together do not retry in
 * step), raised to `retryAfterMs` when the receiver asked for a longer wait. `random` MUST return
 * values in [0, 1), as Math.random does.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number): number {
  const jittered = Math.floor(random() * backoffCeiling(attempt, policy));
  const asked = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? Math.ceil(retryAfterMs) : 0;
  return Math.max(jittered, asked);
}
