/**
 * Prometheus's per-query sample limit (`--query.max-samples`; promtool's unit tests run with
 * 10,000): a query fails with "query processing would load too many samples into memory" when the
 * samples its engine holds at once would pass the limit. What counts is how Prometheus 2.42's
 * engine (promql/engine.go) keeps `currentSamples` during an instant query, modelled here from the
 * sizes of each node's result:
 *
 * - a vector selector adds one sample per series it selects;
 * - a range selector at the top adds its points (stale markers excluded);
 * - operators, aggregations and functions without a range argument go through `rangeEval`: their
 *   arguments are evaluated (each leaving its result counted), then gathered into input vectors
 *   (counted again), then the result is added; afterwards only the result stays counted;
 * - a function of a range vector holds one series' points at a time, plus the outputs so far;
 * - a number literal is a one-sample result.
 *
 * Evaluation itself does not count: after a successful evaluation, checkSampleLimit walks the same
 * tree with the same context (the memoised selections make the sizes cheap) and throws if
 * Prometheus would have stopped. The limit changes whether a query fails, never what it returns.
 */
import { typeOf, unwrapParens, type CallNode, type Expr } from './ast.ts';
import { PromQLEvalError } from './errors.ts';
import type { EvalContext } from './eval-context.ts';
import { RANGE_FUNCTIONS } from './eval-range-functions.ts';
import { refTime, selectInstant, selectRange } from './eval-selectors.ts';
import { evalScalar, evalVector } from './eval.ts';
import { compareLabels } from './labels.ts';

/** TOO_MANY_SAMPLES is Prometheus's ErrTooManySamples message for a query. */
export const TOO_MANY_SAMPLES = 'query processing would load too many samples into memory in query execution';

/** PROMTOOL_MAX_SAMPLES is the limit `promtool test rules` evaluates with. */
export const PROMTOOL_MAX_SAMPLES = 10_000;

/** checkSampleLimit throws PromQLEvalError(TOO_MANY_SAMPLES) when evaluating `root` at `ctx` would pass `max` samples in Prometheus. */
export function checkSampleLimit(root: Expr, ctx: EvalContext, max: number): void {
  let cur = 0;
  const fail = (): never => {
    throw new PromQLEvalError(TOO_MANY_SAMPLES);
  };

  // The number of samples a node's result holds (one per series, for an instant query).
  const resultSize = (e: Expr): number => {
    const t = typeOf(e);
    return t === 'vector' ? evalVector(e, ctx).length : t === 'scalar' ? 1 : 0;
  };

  const rangeEval = (args: readonly Expr[], result: number): void => {
    const orig = cur;
    for (const a of args) visit(a);
    let gathered = 0;
    for (const a of args) gathered += resultSize(a);
    if (cur + gathered > max) fail();
    cur += gathered + result;
    if (cur > max) fail();
    cur = orig + result;
  };

  const rangeCall = (e: CallNode, matrixIndex: number): void => {
    e.args.forEach((a, i) => {
      if (i !== matrixIndex) visit(a);
    });
    const m = unwrapParens(e.args[matrixIndex] as Expr);
    if (m.kind !== 'matrix') return;
    const series = [...selectRange(m.selector, m.rangeMs, ctx)].sort((a, b) => compareLabels(a.labels, b.labels));
    const fn = RANGE_FUNCTIONS[e.name];
    const param = matrixIndex > 0 ? evalScalar(e.args[0] as Expr, ctx) : NaN;
    const end = refTime(m.selector, ctx);
    const window = { start: end - m.rangeMs, end, rangeSeconds: m.rangeMs / 1000 };
    let outputs = 0;
    for (const s of series) {
      const points = s.to - s.from;
      if (points === 0) continue;
      if (cur + outputs + points > max) fail();
      const output = fn === undefined ? true : fn(s, window, ctx, param) !== undefined;
      if (output) {
        if (cur + outputs + points + 1 > max) fail();
        outputs++;
      }
    }
    cur += outputs;
  };

  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'paren':
        return visit(e.expr);
      case 'unary':
        return visit(e.expr);
      case 'string':
        return;
      case 'number':
        return rangeEval([], 1);
      case 'vector': {
        const n = selectInstant(e, ctx).length;
        if (cur + n > max) fail();
        cur += n;
        return;
      }
      case 'matrix': {
        let points = 0;
        for (const s of selectRange(e.selector, e.rangeMs, ctx)) points += s.to - s.from;
        if (cur + points > max) fail();
        cur += points;
        return;
      }
      case 'binary':
        return rangeEval([e.lhs, e.rhs], resultSize(e));
      case 'aggregate': {
        const args = e.param === undefined || typeOf(e.param) === 'string' ? [e.expr] : [e.param, e.expr];
        return rangeEval(args, resultSize(e));
      }
      case 'call': {
        const first = e.args[0] === undefined ? undefined : unwrapParens(e.args[0]);
        if (e.name === 'timestamp' && first?.kind === 'vector') {
          // Prometheus selects inside the function call, counting as a selector, then adds the result.
          const orig = cur;
          const n = selectInstant(first, ctx).length;
          if (cur + n > max) fail();
          cur += n;
          if (cur + n > max) fail();
          cur = orig + n;
          return;
        }
        const matrixIndex = e.args.findIndex((a) => typeOf(a) === 'matrix');
        if (matrixIndex >= 0) return rangeCall(e, matrixIndex);
        return rangeEval(e.args, resultSize(e));
      }
    }
  };

  visit(root);
}
