/**
 * The dashboard bundle: file name under dashboards/ → builder. One import for the generator and
 * for the tests that compare the files with the builders.
 */
import { alerts } from './alerts.ts';
import type { JsonObject } from './lib.ts';
import { live } from './live.ts';
import { overview } from './overview.ts';
import { phases } from './phases.ts';
import { sidecar } from './sidecar.ts';

/** DASHBOARDS maps each dashboard file (relative to dashboards/) to the function that builds it. */
export const DASHBOARDS: Record<string, () => JsonObject> = {
  'workflow-overview.json': overview,
  'phases.json': phases,
  'live-runs.json': live,
  'alerts-and-delivery.json': alerts,
  'sidecar.json': sidecar,
};
