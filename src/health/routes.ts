import type { FastifyInstance } from 'fastify';
import type { ResourceUsage } from './resources.ts';
import { healthReport } from './report.ts';
import { takeSnapshot } from './snapshot.ts';
import type { HealthHistory, HealthRuns } from './snapshot.ts';
import { HEALTH_THRESHOLDS } from './thresholds.ts';
import type { HealthThresholds } from './thresholds.ts';

/** HealthRouteDeps are what GET /v1/health reads. */
export interface HealthRouteDeps {
  /** The in-memory runs and pool (RunRegistry). */
  registry: HealthRuns;
  /** The durable history for workflow quality (RunHistory); absent: no workflow checks. */
  history?: HealthHistory;
  /** resources reads the pod's memory, CPU and data-dir disk (a ResourceProbe's `read`); absent: no resource checks. */
  resources?: (nowMs: number) => Promise<ResourceUsage>;
  clock: () => number;
  /** Defaults to HEALTH_THRESHOLDS. */
  thresholds?: HealthThresholds;
}

/**
 * registerHealthRoutes adds `GET /v1/health`: `{status, checks, recommendations}` computed from the
 * current state with the bundled rules' thresholds. It answers 200 whatever the status (the
 * status is in the body; /healthz and /readyz are the probes).
 */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthRouteDeps): void {
  const thresholds = deps.thresholds ?? HEALTH_THRESHOLDS;
  app.get('/v1/health', async () => {
    const nowMs = deps.clock();
    const resources = deps.resources === undefined ? {} : await deps.resources(nowMs).catch(() => ({}));
    return healthReport(takeSnapshot(deps.registry, deps.history, resources, nowMs, thresholds), thresholds);
  });
}
