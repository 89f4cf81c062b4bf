import { describe, expect, it } from 'vitest';
import { checkFastPhases, checkHeartbeats, checkPending, checkPhaseBudgets, checkProgress } from '../../src/health/checks-runs.ts';
import { HEALTH_THRESHOLDS } from '../../src/health/thresholds.ts';
import type { CheckOutcome, HealthSnapshot } from '../../src/health/types.ts';
import { makeRun, NOW, snapshot } from './fixtures.ts';
import type { RunSpec } from './fixtures.ts';

type CheckFn = (s: HealthSnapshot, t: typeof HEALTH_THRESHOLDS) => CheckOutcome;

interface Case {
  name: string;
  check: CheckFn;
  runs: RunSpec[];
  finished?: RunSpec[];
  want: { status: 'pass' | 'warn' | 'fail'; observed?: number | null; threshold?: number; message?: RegExp; recommendation?: RegExp };
}

const CASES: Case[] = [
  { name: 'budget: no running phase', check: checkPhaseBudgets, runs: [{}], want: { status: 'pass', observed: null, threshold: 0.5 } },
  { name: 'budget: under half of a declared budget', check: checkPhaseBudgets, runs: [{ phaseSpecs: [{ name: 'load', budgetSeconds: 100 }], phases: [{ name: 'load', startedAgo: 40 }] }], want: { status: 'pass', observed: 0.4 } },
  { name: 'budget: 60% is a warning', check: checkPhaseBudgets, runs: [{ phaseSpecs: [{ name: 'load', budgetSeconds: 100 }], phases: [{ name: 'load', startedAgo: 60 }] }], want: { status: 'warn', observed: 0.6, threshold: 0.5 } },
  { name: 'budget: 90% fails (error)', check: checkPhaseBudgets, runs: [{ phaseSpecs: [{ name: 'load', budgetSeconds: 100 }], phases: [{ name: 'load', startedAgo: 90 }] }], want: { status: 'fail', observed: 0.9, threshold: 0.8 } },
  {
    name: 'budget: the default testing budget, 130% used, with the last heartbeat message',
    check: checkPhaseBudgets,
    runs: [{ runId: 'X', message: 'running suite 4/9', heartbeatAgo: 20, phases: [{ name: 'testing', startedAgo: 2340 }] }],
    want: {
      status: 'fail',
      observed: 1.3,
      threshold: 1,
      recommendation: /^phase testing of run X of etl has used 130% of its 1800 s budget: look at its last heartbeat message 'running suite 4\/9' \(20 s ago\)$/,
    },
  },
  { name: 'budget: past warnSeconds before half the budget', check: checkPhaseBudgets, runs: [{ phaseSpecs: [{ name: 'load', budgetSeconds: 1000, warnSeconds: 100 }], phases: [{ name: 'load', startedAgo: 150 }] }], want: { status: 'warn', message: /past its warn time of 100 s/ } },
  { name: 'budget: the worst of several runs leads', check: checkPhaseBudgets, runs: [{ runId: 'a', phases: [{ name: 'init', startedAgo: 30 }] }, { runId: 'b', phases: [{ name: 'init', startedAgo: 50 }] }], want: { status: 'fail', message: /run b of etl.*\(and 1 more\)$/ } },

  { name: 'heartbeat: no declared interval', check: checkHeartbeats, runs: [{ heartbeatAgo: 1000 }], want: { status: 'pass', observed: null } },
  { name: 'heartbeat: 1.5 intervals', check: checkHeartbeats, runs: [{ heartbeatIntervalSeconds: 30, heartbeatAgo: 45 }], want: { status: 'pass', observed: 1.5, threshold: 2 } },
  { name: 'heartbeat: 2 intervals warns', check: checkHeartbeats, runs: [{ heartbeatIntervalSeconds: 30, heartbeatAgo: 60 }], want: { status: 'warn', observed: 2, threshold: 2 } },
  { name: 'heartbeat: 3 intervals fails', check: checkHeartbeats, runs: [{ heartbeatIntervalSeconds: 30, heartbeatAgo: 95 }], want: { status: 'fail', threshold: 3, recommendation: /no heartbeat for 1 min 35 s \(3\.2× its 30 s interval\): check that its process is alive and cancel it if not/ } },

  { name: 'progress: a run that never reports progress is not judged', check: checkProgress, runs: [{ progressAgo: 5000 }], want: { status: 'pass', observed: null } },
  { name: 'progress: 10 minutes is the limit', check: checkProgress, runs: [{ progress: 0.4, progressAgo: 600 }], want: { status: 'pass', observed: 600 } },
  { name: 'progress: stuck for 15 minutes', check: checkProgress, runs: [{ progress: 0.4, progressAgo: 900, message: 'rows' }], want: { status: 'warn', threshold: 600, recommendation: /stuck at 40% for 15 min: look at its last heartbeat message 'rows'/ } },

  { name: 'pending: executing runs are not pending', check: checkPending, runs: [{ startedAgo: 5000 }], want: { status: 'pass', observed: null } },
  { name: 'pending: 6 min 40 s waiting', check: checkPending, runs: [{ state: 'pending', startedAgo: 400 }], want: { status: 'warn', observed: 400, threshold: 300, recommendation: /waited 6 min 40 s .*check that a runner picked it up/ } },

  { name: 'fast: a 5 s phase is fine', check: checkFastPhases, runs: [{ phases: [{ name: 'init', startedAgo: 60, took: 5 }] }], want: { status: 'pass' } },
  { name: 'fast: a failed 0.2 s phase is not suspicious', check: checkFastPhases, runs: [{ phases: [{ name: 'init', startedAgo: 60, took: 0.2, result: 'failure' }] }], want: { status: 'pass' } },
  { name: 'fast: a successful 0.2 s phase of a finished run', check: checkFastPhases, runs: [], finished: [{ runId: 'f1', state: 'finished', endedAgo: 10, phases: [{ name: 'load', startedAgo: 60, took: 0.2 }] }], want: { status: 'warn', message: /phase load of run f1 of etl succeeded in 0\.20 s/ } },
  { name: 'fast: older than the window', check: checkFastPhases, runs: [], finished: [{ state: 'finished', phases: [{ name: 'load', startedAgo: 3600, took: 0.2 }] }], want: { status: 'pass' } },
];

describe('run checks', () => {
  it.each(CASES)('$name', ({ check, runs, finished, want }) => {
    const got = check(snapshot({ activeRuns: runs.map(makeRun), finishedRuns: (finished ?? []).map(makeRun) }), HEALTH_THRESHOLDS);
    expect(got.check.status).toBe(want.status);
    if (want.observed !== undefined) {
      if (want.observed === null) expect(got.check.observed).toBeNull();
      else expect(got.check.observed).toBeCloseTo(want.observed);
    }
    if (want.threshold !== undefined) expect(got.check.threshold).toBe(want.threshold);
    if (want.message) expect(got.check.message).toMatch(want.message);
    if (want.status === 'pass') expect(got.recommendations).toEqual([]);
    else expect(got.recommendations.length).toBeGreaterThan(0);
    if (want.recommendation) expect(got.recommendations[0]).toMatch(want.recommendation);
  });

  it('pending runs point at the pool when there is one', () => {
    const got = checkPending(snapshot({ activeRuns: [makeRun({ state: 'pending', startedAgo: 600 })], pool: { capacity: 5, busy: 5, queued: 3, oldestQueuedSeconds: 60, timeMs: NOW } }), HEALTH_THRESHOLDS);
    expect(got.recommendations[0]).toMatch(/check the pool \(5 of 5 workers busy, 3 queued\)$/);
  });
});
