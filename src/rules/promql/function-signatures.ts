/**
 * The functions this engine evaluates, with their argument and return types as Prometheus'
 * parser declares them (promql/parser/functions.go). Prometheus functions outside this list are
 * refused at compile time with their own message, so a rule never fails at 3 a.m. for it.
 */
import type { ValueType } from './ast.ts';

/** FunctionSignature is a function's argument types; `variadic` as Prometheus: 0 none, n up to n optional, -1 any. */
export interface FunctionSignature {
  args: readonly ValueType[];
  variadic: number;
  returns: ValueType;
}

const m: readonly ValueType[] = ['matrix'];
const v: readonly ValueType[] = ['vector'];

function sig(args: readonly ValueType[], returns: ValueType = 'vector', variadic = 0): FunctionSignature {
  return { args, returns, variadic };
}

/** FUNCTIONS maps each supported function name to its signature. */
export const FUNCTIONS: Readonly<Record<string, FunctionSignature>> = {
  rate: sig(m),
  irate: sig(m),
  increase: sig(m),
  delta: sig(m),
  idelta: sig(m),
  resets: sig(m),
  changes: sig(m),
  deriv: sig(m),
  avg_over_time: sig(m),
  min_over_time: sig(m),
  max_over_time: sig(m),
  sum_over_time: sig(m),
  count_over_time: sig(m),
  last_over_time: sig(m),
  quantile_over_time: sig(['scalar', 'matrix']),
  stddev_over_time: sig(m),
  stdvar_over_time: sig(m),
  present_over_time: sig(m),
  absent_over_time: sig(m),
  absent: sig(v),
  time: sig([], 'scalar'),
  timestamp: sig(v),
  vector: sig(['scalar']),
  scalar: sig(v, 'scalar'),
  clamp: sig(['vector', 'scalar', 'scalar']),
  clamp_min: sig(['vector', 'scalar']),
  clamp_max: sig(['vector', 'scalar']),
  abs: sig(v),
  ceil: sig(v),
  floor: sig(v),
  round: sig(['vector', 'scalar'], 'vector', 1),
  ln: sig(v),
  exp: sig(v),
  sqrt: sig(v),
  histogram_quantile: sig(['scalar', 'vector']),
  label_replace: sig(['vector', 'string', 'string', 'string', 'string']),
  label_join: sig(['vector', 'string', 'string', 'string'], 'vector', -1),
  sort: sig(v),
  sort_desc: sig(v),
  sort_by_label: sig(['vector', 'string'], 'vector', -1),
  sort_by_label_desc: sig(['vector', 'string'], 'vector', -1),
};

/**
 * PROMETHEUS_ONLY are functions Prometheus knows that this engine refuses (so the message can
 * say "not supported" rather than "unknown").
 */
export const PROMETHEUS_ONLY: ReadonlySet<string> = new Set([
  'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cos', 'cosh', 'sin', 'sinh', 'tan', 'tanh',
  'deg', 'rad', 'pi', 'sgn', 'log2', 'log10', 'predict_linear', 'holt_winters',
  'double_exponential_smoothing', 'days_in_month', 'day_of_month', 'day_of_week', 'day_of_year',
  'hour', 'minute', 'month', 'year', 'histogram_count', 'histogram_sum', 'histogram_avg',
  'histogram_fraction', 'histogram_stddev', 'histogram_stdvar', 'histogram_quantiles',
  'first_over_time', 'mad_over_time', 'ts_of_first_over_time', 'ts_of_last_over_time',
  'ts_of_max_over_time', 'ts_of_min_over_time', 'info', 'start_timestamp', 'max_of', 'min_of',
  'step', 'range',
]);
