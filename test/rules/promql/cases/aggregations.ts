/**
 * Aggregation cases: every operator with `by` and `without` (before and after the argument),
 * count_values, topk/bottomk within groups, the quantile aggregator, and name dropping.
 */
import type { EvalCase } from '../harness.ts';

const durations = {
  'cicd_pipeline_run_duration_seconds{cicd_pipeline_name="build", run_id="1"}': '10x5',
  'cicd_pipeline_run_duration_seconds{cicd_pipeline_name="build", run_id="2"}': '30x5',
  'cicd_pipeline_run_duration_seconds{cicd_pipeline_name="deploy", run_id="3"}': '20x5',
  'cicd_pipeline_run_duration_seconds{cicd_pipeline_name="deploy", run_id="4"}': '60x5',
  'cicd_pipeline_run_duration_seconds{cicd_pipeline_name="deploy", run_id="5"}': '20x5',
  'cicd_pipeline_run_duration_seconds{cicd_pipeline_name="deploy", run_id="6"}': '60x5',
};

const pools = {
  'runwarden_pool_utilization{pool="a", region="eu"}': '0.25x5',
  'runwarden_pool_utilization{pool="b", region="eu"}': '0.5x5',
  'runwarden_pool_utilization{pool="c", region="us"}': '0.75x5',
  'runwarden_pool_utilization{pool="d", region="us"}': '1x5',
};

const queues = {
  'runwarden_queue_depth{queue="a"}': '0x5',
  'runwarden_queue_depth{queue="b"}': '0x5',
  'runwarden_queue_depth{queue="c"}': '5x5',
  'runwarden_queue_depth{queue="d"}': '0.1x5',
};

const b = '{cicd_pipeline_name="build"}';
const d = '{cicd_pipeline_name="deploy"}';

export const aggregationCases: EvalCase[] = [
  { name: 'sum without grouping', series: durations, expr: 'sum(cicd_pipeline_run_duration_seconds)', at: '1m', expect: [['{}', 200]] },
  { name: 'sum by', series: durations, expr: 'sum by (cicd_pipeline_name) (cicd_pipeline_run_duration_seconds)', at: '1m', expect: [[b, 40], [d, 160]] },
  { name: 'sum by after the argument', series: durations, expr: 'sum(cicd_pipeline_run_duration_seconds) by (cicd_pipeline_name)', at: '1m', expect: [[b, 40], [d, 160]] },
  { name: 'sum without', series: durations, expr: 'sum without (run_id) (cicd_pipeline_run_duration_seconds)', at: '1m', expect: [[b, 40], [d, 160]] },
  { name: 'avg', series: durations, expr: 'avg by (cicd_pipeline_name) (cicd_pipeline_run_duration_seconds)', at: '1m', expect: [[b, 20], [d, 40]] },
  { name: 'min', series: durations, expr: 'min by (cicd_pipeline_name) (cicd_pipeline_run_duration_seconds)', at: '1m', expect: [[b, 10], [d, 20]] },
  { name: 'max', series: durations, expr: 'max by (cicd_pipeline_name) (cicd_pipeline_run_duration_seconds)', at: '1m', expect: [[b, 30], [d, 60]] },
  { name: 'count', series: durations, expr: 'count by (cicd_pipeline_name) (cicd_pipeline_run_duration_seconds)', at: '1m', expect: [[b, 2], [d, 4]] },
  { name: 'group', series: durations, expr: 'group by (cicd_pipeline_name) (cicd_pipeline_run_duration_seconds)', at: '1m', expect: [[b, 1], [d, 1]] },
  { name: 'stddev', series: durations, expr: 'stddev by (cicd_pipeline_name) (cicd_pipeline_run_duration_seconds)', at: '1m', expect: [[b, 10], [d, 20]] },
  { name: 'stdvar', series: durations, expr: 'stdvar by (cicd_pipeline_name) (cicd_pipeline_run_duration_seconds)', at: '1m', expect: [[b, 100], [d, 400]] },
  {
    name: 'by (__name__) keeps the metric name',
    series: durations,
    expr: 'count by (__name__) (cicd_pipeline_run_duration_seconds)',
    at: '1m',
    expect: [['cicd_pipeline_run_duration_seconds', 6]],
  },
  {
    name: 'without keeps every other label but the name',
    series: pools,
    expr: 'max without (pool) (runwarden_pool_utilization)',
    at: '1m',
    expect: [['{region="eu"}', 0.5], ['{region="us"}', 1]],
  },
  { name: 'aggregating nothing gives nothing', series: pools, expr: 'sum(nonexistent)', at: '1m', expect: [] },
  {
    name: 'count_values counts each value, formatted as Go does',
    series: queues,
    expr: 'count_values("depth", runwarden_queue_depth)',
    at: '1m',
    expect: [['{depth="0"}', 2], ['{depth="5"}', 1], ['{depth="0.1"}', 1]],
  },
  {
    name: 'count_values with by',
    series: pools,
    expr: 'count_values by (region) ("u", runwarden_pool_utilization > 0.3)',
    at: '1m',
    expect: [['{region="eu", u="0.5"}', 1], ['{region="us", u="0.75"}', 1], ['{region="us", u="1"}', 1]],
  },
  {
    name: 'topk keeps whole series, name included',
    series: pools,
    expr: 'topk(2, runwarden_pool_utilization)',
    at: '1m',
    expect: [['runwarden_pool_utilization{pool="c", region="us"}', 0.75], ['runwarden_pool_utilization{pool="d", region="us"}', 1]],
  },
  {
    name: 'bottomk by ranks within each group',
    series: pools,
    expr: 'bottomk by (region) (1, runwarden_pool_utilization)',
    at: '1m',
    expect: [['runwarden_pool_utilization{pool="a", region="eu"}', 0.25], ['runwarden_pool_utilization{pool="c", region="us"}', 0.75]],
  },
  { name: 'topk of 0 is empty', series: pools, expr: 'topk(0, runwarden_pool_utilization)', at: '1m', expect: [] },
  {
    name: 'topk truncates a fractional k',
    series: pools,
    expr: 'topk(1.9, runwarden_pool_utilization)',
    at: '1m',
    expect: [['runwarden_pool_utilization{pool="d", region="us"}', 1]],
  },
  {
    name: 'topk larger than the input keeps everything',
    series: pools,
    expr: 'topk(10, runwarden_pool_utilization{region="eu"})',
    at: '1m',
    expect: [['runwarden_pool_utilization{pool="a", region="eu"}', 0.25], ['runwarden_pool_utilization{pool="b", region="eu"}', 0.5]],
  },
  { name: 'quantile interpolates between ranks', series: pools, expr: 'quantile(0.5, runwarden_pool_utilization)', at: '1m', expect: [['{}', 0.625]] },
  { name: 'quantile 0.25', series: pools, expr: 'quantile(0.25, runwarden_pool_utilization)', at: '1m', expect: [['{}', 0.4375]] },
  { name: 'quantile by', series: pools, expr: 'quantile by (region) (0.5, runwarden_pool_utilization)', at: '1m', expect: [['{region="eu"}', 0.375], ['{region="us"}', 0.875]] },
  { name: 'quantile above 1 is +Inf', series: pools, expr: 'quantile(1.5, runwarden_pool_utilization)', at: '1m', expect: [['{}', Infinity]] },
  {
    name: 'avg of +Inf and finite values is +Inf',
    series: { 'x{a="1"}': 'Inf', 'x{a="2"}': '1', 'x{a="3"}': '5' },
    expr: 'avg(x)',
    at: '0',
    expect: [['{}', Infinity]],
  },
  {
    name: 'max skips a leading NaN',
    series: { 'x{a="1"}': 'NaN', 'x{a="2"}': '1', 'x{a="3"}': '5' },
    expr: 'max(x)',
    at: '0',
    expect: [['{}', 5]],
  },
  {
    name: 'topk NaN parameter',
    series: pools,
    expr: 'topk(scalar(nonexistent), runwarden_pool_utilization)',
    at: '1m',
    expect: { error: /overflows int64/ },
    expect3: { error: /Parameter value is NaN/ },
  },
];
