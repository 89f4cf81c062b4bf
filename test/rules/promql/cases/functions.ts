/**
 * Instant-vector function cases: math (which drops the metric name), clamp, round, time and
 * timestamp, vector/scalar, absent, label_replace/label_join, sort, histogram_quantile.
 */
import type { EvalCase } from '../harness.ts';

const values = {
  'runwarden_value{v="a"}': '-2.5x10',
  'runwarden_value{v="b"}': '1.5x10',
  'runwarden_value{v="c"}': '16x10',
};

// Heartbeats at 0 and 1m, then none: what the timestamp() cases read back.
const heartbeat = { 'runwarden_heartbeat{run_id="r-1"}': '1 1 _x5' };

const runs = {
  'runwarden_run_info{run_id="r-1", phase="testing", host="ci-7.example.org"}': '1x10',
  'runwarden_run_info{run_id="r-2", phase="planning", host="ci-9.example.org"}': '1x10',
};

// Bucket counters: 1 m apart, rates over [5m] at 10m are (count at 10m − count at 5m) / 300.
const buckets = {
  'cicd_pipeline_run_duration_seconds_bucket{cicd_pipeline_name="build", le="30"}': '0+15x10',
  'cicd_pipeline_run_duration_seconds_bucket{cicd_pipeline_name="build", le="60"}': '0+60x10',
  'cicd_pipeline_run_duration_seconds_bucket{cicd_pipeline_name="build", le="120"}': '0+90x10',
  'cicd_pipeline_run_duration_seconds_bucket{cicd_pipeline_name="build", le="300"}': '0+135x10',
  'cicd_pipeline_run_duration_seconds_bucket{cicd_pipeline_name="build", le="+Inf"}': '0+150x10',
  'cicd_pipeline_run_duration_seconds_bucket{cicd_pipeline_name="deploy", le="30"}': '0+15x10',
  'cicd_pipeline_run_duration_seconds_bucket{cicd_pipeline_name="deploy", le="60"}': '0+30x10',
  'cicd_pipeline_run_duration_seconds_bucket{cicd_pipeline_name="deploy", le="120"}': '0+60x10',
  'cicd_pipeline_run_duration_seconds_bucket{cicd_pipeline_name="deploy", le="300"}': '0+75x10',
  'cicd_pipeline_run_duration_seconds_bucket{cicd_pipeline_name="deploy", le="+Inf"}': '0+90x10',
};

// Gauge buckets read directly (no rate): odd shapes for the edge cases.
const shapes = {
  'h_bucket{case="negative", le="-1"}': '4x5',
  'h_bucket{case="negative", le="1"}': '8x5',
  'h_bucket{case="negative", le="+Inf"}': '8x5',
  'h_bucket{case="nonmonotonic", le="10"}': '10x5',
  'h_bucket{case="nonmonotonic", le="20"}': '8x5',
  'h_bucket{case="nonmonotonic", le="40"}': '20x5',
  'h_bucket{case="nonmonotonic", le="+Inf"}': '20x5',
  'h_bucket{case="noinf", le="10"}': '10x5',
  'h_bucket{case="noinf", le="20"}': '20x5',
  'h_bucket{case="first", le="10"}': '10x5',
  'h_bucket{case="first", le="20"}': '20x5',
  'h_bucket{case="first", le="+Inf"}': '20x5',
  'h_bucket{case="empty", le="10"}': '0x5',
  'h_bucket{case="empty", le="+Inf"}': '0x5',
  'h_bucket{case="onlyinf", le="+Inf"}': '5x5',
};

export const functionCases: EvalCase[] = [
  { name: 'abs drops the metric name', series: values, expr: 'abs(runwarden_value)', at: '1m', expect: [['{v="a"}', 2.5], ['{v="b"}', 1.5], ['{v="c"}', 16]] },
  { name: 'ceil', series: values, expr: 'ceil(runwarden_value)', at: '1m', expect: [['{v="a"}', -2], ['{v="b"}', 2], ['{v="c"}', 16]] },
  { name: 'floor', series: values, expr: 'floor(runwarden_value)', at: '1m', expect: [['{v="a"}', -3], ['{v="b"}', 1], ['{v="c"}', 16]] },
  { name: 'round: halves go up', series: values, expr: 'round(runwarden_value)', at: '1m', expect: [['{v="a"}', -2], ['{v="b"}', 2], ['{v="c"}', 16]] },
  { name: 'round to a multiple', series: values, expr: 'round(runwarden_value, 5)', at: '1m', expect: [['{v="a"}', 0], ['{v="b"}', 0], ['{v="c"}', 15]] },
  { name: 'round to a fraction', series: values, expr: 'round(runwarden_value, 0.2)', at: '1m', expect: [['{v="a"}', -2.4], ['{v="b"}', 1.6], ['{v="c"}', 16]] },
  { name: 'sqrt', series: values, expr: 'sqrt(runwarden_value{v="c"})', at: '1m', expect: [['{v="c"}', 4]] },
  { name: 'sqrt of a negative number is NaN', series: values, expr: 'sqrt(runwarden_value{v="a"})', at: '1m', expect: [['{v="a"}', NaN]], promtool: false },
  { name: 'ln and exp', series: values, expr: 'exp(ln(runwarden_value{v="c"})) > bool 15.999', at: '1m', expect: [['{v="c"}', 1]] },
  { name: 'ln(1) is 0', series: { 'x{a="1"}': '1' }, expr: 'ln(x)', at: '0', expect: [['{a="1"}', 0]] },
  { name: 'ln(0) is -Inf', series: { 'x{a="1"}': '0' }, expr: 'ln(x)', at: '0', expect: [['{a="1"}', -Infinity]] },
  { name: 'clamp', series: values, expr: 'clamp(runwarden_value, -1, 10)', at: '1m', expect: [['{v="a"}', -1], ['{v="b"}', 1.5], ['{v="c"}', 10]] },
  { name: 'clamp with max below min is empty', series: values, expr: 'clamp(runwarden_value, 10, -1)', at: '1m', expect: [] },
  { name: 'clamp_min', series: values, expr: 'clamp_min(runwarden_value, 0)', at: '1m', expect: [['{v="a"}', 0], ['{v="b"}', 1.5], ['{v="c"}', 16]] },
  { name: 'clamp_max', series: values, expr: 'clamp_max(runwarden_value, 2)', at: '1m', expect: [['{v="a"}', -2.5], ['{v="b"}', 1.5], ['{v="c"}', 2]] },

  // Time.
  { name: 'time() is the evaluation time in seconds', series: values, expr: 'time()', at: '5m30s', expect: { scalar: 330 } },
  {
    name: 'timestamp() of a selector is the time of the sample it picked',
    series: heartbeat,
    expr: 'timestamp(runwarden_heartbeat)',
    at: '4m',
    expect: [['{run_id="r-1"}', 60]],
  },
  {
    name: 'timestamp() looks through parentheses',
    series: heartbeat,
    expr: 'timestamp((runwarden_heartbeat))',
    at: '4m',
    expect: [['{run_id="r-1"}', 60]],
  },
  {
    name: 'timestamp() of another expression is the evaluation time',
    series: heartbeat,
    expr: 'timestamp(abs(runwarden_heartbeat))',
    at: '4m',
    expect: [['{run_id="r-1"}', 240]],
  },
  {
    name: 'time() minus timestamp(): seconds since the last sample',
    series: heartbeat,
    expr: 'time() - timestamp(runwarden_heartbeat)',
    at: '4m30s',
    expect: [['{run_id="r-1"}', 210]],
  },

  // vector, scalar, absent.
  { name: 'vector() of a scalar', series: values, expr: 'vector(7)', at: '1m', expect: [['{}', 7]] },
  { name: 'scalar() of a one-element vector', series: values, expr: 'scalar(runwarden_value{v="c"})', at: '1m', expect: { scalar: 16 } },
  { name: 'scalar() of several elements is NaN', series: values, expr: 'scalar(runwarden_value)', at: '1m', expect: { scalar: NaN }, promtool: false },
  { name: 'a vector divided by a scalar() keeps the labels', series: values, expr: 'runwarden_value / scalar(runwarden_value{v="c"})', at: '1m', expect: [['{v="a"}', -0.15625], ['{v="b"}', 0.09375], ['{v="c"}', 1]] },
  { name: 'absent() of a present series is empty', series: values, expr: 'absent(runwarden_value{v="a"})', at: '1m', expect: [] },
  {
    name: 'absent() takes labels from equality matchers only',
    series: values,
    expr: 'absent(runwarden_value{v="z", team="data", env=~"prod"})',
    at: '1m',
    expect: [['{team="data", v="z"}', 1]],
  },
  { name: 'absent() of a non-selector has no labels', series: values, expr: 'absent(sum(nonexistent))', at: '1m', expect: [['{}', 1]] },
  {
    name: 'absent() drops a label matched twice',
    series: values,
    expr: 'absent(nonexistent{job="a", job="b", team="x"})',
    at: '1m',
    expect: [['{team="x"}', 1]],
  },

  // label_replace and label_join keep the metric name.
  {
    name: 'label_replace with a capture group',
    series: runs,
    expr: 'label_replace(runwarden_run_info, "runner", "$1", "host", "([^.]+)\\\\..*")',
    at: '1m',
    expect: [
      ['runwarden_run_info{run_id="r-1", phase="testing", host="ci-7.example.org", runner="ci-7"}', 1],
      ['runwarden_run_info{run_id="r-2", phase="planning", host="ci-9.example.org", runner="ci-9"}', 1],
    ],
  },
  {
    name: 'label_replace needs the regexp to match the whole value',
    series: runs,
    expr: 'label_replace(runwarden_run_info, "runner", "$1", "host", "ci-(7)")',
    at: '1m',
    expect: [
      ['runwarden_run_info{run_id="r-1", phase="testing", host="ci-7.example.org"}', 1],
      ['runwarden_run_info{run_id="r-2", phase="planning", host="ci-9.example.org"}', 1],
    ],
  },
  {
    name: 'label_replace overwrites, and an empty result deletes the label',
    series: runs,
    expr: 'label_replace(label_replace(runwarden_run_info, "phase", "x-$1", "phase", "(t.*)"), "host", "", "run_id", ".*")',
    at: '1m',
    expect: [
      ['runwarden_run_info{run_id="r-1", phase="x-testing"}', 1],
      ['runwarden_run_info{run_id="r-2", phase="planning"}', 1],
    ],
  },
  {
    name: 'label_replace: $1x names group "1x" (empty), ${1}x does not',
    series: runs,
    expr: 'label_replace(label_replace(runwarden_run_info{run_id="r-1"}, "a", "$1x", "run_id", "r-(.*)"), "b", "${1}x", "run_id", "r-(.*)")',
    at: '1m',
    expect: [['runwarden_run_info{run_id="r-1", phase="testing", host="ci-7.example.org", b="1x"}', 1]],
  },
  {
    name: 'label_replace with a named group',
    series: runs,
    expr: 'label_replace(runwarden_run_info{run_id="r-2"}, "n", "$num", "run_id", "r-(?P<num>\\\\d+)")',
    at: '1m',
    expect: [['runwarden_run_info{run_id="r-2", phase="planning", host="ci-9.example.org", n="2"}', 1]],
  },
  {
    name: 'label_replace that makes two series equal is an error',
    series: runs,
    expr: 'label_replace(label_replace(label_replace(runwarden_run_info, "run_id", "same", "run_id", ".*"), "phase", "", "phase", ".*"), "host", "", "host", ".*")',
    at: '1m',
    expect: { error: /vector cannot contain metrics with the same labelset/ },
  },
  {
    name: 'label_join',
    series: runs,
    expr: 'label_join(runwarden_run_info{run_id="r-1"}, "key", "/", "phase", "run_id", "missing")',
    at: '1m',
    expect: [['runwarden_run_info{run_id="r-1", phase="testing", host="ci-7.example.org", key="testing/r-1/"}', 1]],
  },

  // sort keeps everything (order is checked in eval.test.ts; promtool compares sets).
  { name: 'sort', series: values, expr: 'sort(runwarden_value)', at: '1m', expect: [['runwarden_value{v="a"}', -2.5], ['runwarden_value{v="b"}', 1.5], ['runwarden_value{v="c"}', 16]] },
  { name: 'sort_desc', series: values, expr: 'sort_desc(runwarden_value)', at: '1m', expect: [['runwarden_value{v="a"}', -2.5], ['runwarden_value{v="b"}', 1.5], ['runwarden_value{v="c"}', 16]] },

  // histogram_quantile.
  {
    name: 'histogram_quantile over summed bucket rates',
    series: buckets,
    expr: 'histogram_quantile(0.5, sum by (le) (rate(cicd_pipeline_run_duration_seconds_bucket[5m])))',
    at: '10m',
    expect: [['{}', 90]],
  },
  {
    name: 'histogram_quantile per pipeline keeps the other labels',
    series: buckets,
    expr: 'histogram_quantile(0.75, rate(cicd_pipeline_run_duration_seconds_bucket[5m]))',
    at: '10m',
    expect: [['{cicd_pipeline_name="build"}', 210], ['{cicd_pipeline_name="deploy"}', 210]],
  },
  {
    name: 'histogram_quantile in the +Inf bucket is the highest finite bound',
    series: buckets,
    expr: 'histogram_quantile(0.95, sum by (le) (rate(cicd_pipeline_run_duration_seconds_bucket[5m])))',
    at: '10m',
    expect: [['{}', 300]],
  },
  {
    name: 'histogram_quantile in the first bucket starts at 0',
    series: shapes,
    expr: 'histogram_quantile(0.25, h_bucket{case="first"})',
    at: '1m',
    expect: [['{case="first"}', 5]],
  },
  {
    name: 'histogram_quantile in a first bucket bounded at or below 0 is that bound',
    series: shapes,
    expr: 'histogram_quantile(0.25, h_bucket{case="negative"})',
    at: '1m',
    expect: [['{case="negative"}', -1]],
  },
  {
    name: 'histogram_quantile forces counts monotonic',
    series: shapes,
    expr: 'histogram_quantile(0.75, h_bucket{case="nonmonotonic"})',
    at: '1m',
    expect: [['{case="nonmonotonic"}', 30]],
  },
  { name: 'histogram_quantile without +Inf is NaN', series: shapes, expr: 'histogram_quantile(0.5, h_bucket{case="noinf"})', at: '1m', expect: [['{case="noinf"}', NaN]], promtool: false },
  { name: 'histogram_quantile of no observations is NaN', series: shapes, expr: 'histogram_quantile(0.5, h_bucket{case="empty"})', at: '1m', expect: [['{case="empty"}', NaN]], promtool: false },
  { name: 'histogram_quantile of one bucket is NaN', series: shapes, expr: 'histogram_quantile(0.5, h_bucket{case="onlyinf"})', at: '1m', expect: [['{case="onlyinf"}', NaN]], promtool: false },
  { name: 'histogram_quantile with φ above 1 is +Inf', series: shapes, expr: 'histogram_quantile(2, h_bucket{case="first"})', at: '1m', expect: [['{case="first"}', Infinity]] },
  { name: 'histogram_quantile with φ below 0 is -Inf', series: shapes, expr: 'histogram_quantile(-1, h_bucket{case="first"})', at: '1m', expect: [['{case="first"}', -Infinity]] },
  {
    name: 'math over two metrics with the same labels is an error once the names go',
    series: { 'a{job="x"}': '1', 'b{job="x"}': '2' },
    expr: 'abs({__name__=~"a|b"})',
    at: '0',
    expect: { error: /vector cannot contain metrics with the same labelset/ },
  },
];
