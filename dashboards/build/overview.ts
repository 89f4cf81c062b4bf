/**
 * Workflow overview: how many runs, how many succeed, how long they take, what fails. The morning
 * dashboard. Finished runs are counted from cicd_pipeline_run_duration's `pending` observations:
 * every run starts pending, and each finished run records one observation per state it went through.
 */
import {
  ANY_IS_BAD,
  JOB_VARIABLE,
  GOOD_HIGH,
  NAMESPACE_VARIABLE,
  NEUTRAL,
  WORKFLOW_VARIABLE,
  barGauge,
  customVariable,
  dashboard,
  datasourceVariable,
  quantile,
  sel,
  stat,
  timeseries,
  warnAt,
} from './lib.ts';
import type { JsonObject } from './lib.ts';

const FINISHED = sel('cicd_pipeline_run_duration_count', 'cicd_pipeline_run_state="pending"');
const SUCCEEDED = sel('cicd_pipeline_run_duration_count', 'cicd_pipeline_run_state="pending"', 'cicd_pipeline_result="success"');
const BUCKETS = sel('cicd_pipeline_run_duration_bucket', 'cicd_pipeline_run_state="$run_state"');
const ACTIVE = sel('cicd_pipeline_run_active');
const ERRORS = sel('cicd_pipeline_run_errors_total');

/** overview is the Workflow overview dashboard. */
export function overview(): JsonObject {
  return dashboard({
    uid: 'runwarden-overview',
    title: 'Runwarden / Workflow overview',
    description: 'Runs started and finished, success rate, run durations, active runs and failures, per workflow.',
    tags: ['workflows'],
    variables: [
      datasourceVariable('datasource', 'prometheus', 'Prometheus'),
      NAMESPACE_VARIABLE,
      JOB_VARIABLE,
      WORKFLOW_VARIABLE,
      customVariable(
        'run_state',
        'Duration of state',
        ['executing', 'pending', 'finalizing'],
        'Which part of a run the duration panels measure: executing (doing work), pending (waiting to start) or finalizing (all phases done, not yet finished).',
      ),
    ],
    sections: [
      {
        title: 'At a glance (time range)',
        panels: [
          stat({
            title: 'Runs finished',
            description: 'Runs that finished in the time range, whatever their result.',
            targets: [{ expr: `round(sum(increase(${FINISHED}[$__range])))`, instant: true, legend: 'finished' }],
            decimals: 0,
            noValue: '0',
          }),
          stat({
            title: 'Success rate',
            description: 'Finished runs whose result is success, over all finished runs in the time range. Red under 50%, orange under 80% (the bundled alerts use the same limits).',
            targets: [{ expr: `(sum(increase(${SUCCEEDED}[$__range])) or vector(0)) / sum(increase(${FINISHED}[$__range]))`, instant: true, legend: 'success rate' }],
            unit: 'percentunit',
            decimals: 1,
            min: 0,
            max: 1,
            thresholds: GOOD_HIGH,
          }),
          stat({
            title: 'Failed runs',
            description: 'Runs that ended in failure, error, timeout or cancellation in the time range.',
            targets: [{ expr: `round(sum(increase(${ERRORS}[$__range])))`, instant: true, legend: 'failed' }],
            decimals: 0,
            noValue: '0',
            thresholds: ANY_IS_BAD,
          }),
          stat({
            title: 'Active runs',
            description: 'Runs started and not finished yet, in any state.',
            targets: [{ expr: `sum(${ACTIVE})`, legend: 'active' }],
            decimals: 0,
            noValue: '0',
            sparkline: true,
          }),
          stat({
            title: 'p95 run duration',
            description: 'p95 of the time runs spent in the chosen state ($run_state), over the time range.',
            targets: [{ expr: quantile(0.95, BUCKETS, [], '$__range'), instant: true, legend: 'p95' }],
            unit: 's',
            thresholds: NEUTRAL,
          }),
          stat({
            title: 'Firing alerts',
            description: 'Alerts firing now for these workflows (and those without a workflow, such as pool and resources).',
            targets: [{ expr: `count(ALERTS{namespace=~"$namespace", job=~"$job|", cicd_pipeline_name=~"$workflow|", alertstate="firing"})`, legend: 'firing' }],
            decimals: 0,
            noValue: '0',
            thresholds: ANY_IS_BAD,
          }),
        ],
      },
      {
        title: 'Throughput',
        panels: [
          timeseries({
            title: 'Runs started and finished per minute',
            description: 'Finished: runs that finished. Started: finished plus the growth of active runs (started = finished + change in active), since runs are counted when they finish.',
            targets: [
              { expr: `60 * ((sum(rate(${FINISHED}[$__rate_interval])) or vector(0)) + sum(deriv(${ACTIVE}[$__rate_interval])))`, legend: 'started' },
              { expr: `60 * sum(rate(${FINISHED}[$__rate_interval]))`, legend: 'finished' },
            ],
            unit: 'short',
            decimals: 1,
            min: 0,
            w: 12,
            h: 8,
          }),
          timeseries({
            title: 'Finished runs per minute by result',
            description: 'Finished runs per minute, stacked by cicd.pipeline.result.',
            targets: [{ expr: `60 * sum by (cicd_pipeline_result) (rate(${FINISHED}[$__rate_interval]))`, legend: '{{cicd_pipeline_result}}' }],
            unit: 'short',
            decimals: 1,
            min: 0,
            stack: true,
            w: 12,
            h: 8,
            overrides: [
              { matcher: { id: 'byName', options: 'success' }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'green' } }] },
              { matcher: { id: 'byName', options: 'failure' }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }] },
            ],
          }),
          timeseries({
            title: 'Success rate by workflow (sliding hour)',
            description: 'Share of the runs finished in the hour before each point that succeeded, per workflow: an hour, as the bundled alerts use, so that a workflow with a few runs an hour still has a line. The dashed lines are those alerts\' limits (80% warning, 50% critical).',
            targets: [
              {
                expr: `(sum by (cicd_pipeline_name) (increase(${SUCCEEDED}[1h])) or sum by (cicd_pipeline_name) (increase(${FINISHED}[1h])) * 0) / sum by (cicd_pipeline_name) (increase(${FINISHED}[1h]))`,
                legend: '{{cicd_pipeline_name}}',
              },
            ],
            unit: 'percentunit',
            min: 0,
            max: 1,
            thresholds: GOOD_HIGH,
            w: 12,
            h: 8,
          }),
          timeseries({
            title: 'Active runs by state',
            description: 'Runs in progress, stacked by cicd.pipeline.run.state: pending (not started work), executing, finalizing.',
            targets: [{ expr: `sum by (cicd_pipeline_run_state) (${ACTIVE})`, legend: '{{cicd_pipeline_run_state}}' }],
            unit: 'short',
            decimals: 0,
            min: 0,
            stack: true,
            w: 12,
            h: 8,
          }),
        ],
      },
      {
        title: 'Durations',
        panels: [
          timeseries({
            title: 'Run duration p50 / p95 / p99 ($run_state)',
            description: 'Quantiles of the time finished runs spent in the chosen state, from the cicd.pipeline.run.duration histogram buckets (0.1 s to 4 h).',
            targets: [
              { expr: quantile(0.5, BUCKETS), legend: 'p50' },
              { expr: quantile(0.95, BUCKETS), legend: 'p95' },
              { expr: quantile(0.99, BUCKETS), legend: 'p99' },
            ],
            unit: 's',
            min: 0,
            w: 12,
            h: 9,
          }),
          barGauge({
            title: 'Slowest workflows (p95, $run_state)',
            description: 'Workflows ranked by the p95 of the time their runs spent in the chosen state over the time range.',
            targets: [{ expr: `sort_desc(topk(10, ${quantile(0.95, BUCKETS, ['cicd_pipeline_name'], '$__range')}))`, instant: true, legend: '{{cicd_pipeline_name}}' }],
            unit: 's',
            min: 0,
            thresholds: warnAt(1800, 3600),
            w: 12,
            h: 9,
          }),
        ],
      },
      {
        title: 'Failures',
        panels: [
          timeseries({
            title: 'Failures by error.type',
            description: 'Failed runs per interval by error.type (the error type the run reported, else its result: timeout, cancellation...).',
            targets: [{ expr: `sum by (error_type) (increase(${ERRORS}[$__rate_interval]))`, legend: '{{error_type}}' }],
            unit: 'short',
            min: 0,
            bars: true,
            stack: true,
            w: 12,
            h: 8,
          }),
          barGauge({
            title: 'Top error types (time range)',
            description: 'Failed runs in the time range by workflow and error.type, most frequent first.',
            targets: [
              {
                expr: `sort_desc(topk(10, round(sum by (cicd_pipeline_name, error_type) (increase(${ERRORS}[$__range])))))`,
                instant: true,
                legend: '{{cicd_pipeline_name}}: {{error_type}}',
              },
            ],
            unit: 'short',
            decimals: 0,
            min: 0,
            thresholds: [
              { color: 'orange', value: null },
              { color: 'red', value: 5 },
            ],
            w: 12,
            h: 8,
          }),
        ],
      },
    ],
  });
}
