/**
 * The circuit breaker: opens after N consecutive retryable failures, refuses while open, lets one
 * probe through half-open, closes on its success and re-opens on its failure.
 */
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/pipeline/circuit-breaker.ts';

type Step = ['fail' | 'ok' | 'release', number] | ['admit', number, boolean] | ['state', number, string];

const cases: [string, Step[]][] = [
  ['stays closed below the threshold', [['fail', 0], ['fail', 1], ['state', 2, 'closed'], ['admit', 2, true]]],
  ['a success resets the count', [['fail', 0], ['fail', 1], ['ok', 2], ['fail', 3], ['fail', 4], ['state', 5, 'closed']]],
  ['opens at the threshold and refuses until the reset', [['fail', 0], ['fail', 1], ['fail', 2], ['state', 2, 'open'], ['admit', 3, false], ['admit', 10_001, false], ['state', 10_002, 'half-open']]],
  ['half-open lets exactly one probe through', [['fail', 0], ['fail', 0], ['fail', 0], ['admit', 10_000, true], ['admit', 10_000, false], ['admit', 10_500, false]]],
  ['a successful probe closes it', [['fail', 0], ['fail', 0], ['fail', 0], ['admit', 10_000, true], ['ok', 10_100], ['state', 10_100, 'closed'], ['admit', 10_100, true], ['fail', 10_200], ['state', 10_200, 'closed']]],
  ['a failed probe re-opens it for another period', [['fail', 0], ['fail', 0], ['fail', 0], ['admit', 10_000, true], ['fail', 10_100], ['state', 10_100, 'open'], ['admit', 20_099, false], ['admit', 20_100, true]]],
  ['a released probe lets the next caller probe', [['fail', 0], ['fail', 0], ['fail', 0], ['admit', 10_000, true], ['release', 10_000], ['admit', 10_000, true]]],
];

describe('CircuitBreaker', () => {
  it.each(cases)('%s', (_name, steps) => {
    const b = new CircuitBreaker({ failureThreshold: 3, resetMs: 10_000 });
    for (const step of steps) {
      switch (step[0]) {
        case 'fail':
          b.failed(step[1]);
          break;
        case 'ok':
          b.succeeded();
          break;
        case 'release':
          b.released();
          break;
        case 'admit':
          expect(b.admit(step[1]).allowed, `admit at ${step[1]}`).toBe(step[2]);
          break;
        case 'state':
          expect(b.state(step[1]), `state at ${step[1]}`).toBe(step[2]);
          break;
      }
    }
  });

  it('tells a refused caller how long the circuit stays open', () => {
    const b = new CircuitBreaker({ failureThreshold: 1, resetMs: 30_000 });
    b.failed(1_000);
    expect(b.admit(11_000)).toEqual({ allowed: false, waitMs: 20_000 });
  });
});
