/**
 * checkExpr type-checks a tree as Prometheus' parser does after parsing (checkAST in
 * promql/parser/parse.go), with the same messages, and normalises vector matching the same way
 * (set operators are many-to-many; matching between a scalar and a vector is dropped).
 */
import { COMPARISON_OPS, SET_OPS, typeOf, type Expr, type ValueType } from './ast.ts';
import { FUNCTIONS } from './function-signatures.ts';
import { ParseFailure } from './errors.ts';

/** documentedType names a type as Prometheus' messages do. */
export function documentedType(t: ValueType): string {
  return t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t;
}

function fail(message: string, at: number): never {
  throw new ParseFailure(message, at);
}

function expectType(e: Expr, want: ValueType, context: string): void {
  checkExpr(e);
  const t = typeOf(e);
  if (t !== want) fail(`expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`, e.start);
}

/** checkExpr throws ParseFailure at the first type error, in Prometheus' order. */
export function checkExpr(e: Expr): void {
  switch (e.kind) {
    case 'number':
    case 'string':
    case 'vector':
      return;
    case 'matrix':
      return;
    case 'paren':
      checkExpr(e.expr);
      return;
    case 'aggregate':
      expectType(e.expr, 'vector', 'aggregation expression');
      if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'quantile') {
        expectType(e.param as Expr, 'scalar', 'aggregation parameter');
      }
      if (e.op === 'count_values') expectType(e.param as Expr, 'string', 'aggregation parameter');
      return;
    case 'unary': {
      checkExpr(e.expr);
      const t = typeOf(e.expr);
      if (t !== 'scalar' && t !== 'vector') {
        fail(`unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(documentedType(t))}`, e.start);
      }
      return;
    }
    case 'call': {
      const sig = FUNCTIONS[e.name];
      if (!sig) return fail(`unknown function with name ${JSON.stringify(e.name)}`, e.start);
      const nargs = sig.args.length;
      if (sig.variadic === 0) {
        if (nargs !== e.args.length) fail(`expected ${nargs} argument(s) in call to ${JSON.stringify(e.name)}, got ${e.args.length}`, e.start);
      } else {
        const na = nargs - 1;
        if (na > e.args.length) {
          fail(`expected at least ${na} argument(s) in call to ${JSON.stringify(e.name)}, got ${e.args.length}`, e.start);
        } else if (sig.variadic > 0 && na + sig.variadic < e.args.length) {
          fail(`expected at most ${na + sig.variadic} argument(s) in call to ${JSON.stringify(e.name)}, got ${e.args.length}`, e.start);
        }
      }
      e.args.forEach((arg, i) => {
        if (i >= nargs && sig.variadic === 0) return;
        const want = sig.args[Math.min(i, nargs - 1)] as ValueType;
        expectType(arg, want, `call to function ${JSON.stringify(e.name)}`);
      });
      return;
    }
    case 'binary': {
      checkExpr(e.lhs);
      checkExpr(e.rhs);
      const lt = typeOf(e.lhs);
      const rt = typeOf(e.rhs);
      const m = e.matching;
      if (e.returnBool && !COMPARISON_OPS.has(e.op)) fail('bool modifier can only be used on comparison operators', e.opSpan.start);
      if (COMPARISON_OPS.has(e.op) && !e.returnBool && lt === 'scalar' && rt === 'scalar') {
        fail('comparisons between scalars must use BOOL modifier', e.opSpan.start);
      }
      if (m && SET_OPS.has(e.op) && m.card === 'one-to-one') m.card = 'many-to-many';
      if (m?.on) {
        for (const l of m.include) {
          if (m.labels.includes(l)) fail(`label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`, e.opSpan.start);
        }
      }
      if (lt !== 'scalar' && lt !== 'vector') fail('binary expression must contain only scalar and instant vector types', e.lhs.start);
      if (rt !== 'scalar' && rt !== 'vector') fail('binary expression must contain only scalar and instant vector types', e.rhs.start);
      if (lt !== 'vector' || rt !== 'vector') {
        if (m && m.labels.length > 0) fail('vector matching only allowed between instant vectors', e.start);
        e.matching = undefined;
      } else if (SET_OPS.has(e.op) && m) {
        if (m.card === 'one-to-many' || m.card === 'many-to-one') fail(`no grouping allowed for ${JSON.stringify(e.op)} operation`, e.start);
      }
      if ((lt === 'scalar' || rt === 'scalar') && SET_OPS.has(e.op)) {
        fail(`set operator ${JSON.stringify(e.op)} not allowed in binary scalar expression`, e.start);
      }
      return;
    }
  }
}
