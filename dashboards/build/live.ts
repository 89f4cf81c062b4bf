/**
 * Live runs: every active run with its current phase, elapsed time against budget, time since its
 * last heartbeat and progress, with links to its trace in Jaeger and its timeline in the sidecar's
 * API; and the runner's pool. The per-run series (runwarden_run_*) exist while a run is active.
 */
import {
  ANY_IS_BAD,
  JOB_VARIABLE,
  BUDGET,
  NAMESPACE_VARIABLE,
  WORKFLOW_VARIABLE,
  byName,
  dashboard,
  datasourceVariable,
  organize,
  sel,
  selNs,
  stat,
  table,
  textVariable,
  timeseries,
  warnAt,
} from './lib.ts';
import type { Json, JsonObject } from './lib.ts';

const RUN = 'cicd_pipeline_name, cicd_pipeline_run_id';
const PHASE = `${RUN}, cicd_pipeline_task_name`;
/** Placeholders survive encodeURIComponent; they become Grafana variables once the URL is encoded. */
const VARS: Record<string, string> = {
  RUNID: '${__data.fields.cicd_pipeline_run_id:percentencode}',
  SERVICE: '${service:percentencode}',
  JAEGER: '${jaeger}',
};

/** explore is a Grafana Explore URL for one query; the state is JSON, percent-encoded, variables left readable. */
function explore(state: unknown): string {
  let url = `/explore?left=${encodeURIComponent(JSON.stringify(state))}`;
  for (const [token, variable] of Object.entries(VARS)) url = url.replaceAll(encodeURIComponent(`@${token}@`), variable);
  return url;
}

/**
 * TRACE_LINK opens Grafana Explore on the Jaeger datasource variable, searching the run's trace by
 * its cicd.pipeline.run.id tag (the root span carries it) in the $service service. Values are
 * percent-encoded into the already encoded query state, which the browser decodes once.
 */
const TRACE_LINK = {
  title: 'Trace of run ${__data.fields.cicd_pipeline_run_id} in Jaeger',
  url: explore({
    datasource: '@JAEGER@',
    queries: [
      { refId: 'A', datasource: { type: 'jaeger', uid: '@JAEGER@' }, queryType: 'search', service: '@SERVICE@', tags: 'cicd.pipeline.run.id="@RUNID@"', limit: 20 },
    ],
    range: { from: 'now-24h', to: 'now' },
  }),
  targetBlank: true,
};

/** RUN_LINK opens the run and its timeline as the sidecar's API returns it (GET /v1/runs/{id}). */
const RUN_LINK = {
  title: 'Run ${__data.fields.cicd_pipeline_run_id} in the sidecar API (/v1/runs)',
  url: `\${sidecar_url}/v1/runs/${VARS.RUNID}`,
  targetBlank: true,
};

/** live is the Live runs dashboard. */
export function live(): JsonObject {
  const links = [TRACE_LINK, RUN_LINK] as unknown as Json[];
  return dashboard({
    uid: 'runwarden-live-runs',
    title: 'Runwarden / Live runs',
    description: 'Active runs: current phase, elapsed time against budget, heartbeats, progress; links to traces and run timelines; the runner pool.',
    tags: ['runs'],
    refresh: '10s',
    timeFrom: 'now-1h',
    variables: [
      datasourceVariable('datasource', 'prometheus', 'Prometheus'),
      datasourceVariable('jaeger', 'jaeger', 'Jaeger'),
      NAMESPACE_VARIABLE,
      JOB_VARIABLE,
      WORKFLOW_VARIABLE,
      textVariable('service', 'Trace service', 'runwarden', 'The sidecar\'s OTEL_SERVICE_NAME, which its traces carry in Jaeger.'),
      textVariable('sidecar_url', 'Sidecar API', 'http://127.0.0.1:7171', 'Base URL of the sidecar\'s ingest API as your browser reaches it, for the run links.'),
    ],
    sections: [
      {
        title: 'Now',
        panels: [
          stat({
            title: 'Active runs',
            description: 'Runs started and not finished.',
            targets: [{ expr: `sum(${sel('cicd_pipeline_run_active')})`, legend: 'active' }],
            decimals: 0,
            noValue: '0',
            sparkline: true,
            w: 6,
          }),
          stat({
            title: 'Phases over budget',
            description: 'Running phases past 100% of their budget.',
            targets: [{ expr: `count(${sel('runwarden_run_phase_budget_ratio')} > 1)`, legend: 'over budget' }],
            decimals: 0,
            noValue: '0',
            thresholds: ANY_IS_BAD,
            w: 6,
          }),
          stat({
            title: 'Runs with late heartbeats',
            description: 'Active runs that missed at least two of the heartbeats they promised (heartbeat age over twice the declared interval).',
            targets: [{ expr: `count(${sel('runwarden_run_heartbeat_age')} / ${sel('runwarden_run_heartbeat_interval')} >= 2)`, legend: 'late' }],
            decimals: 0,
            noValue: '0',
            thresholds: ANY_IS_BAD,
            w: 6,
          }),
          stat({
            title: 'Waiting to start',
            description: 'Runs still pending: registered, no phase started and no heartbeat yet.',
            targets: [{ expr: `sum(${sel('cicd_pipeline_run_active', 'cicd_pipeline_run_state="pending"')})`, legend: 'pending' }],
            decimals: 0,
            noValue: '0',
            thresholds: warnAt(5),
            w: 6,
          }),
          table({
            title: 'Active runs',
            description: 'One row per active run (two when it is between phases): its current phase, how long that phase has run, the share of its budget used, seconds since its last heartbeat and its progress. Click a run id for its trace in Jaeger or its timeline.',
            targets: [
              { expr: `max by (${PHASE}) (${sel('runwarden_run_phase_elapsed')})`, instant: true },
              { expr: `max by (${PHASE}) (${sel('runwarden_run_phase_budget_ratio')})`, instant: true },
              { expr: `max by (${RUN}) (${sel('runwarden_run_heartbeat_age')})`, instant: true },
              { expr: `max by (${RUN}) (${sel('runwarden_run_progress')})`, instant: true },
            ],
            unit: 's',
            w: 24,
            h: 10,
            transformations: [
              { id: 'merge', options: {} },
              organize({
                cicd_pipeline_name: 'Workflow',
                cicd_pipeline_run_id: 'Run',
                cicd_pipeline_task_name: 'Current phase',
                'Value #A': 'Phase elapsed',
                'Value #B': 'Budget used',
                'Value #C': 'Since heartbeat',
                'Value #D': 'Progress',
              }),
              { id: 'sortBy', options: { sort: [{ field: 'Budget used', desc: true }] } },
            ],
            overrides: [
              byName('Run', { links }),
              byName('Budget used', {
                unit: 'percentunit',
                min: 0,
                max: 1.5,
                'custom.cellOptions': { type: 'gauge', mode: 'gradient', valueDisplayMode: 'text' },
                thresholds: { mode: 'absolute', steps: BUDGET as unknown as JsonObject[] },
              }),
              byName('Since heartbeat', {
                'custom.cellOptions': { type: 'color-text' },
                thresholds: {
                  mode: 'absolute',
                  steps: [
                    { color: 'green', value: null },
                    { color: 'orange', value: 120 },
                    { color: 'red', value: 600 },
                  ],
                },
              }),
              byName('Progress', {
                unit: 'percentunit',
                min: 0,
                max: 1,
                'custom.cellOptions': { type: 'gauge', mode: 'basic', valueDisplayMode: 'text' },
                thresholds: { mode: 'absolute', steps: [{ color: 'blue', value: null }] },
              }),
            ],
          }),
        ],
      },
      {
        title: 'Per run',
        panels: [
          timeseries({
            title: 'Budget used by the current phase',
            description: 'Elapsed time of each run\'s running phase over its budget. Above 100% the phase is over budget.',
            targets: [{ expr: `max by (${PHASE}) (${sel('runwarden_run_phase_budget_ratio')})`, legend: '{{cicd_pipeline_run_id}} / {{cicd_pipeline_task_name}}' }],
            unit: 'percentunit',
            min: 0,
            thresholds: BUDGET,
            w: 8,
            h: 8,
          }),
          timeseries({
            title: 'Heartbeat gap (intervals missed)',
            description: 'Seconds since the last heartbeat over the interval the run declared: 2 is a warning, 3 critical (the bundled heartbeat alerts).',
            targets: [
              {
                expr: `max by (${RUN}) (${sel('runwarden_run_heartbeat_age')} / ${sel('runwarden_run_heartbeat_interval')})`,
                legend: '{{cicd_pipeline_run_id}}',
              },
            ],
            unit: 'short',
            decimals: 1,
            min: 0,
            thresholds: warnAt(2, 3),
            w: 8,
            h: 8,
          }),
          timeseries({
            title: 'Progress',
            description: 'Progress each run reports with its heartbeats (0 to 100%). A flat line is a run that no longer moves.',
            targets: [{ expr: `max by (${RUN}) (${sel('runwarden_run_progress')})`, legend: '{{cicd_pipeline_run_id}}' }],
            unit: 'percentunit',
            min: 0,
            max: 1,
            w: 8,
            h: 8,
          }),
        ],
      },
      {
        title: 'Runner pool',
        panels: [
          stat({
            title: 'Pool utilization',
            description: 'Busy workers over the pool\'s capacity, as the runner last reported it. The bundled alerts warn over 80% for 10 minutes.',
            targets: [{ expr: `max(${selNs('runwarden_pool_utilization')})`, legend: 'utilization' }],
            unit: 'percentunit',
            min: 0,
            max: 1,
            sparkline: true,
            thresholds: warnAt(0.8, 0.95),
            w: 6,
            h: 8,
          }),
          timeseries({
            title: 'Workers',
            description: 'Workers busy and available in the runner\'s pool (cicd.worker.count).',
            targets: [{ expr: `sum by (cicd_worker_state) (${selNs('cicd_workers')})`, legend: '{{cicd_worker_state}}' }],
            unit: 'short',
            decimals: 0,
            min: 0,
            stack: true,
            w: 6,
            h: 8,
          }),
          timeseries({
            title: 'Queue depth',
            description: 'Items waiting for a worker slot. The bundled alerts warn over 20 and page over 100.',
            targets: [{ expr: `sum(${selNs('runwarden_pool_queue_depth')})`, legend: 'queued' }],
            unit: 'short',
            decimals: 0,
            min: 0,
            thresholds: warnAt(20, 100),
            w: 6,
            h: 8,
          }),
          timeseries({
            title: 'Oldest queued item',
            description: 'How long the oldest queued item has waited for a slot.',
            targets: [{ expr: `max(${selNs('runwarden_pool_queue_wait')})`, legend: 'oldest wait' }],
            unit: 's',
            min: 0,
            thresholds: [
              { color: 'green', value: null },
              { color: 'red', value: 600 },
            ],
            w: 6,
            h: 8,
          }),
        ],
      },
    ],
  });
}
