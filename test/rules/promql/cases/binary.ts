/**
 * Binary operator cases: arithmetic and precedence, comparisons as filters and with bool, set
 * operators, and vector matching (on, ignoring, group_left/group_right with extra labels) with
 * Prometheus' errors for ambiguous matches.
 */
import type { EvalCase } from '../harness.ts';

const pools = {
  'runwarden_pool_busy{pool="builds"}': '3x5',
  'runwarden_pool_busy{pool="deploys"}': '8x5',
  'runwarden_pool_busy{pool="tests"}': '1x5',
  'runwarden_pool_size{pool="builds"}': '4x5',
  'runwarden_pool_size{pool="deploys"}': '8x5',
  'runwarden_pool_size{pool="tests"}': '8x5',
};

const phases = {
  'runwarden_phase_elapsed_seconds{run_id="r-1", phase="testing"}': '900x5',
  'runwarden_phase_elapsed_seconds{run_id="r-2", phase="testing"}': '300x5',
  'runwarden_phase_elapsed_seconds{run_id="r-3", phase="planning"}': '100x5',
  'runwarden_phase_budget_seconds{phase="testing"}': '600x5',
  'runwarden_phase_budget_seconds{phase="planning"}': '300x5',
  'runwarden_phase_owner{phase="testing", team="qa"}': '1x5',
  'runwarden_phase_owner{phase="planning", team="pm"}': '1x5',
};

const heartbeats = {
  'runwarden_heartbeat_age_seconds{run_id="r-1"}': '150x5',
  'runwarden_heartbeat_age_seconds{run_id="r-2"}': '50x5',
  'runwarden_heartbeat_age_seconds{run_id="r-3"}': '400x5',
  'runwarden_heartbeat_age_seconds{run_id="r-4"}': '250x5',
  'runwarden_run_active{run_id="r-1"}': '1x5',
  'runwarden_run_active{run_id="r-2"}': '1x5',
  'runwarden_run_active{run_id="r-3"}': '0x5',
};

export const binaryCases: EvalCase[] = [
  // Scalars.
  { name: 'precedence: ^ over * over +', series: {}, expr: '2 + 3 * 4 ^ 2', at: '0', expect: { scalar: 50 } },
  { name: '^ is right-associative', series: {}, expr: '2 ^ 3 ^ 2', at: '0', expect: { scalar: 512 } },
  { name: 'unary minus binds looser than ^', series: {}, expr: '-2 ^ 2', at: '0', expect: { scalar: -4 } },
  { name: 'unary minus in an exponent', series: {}, expr: '2 ^ -1', at: '0', expect: { scalar: 0.5 } },
  { name: 'modulo keeps the sign of the dividend', series: {}, expr: '-7 % 3', at: '0', expect: { scalar: -1 } },
  { name: 'division by zero is +Inf', series: {}, expr: '1 / 0', at: '0', expect: { scalar: Infinity } },
  { name: '0 / 0 is NaN', series: {}, expr: '0 / 0', at: '0', expect: { scalar: NaN }, promtool: false },
  { name: '1 ^ NaN is 1 as in Go', series: {}, expr: '1 ^ (0 / 0)', at: '0', expect: { scalar: 1 } },
  { name: 'scalar comparison with bool', series: {}, expr: '2 > bool 1', at: '0', expect: { scalar: 1 } },
  { name: 'scalar comparison with bool, false', series: {}, expr: '2 <= bool 1', at: '0', expect: { scalar: 0 } },
  { name: 'NaN is not equal to itself', series: {}, expr: '(0 / 0) == bool (0 / 0)', at: '0', expect: { scalar: 0 } },
  { name: 'number literals: hex, octal as Go reads them, exponents', series: {}, expr: '0x10 + 010 + 1e2', at: '0', expect: { scalar: 124 } },

  // Vector and scalar.
  {
    name: 'arithmetic with a scalar drops the name',
    series: pools,
    expr: 'runwarden_pool_busy * 2',
    at: '1m',
    expect: [['{pool="builds"}', 6], ['{pool="deploys"}', 16], ['{pool="tests"}', 2]],
  },
  {
    name: 'scalar on the left',
    series: pools,
    expr: '10 - runwarden_pool_busy',
    at: '1m',
    expect: [['{pool="builds"}', 7], ['{pool="deploys"}', 2], ['{pool="tests"}', 9]],
  },
  {
    name: 'comparison as a filter keeps the name and value',
    series: pools,
    expr: 'runwarden_pool_busy > 2',
    at: '1m',
    expect: [['runwarden_pool_busy{pool="builds"}', 3], ['runwarden_pool_busy{pool="deploys"}', 8]],
  },
  {
    name: 'comparison with the scalar on the left keeps the vector value',
    series: pools,
    expr: '2 < runwarden_pool_busy',
    at: '1m',
    expect: [['runwarden_pool_busy{pool="builds"}', 3], ['runwarden_pool_busy{pool="deploys"}', 8]],
  },
  {
    name: 'comparison with bool gives 0/1 and drops the name',
    series: pools,
    expr: 'runwarden_pool_busy >= bool 3',
    at: '1m',
    expect: [['{pool="builds"}', 1], ['{pool="deploys"}', 1], ['{pool="tests"}', 0]],
  },
  {
    name: 'unary minus drops the name',
    series: pools,
    expr: '-runwarden_pool_busy{pool="tests"}',
    at: '1m',
    expect: [['{pool="tests"}', -1]],
  },
  {
    name: 'unary plus keeps the name',
    series: pools,
    expr: '+runwarden_pool_busy{pool="tests"}',
    at: '1m',
    expect: [['runwarden_pool_busy{pool="tests"}', 1]],
  },

  // Vector and vector, one-to-one.
  {
    name: 'one-to-one on identical label sets',
    series: pools,
    expr: 'runwarden_pool_busy / runwarden_pool_size',
    at: '1m',
    expect: [['{pool="builds"}', 0.75], ['{pool="deploys"}', 1], ['{pool="tests"}', 0.125]],
  },
  {
    name: 'vector comparison filters and keeps the left side',
    series: pools,
    expr: 'runwarden_pool_busy == runwarden_pool_size',
    at: '1m',
    expect: [['runwarden_pool_busy{pool="deploys"}', 8]],
  },
  {
    name: 'vector comparison with bool',
    series: pools,
    expr: 'runwarden_pool_busy < bool runwarden_pool_size',
    at: '1m',
    expect: [['{pool="builds"}', 1], ['{pool="deploys"}', 0], ['{pool="tests"}', 1]],
  },
  {
    name: 'ignoring() drops the ignored labels from a one-to-one result',
    series: phases,
    expr: 'runwarden_phase_elapsed_seconds{run_id="r-3"} / ignoring (run_id) runwarden_phase_budget_seconds',
    at: '1m',
    expect: [['{phase="planning"}', 100 / 300]],
  },
  {
    name: 'on() keeps only the matching labels of a one-to-one result',
    series: phases,
    expr: 'runwarden_phase_elapsed_seconds{run_id="r-3"} / on (phase) runwarden_phase_budget_seconds',
    at: '1m',
    expect: [['{phase="planning"}', 100 / 300]],
  },
  {
    name: 'many-to-one without group_left is an error',
    series: phases,
    expr: 'runwarden_phase_elapsed_seconds / on (phase) runwarden_phase_budget_seconds',
    at: '1m',
    expect: { error: /multiple matches for labels: many-to-one matching must be explicit \(group_left\/group_right\)/ },
  },

  // Many-to-one and one-to-many.
  {
    name: 'group_left keeps the labels of the many side',
    series: phases,
    expr: 'runwarden_phase_elapsed_seconds / on (phase) group_left runwarden_phase_budget_seconds',
    at: '1m',
    expect: [['{run_id="r-1", phase="testing"}', 1.5], ['{run_id="r-2", phase="testing"}', 0.5], ['{run_id="r-3", phase="planning"}', 100 / 300]],
  },
  {
    name: 'group_left(label) copies a label from the one side',
    series: phases,
    expr: 'runwarden_phase_elapsed_seconds * on (phase) group_left (team) runwarden_phase_owner',
    at: '1m',
    expect: [['{run_id="r-1", phase="testing", team="qa"}', 900], ['{run_id="r-2", phase="testing", team="qa"}', 300], ['{run_id="r-3", phase="planning", team="pm"}', 100]],
  },
  {
    name: 'group_right takes the labels of the right side',
    series: phases,
    expr: 'runwarden_phase_budget_seconds - on (phase) group_right runwarden_phase_elapsed_seconds',
    at: '1m',
    expect: [['{run_id="r-1", phase="testing"}', -300], ['{run_id="r-2", phase="testing"}', 300], ['{run_id="r-3", phase="planning"}', 200]],
  },
  {
    name: 'comparison with group_left keeps the many side and its name',
    series: phases,
    expr: 'runwarden_phase_elapsed_seconds > on (phase) group_left runwarden_phase_budget_seconds',
    at: '1m',
    expect: [['runwarden_phase_elapsed_seconds{run_id="r-1", phase="testing"}', 900]],
  },
  {
    name: 'comparison with group_right returns the left value under the right labels',
    series: phases,
    expr: 'runwarden_phase_budget_seconds < on (phase) group_right runwarden_phase_elapsed_seconds',
    at: '1m',
    expect: [['runwarden_phase_elapsed_seconds{run_id="r-1", phase="testing"}', 600]],
  },
  {
    name: 'on() with group_left against a single series',
    series: { ...phases, 'runwarden_scale{}': '2x5' },
    expr: 'runwarden_phase_budget_seconds * on () group_left runwarden_scale',
    at: '1m',
    expect: [['{phase="testing"}', 1200], ['{phase="planning"}', 600]],
  },
  {
    name: 'duplicate series on the one side is a many-to-many error',
    series: phases,
    expr: 'runwarden_phase_budget_seconds / on (phase) group_right runwarden_phase_elapsed_seconds{phase="testing"} * on (phase) group_left runwarden_phase_elapsed_seconds',
    at: '1m',
    expect: { error: /found duplicate series for the match group \{phase="testing"\} on the right hand-side of the operation: .*many-to-many matching not allowed: matching labels must be unique on one side/ },
  },
  {
    name: 'chained group_left matches',
    series: phases,
    expr: 'runwarden_phase_elapsed_seconds{phase="testing"} / ignoring (run_id) group_left runwarden_phase_budget_seconds / ignoring (run_id) group_left runwarden_phase_budget_seconds * on (phase) group_left max by (phase) (runwarden_phase_elapsed_seconds)',
    at: '1m',
    expect: [['{run_id="r-1", phase="testing"}', 900 / 600 / 600 * 900], ['{run_id="r-2", phase="testing"}', 300 / 600 / 600 * 900]],
  },
  {
    name: 'a matching clause belongs to its own operator (precedence)',
    series: { 'a{x="1", y="1"}': '1', 'a{x="1", y="2"}': '2', 'b{x="1"}': '10' },
    expr: 'a + on (x) group_left b * ignoring (y) group_left b',
    at: '0',
    expect: [['{x="1", y="1"}', 101], ['{x="1", y="2"}', 102]],
  },
  {
    name: 'group_left(label) that collapses two results is an error',
    series: { 'a{x="1", y="1"}': '1', 'a{x="1", y="2"}': '2', 'b{x="1", y="9"}': '10' },
    expr: 'a + on (x) group_left (y) b',
    at: '0',
    expect: { error: /multiple matches for labels: grouping labels must ensure unique matches/ },
  },
  {
    // Prometheus 2 skips a filtered-out pair before checking for duplicates; Prometheus 3 checks first.
    name: 'a one-to-one comparison with a filtered-out duplicate',
    series: { 'l{a="1", b="x"}': '1', 'l{a="1", b="y"}': '5', 'r{a="1"}': '3' },
    expr: 'l > on (a) r',
    at: '0',
    expect: [['{a="1"}', 5]],
    expect3: { error: /multiple matches for labels: many-to-one matching must be explicit/ },
  },

  // Set operators.
  {
    name: 'and keeps left elements that match',
    series: heartbeats,
    expr: 'runwarden_heartbeat_age_seconds > 100 and runwarden_run_active == 1',
    at: '1m',
    expect: [['runwarden_heartbeat_age_seconds{run_id="r-1"}', 150]],
  },
  {
    name: 'or adds right elements without a match',
    series: heartbeats,
    expr: 'runwarden_run_active or runwarden_heartbeat_age_seconds',
    at: '1m',
    expect: [
      ['runwarden_run_active{run_id="r-1"}', 1],
      ['runwarden_run_active{run_id="r-2"}', 1],
      ['runwarden_run_active{run_id="r-3"}', 0],
      ['runwarden_heartbeat_age_seconds{run_id="r-4"}', 250],
    ],
  },
  {
    name: 'unless keeps left elements without a match',
    series: heartbeats,
    expr: 'runwarden_heartbeat_age_seconds unless runwarden_run_active',
    at: '1m',
    expect: [['runwarden_heartbeat_age_seconds{run_id="r-4"}', 250]],
  },
  {
    name: 'and on()',
    series: heartbeats,
    expr: 'runwarden_heartbeat_age_seconds and on () runwarden_run_active{run_id="r-9"}',
    at: '1m',
    expect: [],
  },
  {
    name: 'or vector(0) as a fallback for an empty aggregation',
    series: heartbeats,
    expr: 'sum(runwarden_heartbeat_age_seconds > 1000) or vector(0)',
    at: '1m',
    expect: [['{}', 0]],
  },
  {
    name: 'set operators bind looser than comparisons: or lowest',
    series: heartbeats,
    expr: 'runwarden_run_active == 0 or runwarden_run_active == 1 and runwarden_heartbeat_age_seconds > 100',
    at: '1m',
    expect: [['runwarden_run_active{run_id="r-3"}', 0], ['runwarden_run_active{run_id="r-1"}', 1]],
  },
  {
    name: 'vector arithmetic over two metrics with the same labels is an error once the names go',
    series: { 'a{job="x"}': '1', 'b{job="x"}': '2' },
    expr: '{__name__=~"a|b"} * 2',
    at: '0',
    expect: { error: /vector cannot contain metrics with the same labelset/ },
  },
];
