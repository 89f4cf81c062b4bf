/**
 * Phases: where the time goes inside runs, which phases outgrow their budgets, and which ones
 * only pass because they are retried. Budgets come from runwarden_run_phase_budget, which exists
 * while a phase runs; "budget" over a time range is the largest one seen for that phase in it.
 */
import {
  ANY_IS_BAD,
  JOB_VARIABLE,
  BUDGET,
  GOOD_HIGH,
  NAMESPACE_VARIABLE,
  WORKFLOW_VARIABLE,
  barGauge,
  byName,
  dashboard,
  datasourceVariable,
  heatmap,
  organize,
  queryVariable,
  quantile,
  sel,
  stat,
  table,
  timeseries,
} from './lib.ts';
import type { JsonObject } from './lib.ts';

const PHASE = 'cicd_pipeline_task_name=~"$phase"';
const BUCKETS = sel('runwarden_phase_duration_bucket', PHASE);
const ATTEMPTS = sel('runwarden_phase_duration_count', PHASE);
const SUCCEEDED = sel('runwarden_phase_duration_count', PHASE, 'cicd_pipeline_task_run_result="success"');
const RETRIES = sel('runwarden_retries_total', PHASE);
const RATIO = sel('runwarden_run_phase_budget_ratio', PHASE);
const BY = 'cicd_pipeline_name, cicd_pipeline_task_name';
const P95_RANGE = quantile(0.95, BUCKETS, ['cicd_pipeline_name', 'cicd_pipeline_task_name'], '$__range');
const BUDGET_RANGE = `max by (${BY}) (max_over_time(${sel('runwarden_run_phase_budget', PHASE)}[$__range]))`;

/** phases is the Phases dashboard. */
export function phases(): JsonObject {
  return dashboard({
    uid: 'runwarden-phases',
    title: 'Runwarden / Phases',
    description: 'Phase durations, p95 against budgets, phases over budget, retries and what retries recover.',
    tags: ['phases'],
    variables: [
      datasourceVariable('datasource', 'prometheus', 'Prometheus'),
      NAMESPACE_VARIABLE,
      JOB_VARIABLE,
      WORKFLOW_VARIABLE,
      queryVariable(
        'phase',
        'Phase',
        'label_values(runwarden_phase_duration_count{namespace=~"$namespace", job=~"$job", cicd_pipeline_name=~"$workflow"}, cicd_pipeline_task_name)',
        'Phases (cicd.pipeline.task.name) of the chosen workflows that finished at least once.',
      ),
    ],
    sections: [
      {
        title: 'Durations',
        panels: [
          heatmap({
            title: 'Phase duration heatmap',
            description: 'Finished phase attempts per duration bucket (runwarden.phase.duration), darker is more. Bands far above the rest are phases that sometimes hang.',
            targets: [{ expr: `sum by (le) (increase(${BUCKETS}[$__rate_interval]))`, legend: '{{le}}', format: 'heatmap' }],
            unit: 's',
            w: 12,
            h: 9,
          }),
          timeseries({
            title: 'p95 duration per phase',
            description: 'p95 of phase attempt durations, per workflow and phase, all results.',
            targets: [{ expr: quantile(0.95, BUCKETS, ['cicd_pipeline_name', 'cicd_pipeline_task_name']), legend: '{{cicd_pipeline_name}} / {{cicd_pipeline_task_name}}' }],
            unit: 's',
            min: 0,
            w: 12,
            h: 9,
          }),
          table({
            title: 'p95 per phase against its budget (time range)',
            description: 'p95 of each phase over the time range next to the budget its runs declared (the largest seen in the range, from runs in progress), and the share of the budget the p95 uses: yellow from 50%, orange from 80%, red over 100%.',
            targets: [
              { expr: P95_RANGE, instant: true },
              { expr: BUDGET_RANGE, instant: true },
              { expr: `${P95_RANGE} / on (${BY}) ${BUDGET_RANGE}`, instant: true },
            ],
            unit: 's',
            w: 24,
            h: 8,
            transformations: [
              { id: 'merge', options: {} },
              organize({ cicd_pipeline_name: 'Workflow', cicd_pipeline_task_name: 'Phase', 'Value #A': 'p95', 'Value #B': 'Budget', 'Value #C': 'p95 / budget' }),
              { id: 'sortBy', options: { sort: [{ field: 'p95 / budget', desc: true }] } },
            ],
            overrides: [
              byName('p95 / budget', {
                unit: 'percentunit',
                'custom.cellOptions': { type: 'gauge', mode: 'gradient', valueDisplayMode: 'text' },
                max: 1.5,
                min: 0,
                thresholds: { mode: 'absolute', steps: BUDGET as unknown as JsonObject[] },
              }),
            ],
          }),
        ],
      },
      {
        title: 'Over budget',
        panels: [
          stat({
            title: 'Phases over budget now',
            description: 'Running phases that have used more than their budget (RunwardenPhaseOverBudget fires for each).',
            targets: [{ expr: `count(${RATIO} > 1)`, legend: 'over budget' }],
            decimals: 0,
            noValue: '0',
            thresholds: ANY_IS_BAD,
            w: 4,
            h: 8,
          }),
          table({
            title: 'Running phases by budget used',
            description: 'Every running phase with a budget, most of its budget used first.',
            targets: [{ expr: `sort_desc(max by (cicd_pipeline_name, cicd_pipeline_run_id, cicd_pipeline_task_name) (${RATIO}))`, instant: true }],
            unit: 'percentunit',
            w: 10,
            h: 8,
            transformations: [
              organize({ cicd_pipeline_name: 'Workflow', cicd_pipeline_run_id: 'Run', cicd_pipeline_task_name: 'Phase', Value: 'Budget used' }),
            ],
            overrides: [
              byName('Budget used', {
                'custom.cellOptions': { type: 'color-background', mode: 'gradient' },
                thresholds: { mode: 'absolute', steps: BUDGET as unknown as JsonObject[] },
              }),
            ],
          }),
          timeseries({
            title: 'Budget used by running phases',
            description: 'Elapsed time over budget of each running phase; above the red line the phase is over budget.',
            targets: [{ expr: `max by (${BY}) (${RATIO})`, legend: '{{cicd_pipeline_name}} / {{cicd_pipeline_task_name}}' }],
            unit: 'percentunit',
            min: 0,
            thresholds: BUDGET,
            w: 10,
            h: 8,
          }),
        ],
      },
      {
        title: 'Retries',
        panels: [
          timeseries({
            title: 'Retries per phase',
            description: 'Retries reported per interval, by workflow and phase.',
            targets: [{ expr: `sum by (${BY}) (increase(${RETRIES}[$__rate_interval]))`, legend: '{{cicd_pipeline_name}} / {{cicd_pipeline_task_name}}' }],
            unit: 'short',
            min: 0,
            bars: true,
            stack: true,
            w: 8,
            h: 8,
          }),
          barGauge({
            title: 'Retries per phase (time range)',
            description: 'Phases ranked by retries over the time range.',
            targets: [{ expr: `sort_desc(round(sum by (${BY}) (increase(${RETRIES}[$__range]))))`, instant: true, legend: '{{cicd_pipeline_name}} / {{cicd_pipeline_task_name}}' }],
            unit: 'short',
            decimals: 0,
            min: 0,
            thresholds: [
              { color: 'yellow', value: null },
              { color: 'red', value: 10 },
            ],
            w: 8,
            h: 8,
          }),
          barGauge({
            title: 'Retry success rate (time range)',
            description: 'For phases retried in the time range: the share of phase executions that ended in success, counting an execution as its first attempt plus its retries (successes / (attempts - retries)). High means retries recover the phase; low means they fail again.',
            targets: [
              {
                expr: `sort(clamp_max(sum by (${BY}) (increase(${SUCCEEDED}[$__range])) / (sum by (${BY}) (increase(${ATTEMPTS}[$__range])) - sum by (${BY}) (increase(${RETRIES}[$__range])) > 0), 1))`,
                instant: true,
                legend: '{{cicd_pipeline_name}} / {{cicd_pipeline_task_name}}',
              },
            ],
            unit: 'percentunit',
            min: 0,
            max: 1,
            thresholds: GOOD_HIGH,
            w: 8,
            h: 8,
          }),
        ],
      },
    ],
  });
}
