/**
 * Sharing results between the rules of one evaluation time. Rules in a file repeat selectors and
 * whole sub-expressions (`rate(x[5m])`, `sum by (le) (...)`, one per workflow or severity); when
 * the source offers a SelectionMemo, such a sub-tree is computed once per evaluation time and
 * reused until a series it reads changes (a recording rule earlier in the group writing it, say).
 *
 * A sub-tree's answer depends only on the series its selectors select, the evaluation time and
 * the context's settings: PromQL has no other input. So the key is the settings plus the sub-tree
 * written out in full (formatExpr: every grouping, modifier and literal), and the dependencies
 * are its selectors' matchers.
 */
import type { Matcher } from '../types.ts';
import type { Expr } from './ast.ts';
import { hasMemoize, type EvalContext } from './eval-context.ts';
import { formatExpr } from './format.ts';

interface NodeMemo {
  text: string;
  selections: Matcher[][];
}

/** A node's memo key for one set of context settings (made once, not at every evaluation). */
interface KeyCache {
  compat: number;
  lookbackMs: number;
  dotAll: boolean;
  key: string;
}

const nodeMemos = new WeakMap<Expr, NodeMemo>();

function collect(e: Expr, out: Matcher[][]): void {
  switch (e.kind) {
    case 'vector':
      out.push(e.plainMatchers);
      return;
    case 'matrix':
      out.push(e.selector.plainMatchers);
      return;
    case 'paren':
    case 'unary':
      collect(e.expr, out);
      return;
    case 'binary':
      collect(e.lhs, out);
      collect(e.rhs, out);
      return;
    case 'aggregate':
      if (e.param) collect(e.param, out);
      collect(e.expr, out);
      return;
    case 'call':
      for (const a of e.args) collect(a, out);
      return;
    default:
      return;
  }
}

function nodeMemo(e: Expr): NodeMemo {
  let m = nodeMemos.get(e);
  if (m === undefined) {
    const selections: Matcher[][] = [];
    collect(e, selections);
    m = { text: formatExpr(e), selections };
    nodeMemos.set(e, m);
  }
  return m;
}

/**
 * settingsKey returns the key `build` describes, prefixed with the context's settings, made once
 * per `cache` entry (one per node and use) and settings. The evaluation time is not in it: a
 * SelectionMemo keeps answers per time.
 */
export function settingsKey(cache: WeakMap<object, KeyCache>, node: object, ctx: EvalContext, build: () => string): string {
  let c = cache.get(node);
  if (c === undefined || c.compat !== ctx.compat || c.lookbackMs !== ctx.lookbackMs || c.dotAll !== ctx.dotAll) {
    c = { compat: ctx.compat, lookbackMs: ctx.lookbackMs, dotAll: ctx.dotAll, key: `${ctx.compat}\xff${ctx.lookbackMs}\xff${ctx.dotAll ? 1 : 0}\xff${build()}` };
    cache.set(node, c);
  }
  return c.key;
}

/** KeyCaches is where settingsKey keeps one use's keys. */
export type KeyCaches = WeakMap<object, KeyCache>;

const exprKeys: KeyCaches = new WeakMap();

/**
 * memoisedExpr returns `compute()` for the sub-tree `e`, shared with every other evaluation of
 * the same sub-tree at the same time and settings while the series it reads are unchanged.
 * Sub-trees without a selector are cheap and computed every time. The answer may be shared: the
 * caller MUST NOT mutate it.
 */
export function memoisedExpr<T>(e: Expr, ctx: EvalContext, compute: () => T): T {
  const src = ctx.source;
  if (!hasMemoize(src)) return compute();
  const m = nodeMemo(e);
  if (m.selections.length === 0) return compute();
  return src.memoize(m.selections, ctx.t, settingsKey(exprKeys, e, ctx, () => `e\xff${m.text}`), compute);
}
