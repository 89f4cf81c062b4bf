/**
 * The PromQL engine's public surface: compile an expression once, evaluate it as an instant
 * query at any time against any SeriesSource. Everything else in this folder is internal.
 */
export { compilePromQL, DEFAULT_EVAL_OPTIONS, PromQLExpr } from './compile.ts';
export type { ValueType } from './ast.ts';
export { PromQLError, PromQLEvalError } from './errors.ts';
export type { ColumnSeries, ColumnSource, LatestPointSource, LatestPointVisitor, LatestValueSource, SelectionMemo } from './eval-context.ts';
export { expandSeriesValues, parseSeriesSelector } from './series-notation.ts';
