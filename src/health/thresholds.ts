/**
 * HEALTH_THRESHOLDS are the limits GET /v1/health checks against: the same numbers as the bundled
 * rules in alerts/ (change both together). One object so configuration can replace it later.
 */
export const HEALTH_THRESHOLDS = {
  /** Fraction of a phase's budget used: warn over `warn`, fail over `error` (and over `critical`). */
  phaseBudget: { warn: 0.5, error: 0.8, critical: 1 },
  /** Heartbeat age in heartbeat intervals the run declared. */
  heartbeatGap: { warn: 2, fail: 3 },
  /** Seconds without progress, for runs that report progress. */
  noProgressSeconds: 600,
  /** Seconds a run may wait to start (pending). */
  pendingSeconds: 300,
  /** A successful phase attempt under this many seconds, within `fastPhaseWindowMs`, is suspicious. */
  fastPhaseSeconds: 1,
  fastPhaseWindowMs: 15 * 60_000,
  /** Memory, CPU and data-dir disk utilization (0..1). */
  resources: { warn: 0.8, fail: 0.9 },
  /** Usage the resource recommendations aim at. */
  resourceTarget: 0.7,
  /** Success rate over `windowMs`, judged once a workflow finished `minRuns` in it. */
  successRate: { windowMs: 3_600_000, warnBelow: 0.8, failBelow: 0.5, minRuns: 3 },
  /** p95 run duration over the window against the same window a day earlier. */
  durationBaseline: { factor: 2, offsetMs: 86_400_000 },
  /** Mean retries per finished run over the success-rate window. */
  retriesPerRun: 1,
  /** Workflows in dependsOn whose latest run failed: warn over `warn`, fail over `fail`. */
  dependenciesFailing: { warn: 0, fail: 2 },
  /** Pool utilization (busy / capacity), queue depth, and the oldest queued item's wait. */
  pool: { utilizationWarn: 0.8, utilizationFail: 0.95, queueWarn: 20, queueFail: 100, queueWaitSeconds: 600, targetUtilization: 0.8 },
} as const;

/** HealthThresholds is the shape of HEALTH_THRESHOLDS. */
export type HealthThresholds = typeof HEALTH_THRESHOLDS;
