import type { LatestResult } from '../domain/registry.ts';
import type { PoolReport, Run } from '../domain/types.ts';
import type { ResourceUsage } from './resources.ts';

/** CheckStatus is the verdict of one health check. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

/** HealthStatus is the verdict of them all: any fail is unhealthy, any warn degraded. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** Check is one entry of GET /v1/health's `checks`. */
export interface Check {
  name: string;
  status: CheckStatus;
  /** The worst value seen (null when there was nothing to observe). */
  observed: number | null;
  /** The threshold `observed` was judged against: the one crossed, or the first one when passing. */
  threshold: number;
  message: string;
}

/** CheckOutcome is a check and what to do about each offender it found. */
export interface CheckOutcome {
  check: Check;
  recommendations: string[];
}

/** WorkflowStats are a workflow's finished runs over the window, and its baseline a day earlier. */
export interface WorkflowStats {
  workflow: string;
  finished: number;
  success: number;
  successRate: number | null;
  p95Seconds: number | null;
  baselineP95Seconds: number | null;
  /** Phases by failure rate over the window, worst first. */
  failingPhases: Array<{ name: string; failureRate: number }>;
}

/** RetryStats are the retries of a workflow's runs that finished in the window (from memory). */
export interface RetryStats {
  workflow: string;
  runs: number;
  retries: number;
  /** The phase retried most, if retries named one. */
  topPhase: string | undefined;
}

/** HealthSnapshot is everything the checks read: plain data, taken once per request. */
export interface HealthSnapshot {
  nowMs: number;
  activeRuns: readonly Run[];
  /** Recently finished runs kept in memory (for fast phases). */
  finishedRuns: readonly Run[];
  latestResult: (workflow: string) => LatestResult | undefined;
  pool: PoolReport | undefined;
  resources: ResourceUsage;
  workflows: readonly WorkflowStats[];
  retries: readonly RetryStats[];
}
