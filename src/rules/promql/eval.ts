/**
 * evalExpr is the evaluator's dispatch: it evaluates a checked tree as an instant query at the
 * context's time, delegating to selectors, functions, aggregations and binary operators, and
 * applies Prometheus' check that a result never holds one label set twice (which name dropping
 * can cause, e.g. rate() over two metrics with the same labels). Vector sub-trees are shared
 * between the rules of one evaluation time (eval-memo.ts): nothing here mutates an input array
 * or sample, and PromQLExpr.evaluate copies the answer it hands out.
 */
import type { Sample, Value } from '../types.ts';
import { COMPARISON_OPS, SET_OPS, typeOf, unwrapParens, type CallNode, type Expr } from './ast.ts';
import { PromQLEvalError } from './errors.ts';
import { aggregate } from './eval-aggregations.ts';
import { scalarBinop, setBinop, vectorBinop, vectorScalarBinop } from './eval-binary.ts';
import { assertUniqueLabelsets, type EvalContext } from './eval-context.ts';
import { callInstantFunction, createLabelsForAbsent, type FunctionArg } from './eval-functions.ts';
import { RANGE_FUNCTIONS } from './eval-range-functions.ts';
import { memoisedExpr } from './eval-memo.ts';
import { refTime, selectInstant, selectRange, toRangeSeries } from './eval-selectors.ts';
import { dropMetricName } from './labels.ts';
import { functionMayDuplicate, uniqueWithoutName } from './name-safety.ts';

/** evalExpr evaluates `e` to a Value. */
export function evalExpr(e: Expr, ctx: EvalContext): Value {
  switch (typeOf(e)) {
    case 'scalar':
      return { type: 'scalar', value: evalScalar(e, ctx) };
    case 'vector':
      return { type: 'vector', samples: evalVector(e, ctx) };
    case 'string':
      return { type: 'string', value: evalString(e) };
    case 'matrix': {
      const m = unwrapParens(e);
      if (m.kind !== 'matrix') throw new PromQLEvalError('a range vector must be a range selector');
      return { type: 'matrix', series: toRangeSeries(selectRange(m.selector, m.rangeMs, ctx)) };
    }
  }
}

function evalString(e: Expr): string {
  const s = unwrapParens(e);
  if (s.kind !== 'string') throw new PromQLEvalError('expected a string literal');
  return s.value;
}

/** evalScalar evaluates a scalar-typed expression. */
export function evalScalar(e: Expr, ctx: EvalContext): number {
  switch (e.kind) {
    case 'number':
      return e.value;
    case 'paren':
      return evalScalar(e.expr, ctx);
    case 'unary': {
      const v = evalScalar(e.expr, ctx);
      return e.op === '-' ? -v : v;
    }
    case 'binary':
      return scalarBinop(e.op, evalScalar(e.lhs, ctx), evalScalar(e.rhs, ctx));
    case 'call':
      return callInstantFunction(e, evalArgs(e, ctx), ctx) as number;
  }
  throw new PromQLEvalError(`expression of kind ${e.kind} is not a scalar`);
}

function evalArgs(e: CallNode, ctx: EvalContext): FunctionArg[] {
  return e.args.map((a) => {
    const t = typeOf(a);
    return t === 'scalar' ? evalScalar(a, ctx) : t === 'string' ? evalString(a) : evalVector(a, ctx);
  });
}

/** evalVector evaluates an instant-vector-typed expression. */
export function evalVector(e: Expr, ctx: EvalContext): Sample[] {
  switch (e.kind) {
    case 'vector':
      // Shared with every other use of the selection this tick: nothing downstream mutates a
      // sample or an input array, and PromQLExpr.evaluate copies what it hands out.
      return selectInstant(e, ctx);
    case 'paren':
      return evalVector(e.expr, ctx);
    case 'unary': {
      const v = evalVector(e.expr, ctx);
      if (e.op === '+') return v;
      const out = v.map((s) => ({ labels: dropMetricName(s.labels), value: -s.value }));
      if (!uniqueWithoutName(e.expr)) assertUniqueLabelsets(out);
      return out;
    }
    case 'aggregate':
      return memoisedExpr(e, ctx, () => {
        const v = evalVector(e.expr, ctx);
        let param: number | string | undefined;
        if (e.param) param = typeOf(e.param) === 'string' ? evalString(e.param) : evalScalar(e.param, ctx);
        // Groups have distinct label sets by construction: no duplicate check needed.
        return aggregate(e, v, param, ctx);
      });
    case 'binary':
      return memoisedExpr(e, ctx, () => evalBinary(e, ctx));
    case 'call':
      return memoisedExpr(e, ctx, () => {
        const out = evalCall(e, ctx);
        if (functionMayDuplicate(e.name, e.args)) assertUniqueLabelsets(out);
        return out;
      });
  }
  throw new PromQLEvalError(`expression of kind ${e.kind} is not an instant vector`);
}

function evalBinary(e: Expr & { kind: 'binary' }, ctx: EvalContext): Sample[] {
  const lt = typeOf(e.lhs);
  const rt = typeOf(e.rhs);
  const dropsNames = !SET_OPS.has(e.op) && !(COMPARISON_OPS.has(e.op) && !e.returnBool);
  if (lt === 'vector' && rt === 'vector') {
    const l = evalVector(e.lhs, ctx);
    const r = evalVector(e.rhs, ctx);
    const m = e.matching ?? { card: 'one-to-one' as const, on: false, labels: [], include: [] };
    if (SET_OPS.has(e.op)) return setBinop(e.op, l, r, m);
    const out = vectorBinop(e.op, l, r, m, e.returnBool, ctx);
    // One-to-one matching already refuses two results with the same labels.
    if (dropsNames && m.card !== 'one-to-one') assertUniqueLabelsets(out);
    return out;
  }
  const vectorSide = lt === 'vector' ? e.lhs : e.rhs;
  const out =
    lt === 'vector'
      ? vectorScalarBinop(e.op, evalVector(e.lhs, ctx), evalScalar(e.rhs, ctx), false, e.returnBool)
      : vectorScalarBinop(e.op, evalVector(e.rhs, ctx), evalScalar(e.lhs, ctx), true, e.returnBool);
  if (dropsNames && !uniqueWithoutName(vectorSide)) assertUniqueLabelsets(out);
  return out;
}

function evalCall(e: CallNode, ctx: EvalContext): Sample[] {
  const fn = RANGE_FUNCTIONS[e.name];
  if (fn !== undefined || e.name === 'absent_over_time') return evalRangeCall(e, ctx);
  if (e.name === 'timestamp') return evalTimestamp(e, ctx);
  return callInstantFunction(e, evalArgs(e, ctx), ctx) as Sample[];
}

function evalRangeCall(e: CallNode, ctx: EvalContext): Sample[] {
  const matrixIndex = e.args.findIndex((a) => typeOf(a) === 'matrix');
  const m = unwrapParens(e.args[matrixIndex] as Expr);
  if (m.kind !== 'matrix') throw new PromQLEvalError('a range vector must be a range selector');
  const param = matrixIndex > 0 ? evalScalar(e.args[0] as Expr, ctx) : NaN;
  if (e.name === 'absent_over_time') {
    return selectRange(m.selector, m.rangeMs, ctx).length > 0 ? [] : [{ labels: createLabelsForAbsent(m), value: 1 }];
  }
  const series = selectRange(m.selector, m.rangeMs, ctx);
  const fn = RANGE_FUNCTIONS[e.name] as NonNullable<(typeof RANGE_FUNCTIONS)[string]>;
  const end = refTime(m.selector, ctx);
  const window = { start: end - m.rangeMs, end, rangeSeconds: m.rangeMs / 1000 };
  const keepName = e.name === 'last_over_time';
  const out: Sample[] = [];
  for (const s of series) {
    const v = fn(s, window, ctx, param);
    if (v !== undefined) out.push({ labels: keepName ? s.labels : dropMetricName(s.labels), value: v });
  }
  return out;
}

/**
 * timestamp() of a vector selector (parentheses aside) reports each sample's own time; of any
 * other expression, the evaluation time.
 */
function evalTimestamp(e: CallNode, ctx: EvalContext): Sample[] {
  const arg = e.args[0] as Expr;
  const inner = unwrapParens(arg);
  if (inner.kind === 'vector') {
    return selectInstant(inner, ctx).map((s) => ({ labels: dropMetricName(s.labels), value: s.t / 1000 }));
  }
  return evalVector(arg, ctx).map((s) => ({ labels: dropMetricName(s.labels), value: ctx.t / 1000 }));
}
