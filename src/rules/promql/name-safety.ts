/**
 * Prometheus checks every function and operator result for duplicate label sets (rate() over two
 * metrics with equal labels is an error once the names go). The check costs a key per sample, so
 * the evaluator skips it where the expression alone proves it cannot fire, which is nearly every
 * real rule: `uniqueWithoutName(e)` tells whether e's result stays free of duplicates once
 * `__name__` is dropped.
 */
import { COMPARISON_OPS, SET_OPS, typeOf, type BinaryNode, type Expr } from './ast.ts';

const cache = new WeakMap<Expr, boolean>();

/** Functions whose result keeps each input sample's labels, name included. */
const LABEL_KEEPING: ReadonlySet<string> = new Set(['sort', 'sort_desc', 'sort_by_label', 'sort_by_label_desc', 'last_over_time']);

/** Functions whose result has at most one sample, or samples with labels fixed by the text. */
const SINGLE: ReadonlySet<string> = new Set(['vector', 'time', 'scalar', 'absent', 'absent_over_time']);

function plain(e: BinaryNode): boolean {
  const m = e.matching;
  return m === undefined || (m.card !== 'one-to-many' && m.card !== 'many-to-one' && !m.on && m.labels.length === 0);
}

function compute(e: Expr): boolean {
  switch (e.kind) {
    case 'number':
    case 'string':
      return true;
    case 'vector':
      return e.matchers.some((m) => m.name === '__name__' && m.type === '=');
    case 'matrix':
      return uniqueWithoutName(e.selector);
    case 'paren':
      return uniqueWithoutName(e.expr);
    case 'unary':
      // Minus drops every name (its result was checked); plus keeps its input.
      return e.op === '-' || uniqueWithoutName(e.expr);
    case 'aggregate':
      if (e.op === 'topk' || e.op === 'bottomk') return uniqueWithoutName(e.expr);
      return e.without || !e.grouping.includes('__name__');
    case 'call':
      if (LABEL_KEEPING.has(e.name)) return uniqueWithoutName(e.args[0] as Expr);
      if (e.name === 'label_replace' || e.name === 'label_join') return false;
      // Every other function returns nameless samples (and its own result was checked).
      return true;
    case 'binary': {
      if (!COMPARISON_OPS.has(e.op) && !SET_OPS.has(e.op)) return true; // arithmetic drops names
      if (e.returnBool) return true;
      const lt = typeOf(e.lhs);
      const rt = typeOf(e.rhs);
      if (lt !== 'vector' || rt !== 'vector') return uniqueWithoutName(lt === 'vector' ? e.lhs : e.rhs);
      if (e.op === 'and' || e.op === 'unless') return uniqueWithoutName(e.lhs);
      if (!plain(e)) return false;
      // `or` adds right samples whose labels-without-name differ from every left sample's.
      if (e.op === 'or') return uniqueWithoutName(e.lhs) && uniqueWithoutName(e.rhs);
      return uniqueWithoutName(e.lhs);
    }
  }
}

/** uniqueWithoutName is memoised per node: a compiled tree never changes. */
export function uniqueWithoutName(e: Expr): boolean {
  let v = cache.get(e);
  if (v === undefined) {
    v = compute(e);
    cache.set(e, v);
  }
  return v;
}

/** functionMayDuplicate tells whether a call's result needs the duplicate check. */
export function functionMayDuplicate(name: string, args: readonly Expr[]): boolean {
  if (SINGLE.has(name) || LABEL_KEEPING.has(name)) return false;
  if (name === 'label_replace' || name === 'label_join' || name === 'histogram_quantile') return true;
  // The rest map each input sample to one output sample with the input's labels minus the name.
  const input = args.find((a) => {
    const t = typeOf(a);
    return t === 'vector' || t === 'matrix';
  });
  return input === undefined ? false : !uniqueWithoutName(input);
}
