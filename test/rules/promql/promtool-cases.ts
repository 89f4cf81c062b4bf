/**
 * Writes the evaluator's case tables as promtool unit-test files (promql_expr_test), so that the
 * real `promtool test rules` (Prometheus 2.42) can confirm every compat 2 expectation.
 */
import { stringify } from 'yaml';
import type { EvalCase, Expect } from './harness.ts';

function expSamples(want: Expect): { labels: string; value: number }[] {
  if ('error' in want) throw new Error('an error case has no samples');
  if ('scalar' in want) return [{ labels: '{}', value: want.scalar }];
  return want.map(([labels, value]) => ({ labels, value }));
}

function testGroup(c: EvalCase): Record<string, unknown> {
  return {
    interval: c.interval ?? '1m',
    input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
    promql_expr_test: [
      { expr: c.expr, eval_time: c.at, exp_samples: 'error' in c.expect ? [] : expSamples(c.expect) },
      // A later eval_time makes promtool load the samples up to it.
      ...(c.dataUntil ? [{ expr: 'vector(0)', eval_time: c.dataUntil, exp_samples: [{ labels: '{}', value: 0 }] }] : []),
    ],
  };
}

/** passingFile is one promtool test file holding every non-error case that promtool can compare. */
export function passingFile(cases: readonly EvalCase[]): string {
  const groups = cases.filter((c) => c.promtool !== false && !('error' in c.expect)).map(testGroup);
  return stringify({ evaluation_interval: '1m', tests: groups });
}

/** errorFile is a promtool test file for one case whose evaluation must fail. */
export function errorFile(c: EvalCase): string {
  return stringify({ evaluation_interval: '1m', tests: [testGroup(c)] });
}
