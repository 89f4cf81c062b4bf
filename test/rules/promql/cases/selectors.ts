/**
 * Selector cases: matchers, the look-back delta, staleness, range windows, offset and @, in both
 * window semantics (Prometheus 2 closes windows at their start, Prometheus 3 opens them).
 */
import type { EvalCase } from '../harness.ts';

const queue = {
  'runwarden_queue_depth{queue="builds"}': '1+1x10',
  'runwarden_queue_depth{queue="deploys", env="prod"}': '10 20 stale 30',
  'runwarden_queue_depth{queue="bb"}': '7x10',
  'runwarden_pool_size{queue="builds"}': '4x10',
};

export const selectorCases: EvalCase[] = [
  // Matchers, fully anchored regexps.
  { name: 'equality matcher', series: queue, expr: 'runwarden_queue_depth{queue="builds"}', at: '5m30s', expect: [['runwarden_queue_depth{queue="builds"}', 6]] },
  {
    name: 'negative matcher also selects series without the label',
    series: queue,
    expr: 'runwarden_queue_depth{env!="prod"}',
    at: '5m30s',
    expect: [['runwarden_queue_depth{queue="builds"}', 6], ['runwarden_queue_depth{queue="bb"}', 7]],
  },
  {
    name: 'regexp matcher is anchored at both ends',
    series: queue,
    expr: 'runwarden_queue_depth{queue=~"b"}',
    at: '5m30s',
    expect: [],
  },
  {
    name: 'regexp alternation',
    series: queue,
    expr: 'runwarden_queue_depth{queue=~"builds|bb"}',
    at: '5m30s',
    expect: [['runwarden_queue_depth{queue="builds"}', 6], ['runwarden_queue_depth{queue="bb"}', 7]],
  },
  {
    name: 'negative regexp matcher',
    series: queue,
    expr: 'runwarden_queue_depth{queue!~"b.*"}',
    at: '1m',
    expect: [['runwarden_queue_depth{queue="deploys", env="prod"}', 20]],
  },
  {
    name: 'regexp that matches the empty string selects series without the label',
    series: queue,
    expr: 'runwarden_queue_depth{env=~"|dev"}',
    at: '5m30s',
    expect: [['runwarden_queue_depth{queue="builds"}', 6], ['runwarden_queue_depth{queue="bb"}', 7]],
  },
  {
    name: 'case-insensitive regexp flag',
    series: queue,
    expr: 'runwarden_queue_depth{queue=~"(?i)BUILDS"}',
    at: '5m30s',
    expect: [['runwarden_queue_depth{queue="builds"}', 6]],
  },
  {
    name: 'metric name by regexp over __name__',
    series: queue,
    expr: '{__name__=~"runwarden_(queue_depth|pool_size)", queue="builds"}',
    at: '5m30s',
    expect: [['runwarden_queue_depth{queue="builds"}', 6], ['runwarden_pool_size{queue="builds"}', 4]],
  },
  {
    name: 'character classes and repetition',
    series: queue,
    expr: 'runwarden_queue_depth{queue=~"[a-z]{2}"}',
    at: '5m30s',
    expect: [['runwarden_queue_depth{queue="bb"}', 7]],
  },

  // Look-back delta and staleness.
  { name: 'latest sample between samples', series: queue, expr: 'runwarden_queue_depth{queue="builds"}', at: '3m59s', expect: [['runwarden_queue_depth{queue="builds"}', 4]] },
  {
    name: 'look-back keeps a sample just under 5m old',
    series: { 'runwarden_heartbeat_age_seconds{run_id="r-1"}': '42 _x10' },
    expr: 'runwarden_heartbeat_age_seconds',
    at: '4m59s',
    expect: [['runwarden_heartbeat_age_seconds{run_id="r-1"}', 42]],
  },
  {
    name: 'a sample exactly 5m old: inside the closed window (2), outside the open one (3)',
    series: { 'runwarden_heartbeat_age_seconds{run_id="r-1"}': '42 _x10' },
    expr: 'runwarden_heartbeat_age_seconds',
    at: '5m',
    expect: [['runwarden_heartbeat_age_seconds{run_id="r-1"}', 42]],
    expect3: [],
  },
  {
    name: 'look-back ends after 5m',
    series: { 'runwarden_heartbeat_age_seconds{run_id="r-1"}': '42 _x10' },
    expr: 'runwarden_heartbeat_age_seconds',
    at: '5m1s',
    expect: [],
  },
  {
    name: 'a stale marker ends the series at once',
    series: queue,
    expr: 'runwarden_queue_depth{queue="deploys"}',
    at: '2m',
    expect: [],
  },
  {
    name: 'the look-back does not bridge a stale marker',
    series: queue,
    expr: 'runwarden_queue_depth{queue="deploys"}',
    at: '2m59s',
    expect: [],
  },
  {
    name: 'a sample after a stale marker revives the series',
    series: queue,
    expr: 'runwarden_queue_depth{queue="deploys"}',
    at: '3m',
    expect: [['runwarden_queue_depth{queue="deploys", env="prod"}', 30]],
  },
  {
    name: 'just before the stale marker the series has its value',
    series: queue,
    expr: 'runwarden_queue_depth{queue="deploys"}',
    at: '1m59s',
    expect: [['runwarden_queue_depth{queue="deploys", env="prod"}', 20]],
  },

  // Range windows.
  {
    name: 'a range window ending on a sample: both ends inside (2), start excluded (3)',
    series: queue,
    expr: 'count_over_time(runwarden_queue_depth{queue="builds"}[5m])',
    at: '5m',
    expect: [['{queue="builds"}', 6]],
    expect3: [['{queue="builds"}', 5]],
  },
  {
    name: 'a range window between samples',
    series: queue,
    expr: 'count_over_time(runwarden_queue_depth{queue="builds"}[5m])',
    at: '5m30s',
    expect: [['{queue="builds"}', 5]],
  },
  {
    name: 'range selectors drop stale markers',
    series: queue,
    expr: 'count_over_time(runwarden_queue_depth{queue="deploys"}[10m])',
    at: '5m',
    expect: [['{env="prod", queue="deploys"}', 3]],
  },
  {
    name: 'a range selector is not limited by the look-back delta',
    series: { 'runwarden_heartbeat_age_seconds{run_id="r-1"}': '42 _x10' },
    expr: 'last_over_time(runwarden_heartbeat_age_seconds[20m])',
    at: '15m',
    expect: [['runwarden_heartbeat_age_seconds{run_id="r-1"}', 42]],
  },

  // offset and @.
  {
    name: 'offset reads the past and keeps the metric name',
    series: queue,
    expr: 'runwarden_queue_depth{queue="builds"} offset 2m',
    at: '5m',
    expect: [['runwarden_queue_depth{queue="builds"}', 4]],
  },
  {
    name: 'negative offset reads the future',
    series: queue,
    expr: 'runwarden_queue_depth{queue="builds"} offset -2m',
    at: '5m',
    dataUntil: '10m',
    expect: [['runwarden_queue_depth{queue="builds"}', 8]],
  },
  {
    name: '@ pins the evaluation time',
    series: queue,
    expr: 'runwarden_queue_depth{queue="builds"} @ 120',
    at: '10m',
    expect: [['runwarden_queue_depth{queue="builds"}', 3]],
  },
  {
    name: '@ with offset',
    series: queue,
    expr: 'runwarden_queue_depth{queue="builds"} @ 300 offset 1m',
    at: '10m',
    expect: [['runwarden_queue_depth{queue="builds"}', 5]],
  },
  {
    name: 'offset before @ is the same',
    series: queue,
    expr: 'runwarden_queue_depth{queue="builds"} offset 1m @ 300',
    at: '10m',
    expect: [['runwarden_queue_depth{queue="builds"}', 5]],
  },
  {
    name: '@ start() is the evaluation time of an instant query',
    series: queue,
    expr: 'runwarden_queue_depth{queue="builds"} @ start()',
    at: '4m',
    expect: [['runwarden_queue_depth{queue="builds"}', 5]],
  },
  {
    name: '@ end() is the evaluation time of an instant query',
    series: queue,
    expr: 'runwarden_queue_depth{queue="builds"} @ end()',
    at: '4m',
    expect: [['runwarden_queue_depth{queue="builds"}', 5]],
  },
  {
    name: 'offset on a range selector',
    series: queue,
    expr: 'sum_over_time(runwarden_queue_depth{queue="builds"}[2m] offset 1m)',
    at: '5m',
    expect: [['{queue="builds"}', 12]],
    expect3: [['{queue="builds"}', 9]],
  },
  {
    name: '@ on a range selector',
    series: queue,
    expr: 'max_over_time(runwarden_queue_depth{queue="builds"}[3m] @ 180)',
    at: '10m',
    expect: [['{queue="builds"}', 4]],
  },
  {
    name: 'offset binds to its own operand, tighter than a binary operator',
    series: queue,
    expr: 'runwarden_queue_depth{queue="builds"} - runwarden_queue_depth{queue="builds"} offset 3m * 2',
    at: '6m',
    expect: [['{queue="builds"}', -1]],
  },
  {
    name: 'timestamp() of an offset selector is the sample time',
    series: queue,
    expr: 'timestamp(runwarden_queue_depth{queue="builds"} offset 90s)',
    at: '5m',
    expect: [['{queue="builds"}', 180]],
  },
];
