/**
 * The compose demo's plans (deploy/demo/demo.ts `planRun`, `poolReport`): what `docker compose up`
 * shows and what the dashboards are proven with (test/dashboards/prometheus.test.ts) must be a
 * valid, realistic story: every workflow's first runs show a failure after two retries, a clean
 * success and a retried one whatever the dice say, attempts stay within their budgets (only the
 * stuck run overruns), error types come from the phase's short list, and the pool's queue comes
 * and goes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, planRun, poolReport, WORKFLOWS } from '../../deploy/demo/demo.ts';
import type { PhasePlan, RunPlan, WorkflowPlan } from '../../deploy/demo/demo.ts';

// A seeded generator, so that a plan's dice are reproducible.
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const weakest = (wf: WorkflowPlan): PhasePlan => wf.phases.reduce((a, b) => (b.failure > a.failure ? b : a));
const attemptsOf = (run: RunPlan, phase: PhasePlan) => run.phases.find((p) => p.phase === phase)?.attempts ?? [];

describe('planRun: the scripted first runs', () => {
  const cases = WORKFLOWS.flatMap((wf) => [1, 7, 99].map((seed) => [wf.workflow, seed, wf] as [string, number, WorkflowPlan]));

  it.each(cases)('%s (seed %i): run 1 fails in its least reliable phase after two retries', (_name, seed, wf) => {
    const run = planRun(wf, 1, seeded(seed));
    const weak = weakest(wf);
    expect(run.result).toBe('failure');
    expect(run.phases.at(-1)?.phase).toBe(weak);
    const attempts = attemptsOf(run, weak);
    expect(attempts).toHaveLength(MAX_ATTEMPTS);
    expect(attempts.every((a) => weak.errors.includes(a.error as string))).toBe(true);
    expect(run.error).toBe(attempts.at(-1)?.error);
    // The phases before it succeed at once: the story is the weak phase's.
    expect(run.phases.slice(0, -1).every((p) => p.attempts.length === 1 && p.attempts[0]?.error === undefined)).toBe(true);
  });

  it.each(cases)('%s (seed %i): run 2 succeeds at once', (_name, seed, wf) => {
    const run = planRun(wf, 2, seeded(seed));
    expect(run.result).toBe('success');
    expect(run.phases.map((p) => [p.phase, p.attempts.length, p.attempts[0]?.error])).toEqual(wf.phases.map((p) => [p, 1, undefined]));
  });

  it.each(cases)('%s (seed %i): run 3 needs one retry in that phase and succeeds', (_name, seed, wf) => {
    const run = planRun(wf, 3, seeded(seed));
    expect(run.result).toBe('success');
    expect(run.error).toBeUndefined();
    expect(run.phases.map((p) => p.phase)).toEqual(wf.phases);
    const attempts = attemptsOf(run, weakest(wf));
    expect(attempts.map((a) => a.error === undefined)).toEqual([false, true]);
  });

  // Two successes in one scrape would show no increase: runs 2 and 3 finish a retry apart.
  it.each(cases)('%s (seed %i): the scripted runs take the typical durations', (_name, seed, wf) => {
    const random = seeded(seed);
    for (const n of [1, 2, 3]) {
      const run = planRun(wf, n, random);
      expect(run.pendingSeconds).toBe(2);
      expect(run.phases.flatMap((p) => p.attempts.map((a) => a.seconds / p.phase.seconds)).every((x) => x === 1)).toBe(true);
    }
  });
});

describe('planRun: every run', () => {
  const wfIndex = fc.integer({ min: 0, max: WORKFLOWS.length - 1 });
  const runNumber = fc.integer({ min: 1, max: 500 });

  it('keeps every attempt within its budget, 0.5x to 2.2x its typical duration', () => {
    fc.assert(
      fc.property(wfIndex, runNumber, fc.integer(), (i, n, seed) => {
        const run = planRun(WORKFLOWS[i] as WorkflowPlan, n, seeded(seed));
        for (const { phase, attempts } of run.phases) {
          for (const a of attempts) {
            expect(a.seconds).toBeGreaterThanOrEqual(phase.seconds * 0.5);
            expect(a.seconds).toBeLessThanOrEqual(phase.seconds * 2.2);
            expect(a.seconds).toBeLessThan(phase.budgetSeconds);
          }
        }
      }),
    );
  });

  it('fails only after the last attempt of a phase failed, with that error type', () => {
    fc.assert(
      fc.property(wfIndex, runNumber, fc.integer(), (i, n, seed) => {
        const wf = WORKFLOWS[i] as WorkflowPlan;
        const run = planRun(wf, n, seeded(seed));
        const last = run.phases.at(-1);
        // Phases run in the workflow's order, each attempt after a failed one only.
        expect(run.phases.map((p) => p.phase)).toEqual(wf.phases.slice(0, run.phases.length));
        for (const p of run.phases) {
          expect(p.attempts.length).toBeLessThanOrEqual(MAX_ATTEMPTS);
          expect(p.attempts.slice(0, -1).every((a) => a.error !== undefined)).toBe(true);
          expect(p.attempts.every((a) => a.error === undefined || p.phase.errors.includes(a.error))).toBe(true);
        }
        if (run.result === 'failure') {
          expect(last?.attempts).toHaveLength(MAX_ATTEMPTS);
          expect(run.error).toBe(last?.attempts.at(-1)?.error);
        } else {
          expect(run.error).toBeUndefined();
          expect(run.phases.every((p) => p.attempts.at(-1)?.error === undefined)).toBe(true);
        }
        if (run.result === 'success') expect(run.phases).toHaveLength(wf.phases.length);
      }),
    );
  });

  // Run 5 is past the scripted ones: the dice decide.
  it.each([
    ['dice that never fail', (): number => 0.999, 'success', 1],
    ['dice that always fail', (): number => 0.011, 'failure', MAX_ATTEMPTS],
    ['dice that cancel', (): number => 0, 'cancellation', 0],
  ] as const)('run 5 with %s ends in %s (%i attempts at the first phase)', (_name, random, result, attempts) => {
    const run = planRun(WORKFLOWS[0] as WorkflowPlan, 5, random);
    expect(run.result).toBe(result);
    expect(run.phases[0]?.attempts.length ?? 0).toBe(attempts);
  });

  it('plans the same run for the same dice', () => {
    const wf = WORKFLOWS[1] as WorkflowPlan;
    expect(planRun(wf, 9, seeded(3))).toEqual(planRun(wf, 9, seeded(3)));
  });
});

describe('poolReport', () => {
  it.each([
    [0, 4, { capacity: 8, busy: 4, queued: 1, oldestQueuedSeconds: 15 }],
    [1, 4, { capacity: 8, busy: 4, queued: 0 }],
    [2, 12, { capacity: 8, busy: 8, queued: 0 }],
    [3, 9, { capacity: 8, busy: 8, queued: 4, oldestQueuedSeconds: 51 }],
  ])('report %i with %i active runs is %o', (n, active, report) => {
    expect(poolReport(n, active)).toEqual(report);
  });
});
