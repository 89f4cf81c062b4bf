import { checkFastPhases, checkHeartbeats, checkPending, checkPhaseBudgets, checkProgress } from './checks-runs.ts';
import { checkPool, checkResources } from './checks-system.ts';
import { checkDependencies, checkDuration, checkRetries, checkSuccessRate } from './checks-workflows.ts';
import { HEALTH_THRESHOLDS } from './thresholds.ts';
import type { HealthThresholds } from './thresholds.ts';
import type { Check, CheckOutcome, HealthSnapshot, HealthStatus } from './types.ts';

/** HealthReport is the body of GET /v1/health. */
export interface HealthReport {
  status: HealthStatus;
  checks: Check[];
  recommendations: string[];
}

/** CHECKS are every check, in the order the report lists them. Each MUST be pure. */
export const CHECKS: ReadonlyArray<(s: HealthSnapshot, t: HealthThresholds) => CheckOutcome | CheckOutcome[]> = [
  checkPhaseBudgets,
  checkHeartbeats,
  checkProgress,
  checkPending,
  checkFastPhases,
  checkResources,
  checkSuccessRate,
  checkDuration,
  checkRetries,
  checkDependencies,
  checkPool,
];

/** healthReport runs every check on the snapshot: any fail is unhealthy, any warn degraded. */
export function healthReport(snapshot: HealthSnapshot, thresholds: HealthThresholds = HEALTH_THRESHOLDS): HealthReport {
  const outcomes = CHECKS.flatMap((check) => check(snapshot, thresholds));
  const checks = outcomes.map((o) => o.check);
  const status: HealthStatus = checks.some((c) => c.status === 'fail') ? 'unhealthy' : checks.some((c) => c.status === 'warn') ? 'degraded' : 'healthy';
  // Failing checks' advice first.
  const recommendations = [...outcomes.filter((o) => o.check.status === 'fail'), ...outcomes.filter((o) => o.check.status === 'warn')].flatMap((o) => o.recommendations);
  return { status, checks, recommendations };
}
