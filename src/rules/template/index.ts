/**
 * Prometheus's template language for alerting-rule labels and annotations: Go's text/template
 * with Prometheus's functions, written by hand (lexer, parser, executor, Go's fmt and strconv).
 */
export { ALERT_PREAMBLE, compileTemplate, expandAlertTemplate } from './compile.ts';
export type { CompileTemplateOptions, PrometheusTemplate, RenderEnv } from './compile.ts';
export { TemplateError } from './errors.ts';
export type { TemplatePhase } from './errors.ts';
export type { TemplateQueryFunc, TemplateQuerySample } from './func.ts';
export { humanize, humanize1024, humanizeDuration } from './prometheus-funcs.ts';

import { formatFloat } from './strconv.ts';

/**
 * formatGoFloat prints a float64 as Go's `%v` does (strconv.FormatFloat(v, 'g', -1, 64)), which
 * is how `{{ $value }}` prints: 2e+06, 0.1, 1e+21, 1.23456789e+08, NaN, +Inf, -Inf.
 */
export function formatGoFloat(v: number): string {
  return formatFloat(v, 'g', -1);
}

/** formatGoFloatFmt is strconv.FormatFloat(v, fmt, prec, 64) for fmt e, E, f, g, G. */
export { formatFloat as formatGoFloatFmt } from './strconv.ts';
