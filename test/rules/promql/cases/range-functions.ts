/**
 * Range-vector function cases: rate/increase/delta extrapolation (counter resets, the 1.1×
 * average-interval rule, the counter's zero point), irate/idelta, deriv, resets, changes and the
 * *_over_time family.
 */
import type { EvalCase } from '../harness.ts';

// build counts 0,30,60,90, resets to 30 at 4m and climbs 30/min.
const errors = {
  'cicd_pipeline_run_errors_total{cicd_pipeline_name="build"}': '0 30 60 90 30 60 90 120 150 180 210',
  'cicd_pipeline_run_errors_total{cicd_pipeline_name="deploy"}': '_ 40+40x4',
  'cicd_pipeline_run_errors_total{cicd_pipeline_name="late"}': '_ _ 10 20 30',
  'cicd_pipeline_run_errors_total{cicd_pipeline_name="near_zero"}': '_ _ 2 22 42',
  'cicd_pipeline_run_errors_total{cicd_pipeline_name="single"}': '_ _ _ 5',
};

const gauges = {
  'runwarden_queue_depth{queue="builds"}': '10+15x4 40+15x5',
  'runwarden_queue_depth{queue="idle"}': '7x10',
  'runwarden_queue_depth{queue="late"}': '_ _ 10 20 30',
};

const sizes = {
  'runwarden_artifact_bytes{job="a"}': '1e8 3e8 2e8 4e8 6e8 5e8',
  'runwarden_ratio{job="a"}': '0.25 0.75 0.25 0.75 0.25 0.75',
  'runwarden_ratio{job="b"}': '1 _ 3 stale _ 9',
};

export const rangeFunctionCases: EvalCase[] = [
  // rate and increase.
  {
    name: 'rate over a window ending on a sample, with a counter reset',
    series: errors,
    expr: 'rate(cicd_pipeline_run_errors_total{cicd_pipeline_name="build"}[5m])',
    at: '5m',
    expect: [['{cicd_pipeline_name="build"}', 0.5]],
  },
  {
    name: 'increase adds the value before each reset',
    series: errors,
    expr: 'increase(cicd_pipeline_run_errors_total{cicd_pipeline_name="build"}[10m])',
    at: '10m',
    expect: [['{cicd_pipeline_name="build"}', 300]],
  },
  {
    name: 'increase extrapolates to the window start when the gap is under 1.1 intervals',
    series: errors,
    expr: 'increase(cicd_pipeline_run_errors_total{cicd_pipeline_name="deploy"}[5m])',
    at: '5m',
    expect: [['{cicd_pipeline_name="deploy"}', 200]],
  },
  {
    // 2: the zero point (60 s back) comes first and is under the threshold, so extrapolate 60 s:
    //    20 × (120+60+60)/120 = 40. 3: the 120 s gap is over the threshold, so half an interval
    //    (30 s), which the zero point does not shorten: 20 × (120+30+60)/120 = 35.
    name: 'extrapolation of a counter that starts inside the window',
    series: errors,
    expr: 'increase(cicd_pipeline_run_errors_total{cicd_pipeline_name="late"}[5m])',
    at: '5m',
    expect: [['{cicd_pipeline_name="late"}', 40]],
    expect3: [['{cicd_pipeline_name="late"}', 35]],
  },
  {
    // The zero point is 6 s before the first sample: 40 × (120+6+60)/120 = 62 in both.
    name: 'extrapolation stops at the counter zero point',
    series: errors,
    expr: 'increase(cicd_pipeline_run_errors_total{cicd_pipeline_name="near_zero"}[5m])',
    at: '5m',
    expect: [['{cicd_pipeline_name="near_zero"}', 62]],
  },
  {
    name: 'rate needs two samples',
    series: errors,
    expr: 'rate(cicd_pipeline_run_errors_total{cicd_pipeline_name="single"}[5m])',
    at: '5m',
    expect: [],
  },
  {
    name: 'rate over a 1m window holding two samples',
    series: errors,
    expr: 'rate(cicd_pipeline_run_errors_total{cicd_pipeline_name="build"}[1m])',
    at: '10m',
    expect: [['{cicd_pipeline_name="build"}', 0.5]],
    expect3: [],
  },
  {
    name: 'rate between samples extrapolates to both ends',
    series: errors,
    expr: 'rate(cicd_pipeline_run_errors_total{cicd_pipeline_name="build"}[3m])',
    at: '9m30s',
    expect: [['{cicd_pipeline_name="build"}', 0.5]],
  },
  {
    name: 'irate uses the last two samples and handles a reset',
    series: errors,
    expr: 'irate(cicd_pipeline_run_errors_total{cicd_pipeline_name="build"}[5m])',
    at: '4m',
    expect: [['{cicd_pipeline_name="build"}', 0.5]],
  },
  {
    name: 'resets and changes',
    series: errors,
    expr: 'resets(cicd_pipeline_run_errors_total{cicd_pipeline_name=~"build|deploy"}[10m]) + changes(cicd_pipeline_run_errors_total{cicd_pipeline_name=~"build|deploy"}[10m]) * 100',
    at: '10m',
    expect: [['{cicd_pipeline_name="build"}', 1001], ['{cicd_pipeline_name="deploy"}', 400]],
    expect3: [['{cicd_pipeline_name="build"}', 901], ['{cicd_pipeline_name="deploy"}', 400]],
  },

  // Gauges: delta, idelta, deriv.
  {
    name: 'delta over a window ending on a sample',
    series: gauges,
    expr: 'delta(runwarden_queue_depth{queue="builds"}[5m])',
    at: '10m',
    expect: [['{queue="builds"}', 75]],
    expect3: [['{queue="builds"}', 75]],
  },
  {
    // 20 over 120 s sampled, the 120 s gap at the start is too wide: 20 × (120+30+60)/120.
    name: 'delta does not clamp to a zero point',
    series: gauges,
    expr: 'delta(runwarden_queue_depth{queue="late"}[5m])',
    at: '5m',
    expect: [['{queue="late"}', 35]],
  },
  {
    name: 'idelta is the difference of the last two samples',
    series: gauges,
    expr: 'idelta(runwarden_queue_depth{queue="builds"}[5m])',
    at: '5m',
    expect: [['{queue="builds"}', -30]],
  },
  {
    name: 'deriv is the least-squares slope per second',
    series: gauges,
    expr: 'deriv(runwarden_queue_depth{queue="builds"}[5m])',
    at: '10m',
    expect: [['{queue="builds"}', 0.25]],
  },
  {
    name: 'deriv of a constant is 0',
    series: gauges,
    expr: 'deriv(runwarden_queue_depth{queue="idle"}[5m])',
    at: '10m',
    expect: [['{queue="idle"}', 0]],
  },

  // *_over_time.
  {
    name: 'avg_over_time',
    series: sizes,
    expr: 'avg_over_time(runwarden_artifact_bytes[5m])',
    at: '5m',
    expect: [['{job="a"}', 3.5e8]],
    expect3: [['{job="a"}', 4e8]],
  },
  { name: 'min_over_time', series: sizes, expr: 'min_over_time(runwarden_artifact_bytes[5m])', at: '5m30s', expect: [['{job="a"}', 2e8]] },
  { name: 'max_over_time', series: sizes, expr: 'max_over_time(runwarden_artifact_bytes[5m])', at: '5m30s', expect: [['{job="a"}', 6e8]] },
  { name: 'sum_over_time', series: sizes, expr: 'sum_over_time(runwarden_artifact_bytes[5m])', at: '5m', expect: [['{job="a"}', 2.1e9]], expect3: [['{job="a"}', 2e9]] },
  { name: 'count_over_time', series: sizes, expr: 'count_over_time(runwarden_artifact_bytes[5m])', at: '5m30s', expect: [['{job="a"}', 5]] },
  {
    name: 'last_over_time keeps the metric name',
    series: sizes,
    expr: 'last_over_time(runwarden_artifact_bytes[5m])',
    at: '5m30s',
    expect: [['runwarden_artifact_bytes{job="a"}', 5e8]],
  },
  {
    name: 'quantile_over_time interpolates between ranks',
    series: sizes,
    expr: 'quantile_over_time(0.9, runwarden_artifact_bytes[5m])',
    at: '5m',
    expect: [['{job="a"}', 5.5e8]],
    expect3: [['{job="a"}', 5.6e8]],
  },
  {
    name: 'quantile_over_time outside [0, 1]',
    series: sizes,
    expr: 'quantile_over_time(1.5, runwarden_artifact_bytes[5m]) + quantile_over_time(-1, runwarden_artifact_bytes[5m])',
    at: '5m',
    expect: [['{job="a"}', NaN]],
    promtool: false,
  },
  { name: 'stddev_over_time', series: sizes, expr: 'stddev_over_time(runwarden_ratio{job="a"}[6m])', at: '5m30s', expect: [['{job="a"}', 0.25]] },
  { name: 'stdvar_over_time', series: sizes, expr: 'stdvar_over_time(runwarden_ratio{job="a"}[6m])', at: '5m30s', expect: [['{job="a"}', 0.0625]] },
  {
    name: 'present_over_time',
    series: sizes,
    expr: 'present_over_time(runwarden_ratio[10m])',
    at: '7m',
    expect: [['{job="a"}', 1], ['{job="b"}', 1]],
  },
  {
    name: 'a stale marker is not a sample of a range',
    series: sizes,
    expr: 'count_over_time(runwarden_ratio{job="b"}[3m])',
    at: '5m',
    expect: [['{job="b"}', 2]],
    expect3: [['{job="b"}', 1]],
  },
  {
    name: 'absent_over_time of a series with samples is empty',
    series: sizes,
    expr: 'absent_over_time(runwarden_ratio{job="a"}[5m])',
    at: '5m',
    expect: [],
  },
  {
    name: 'absent_over_time takes its labels from equality matchers',
    series: sizes,
    expr: 'absent_over_time(runwarden_ratio{job="c", env=~"p.*", team="data"}[5m])',
    at: '5m',
    expect: [['{job="c", team="data"}', 1]],
  },
  {
    name: 'rate() over two metrics with the same labels is an error once the names go',
    series: {
      'runwarden_a_total{job="x"}': '0+1x10',
      'runwarden_b_total{job="x"}': '0+2x10',
    },
    expr: 'rate({__name__=~"runwarden_.*_total"}[5m])',
    at: '5m',
    expect: { error: /vector cannot contain metrics with the same labelset/ },
  },
];
