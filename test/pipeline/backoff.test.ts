/**
 * Retry delays: the ceiling doubles per attempt up to the cap, full jitter spreads the delay over
 * [0, ceiling), and a receiver's Retry-After is a floor.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay } from '../../src/pipeline/backoff.ts';

const policy = { initialBackoffMs: 1_000, maxBackoffMs: 300_000 };

describe('backoffCeiling', () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [9, 256_000],
    [10, 300_000],
    [1_000, 300_000],
    [0, 1_000],
  ])('after attempt %i is %i ms', (attempt, ms) => {
    expect(backoffCeiling(attempt, policy)).toBe(ms);
  });
});

describe('backoffDelay', () => {
  it.each([
    ['no jitter drawn', 0, 3, undefined, 0],
    ['half the ceiling', 0.5, 3, undefined, 2_000],
    ['just under the ceiling', 0.999, 1, undefined, 999],
    ['Retry-After longer than the jitter', 0.5, 1, 30_000, 30_000],
    ['Retry-After shorter than the jitter', 0.5, 3, 1_000, 2_000],
    ['Retry-After beyond the cap', 0.99, 20, 600_000, 600_000],
    ['a negative Retry-After is ignored', 0.25, 2, -5, 500],
    ['a fractional Retry-After rounds up', 0, 1, 1_500.2, 1_501],
  ])('%s', (_name, random, attempt, retryAfter, ms) => {
    expect(backoffDelay(attempt, policy, () => random, retryAfter)).toBe(ms);
  });

  it('stays within [Retry-After, max(ceiling, Retry-After)) for any draw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), fc.option(fc.integer({ min: 0, max: 1e7 }), { nil: undefined }), (attempt, r, after) => {
        const d = backoffDelay(attempt, policy, () => r, after);
        const ceiling = backoffCeiling(attempt, policy);
        expect(d).toBeGreaterThanOrEqual(after ?? 0);
        expect(d).toBeLessThanOrEqual(Math.max(ceiling, after ?? 0));
        expect(Number.isInteger(d)).toBe(true);
      }),
    );
  });
});
