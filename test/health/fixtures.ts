import { SmallMap } from '../../src/domain/small-map.ts';
import type { Attempt, PhaseSpec, Result, Run } from '../../src/domain/types.ts';
import type { HealthSnapshot } from '../../src/health/types.ts';

/** NOW is the snapshot time of the check tests. */
export const NOW = 1_000_000_000;

/** RunSpec describes a test run with times in seconds before NOW. */
export interface RunSpec {
  runId?: string;
  workflow?: string;
  state?: Run['state'];
  startedAgo?: number;
  heartbeatAgo?: number;
  progressAgo?: number;
  progress?: number;
  message?: string;
  heartbeatIntervalSeconds?: number;
  dependsOn?: string[];
  phaseSpecs?: PhaseSpec[];
  /** Phases: running ones have no `took`. */
  phases?: Array<{ name: string; startedAgo: number; took?: number; result?: Result }>;
  retries?: Array<{ phase?: string }>;
  endedAgo?: number;
}

/** makeRun builds a Run with only what the health checks read. */
export function makeRun(s: RunSpec = {}): Run {
  const phases = new SmallMap<Attempt[]>();
  const running: string[] = [];
  for (const p of s.phases ?? []) {
    const startMs = NOW - p.startedAgo * 1000;
    const attempt = {
      attempt: (phases.get(p.name)?.length ?? 0) + 1,
      startMs,
      endMs: p.took === undefined ? undefined : startMs + p.took * 1000,
      result: p.took === undefined ? undefined : (p.result ?? 'success'),
    } as Attempt;
    phases.set(p.name, [...(phases.get(p.name) ?? []), attempt]);
    if (p.took === undefined) running.push(p.name);
  }
  const startMs = NOW - (s.startedAgo ?? 60) * 1000;
  return {
    runId: s.runId ?? 'r1',
    workflow: s.workflow ?? 'etl',
    state: s.state ?? 'executing',
    startMs,
    endMs: s.endedAgo === undefined ? undefined : NOW - s.endedAgo * 1000,
    lastHeartbeatMs: s.heartbeatAgo === undefined ? startMs : NOW - s.heartbeatAgo * 1000,
    lastProgressMs: s.progressAgo === undefined ? startMs : NOW - s.progressAgo * 1000,
    progress: s.progress,
    message: s.message,
    heartbeatIntervalSeconds: s.heartbeatIntervalSeconds,
    dependsOn: s.dependsOn ?? [],
    phaseSpecs: s.phaseSpecs ?? [],
    phases,
    runningPhases: running,
    retries: (s.retries ?? []).map((r) => ({ phase: r.phase, attempt: 2, reason: undefined, timeMs: NOW })),
  } as unknown as Run;
}

/** snapshot builds a HealthSnapshot at NOW with nothing in it but `over`. */
export function snapshot(over: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return { nowMs: NOW, activeRuns: [], finishedRuns: [], latestResult: () => undefined, pool: undefined, resources: {}, workflows: [], retries: [], ...over };
}
