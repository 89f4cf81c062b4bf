/**
 * Operator precedence as Prometheus' yacc grammar has it (promql/parser/generated_parser.y),
 * applied to an expression's operator-level items laid out in text order: `or` < `and`/`unless`
 * < comparisons < `+ -` < `* / %` (unary minus binds here too) < `^` (right-associative) <
 * postfix modifiers (offset, @, a range), which bind to the operand just before them.
 */
import type { parser } from '@prometheus-io/lezer-promql';
import type { Expr, NumberNode } from './ast.ts';
import { ParseFailure } from './errors.ts';

/** SyntaxNode is a node of the lezer parse tree (@lezer/common's type, reached through the grammar). */
export type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** OperandBuilder builds tree nodes from the concrete syntax nodes the items point at. */
export interface OperandBuilder {
  /** atom converts an operand (selector, call, aggregation, parenthesised expression, string). */
  atom(node: SyntaxNode): Expr;
  /** postfix applies an offset, @ or range node to the operand before it. */
  postfix(node: SyntaxNode, e: Expr): Expr;
  /** binary builds a binary expression from a BinaryExpr node's operator and modifiers. */
  binary(node: SyntaxNode, lhs: Expr, rhs: Expr): Expr;
}

/** Item is one operator-level token: an operand, a number, a prefix sign, a binary operator, a postfix modifier. */
export type Item =
  | { k: 'atom'; node: SyntaxNode }
  | { k: 'number'; expr: NumberNode }
  | { k: 'unary'; op: '-' | '+'; at: number }
  | { k: 'binop'; node: SyntaxNode }
  | { k: 'postfix'; node: SyntaxNode };

/** Prometheus' binary operator precedences (promql/parser/generated_parser.y). */
const PRECEDENCE: Readonly<Record<string, number>> = {
  Or: 1, And: 2, Unless: 2, Eql: 3, Neq: 3, Gtr: 3, Lss: 3, Gte: 3, Lte: 3, TrimUpper: 3, TrimLower: 3,
  Add: 4, Sub: 4, Mul: 5, Div: 5, Mod: 5, Atan2: 5, Pow: 6,
};
const POW_PRECEDENCE = 6;

/** operatorName is the name of a BinaryExpr node's operator token (its second non-comment child). */
function operatorName(node: SyntaxNode): string {
  let seen = 0;
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name === 'LineComment') continue;
    if (seen++ === 1) return c.name;
  }
  return '';
}

/** Reparser is a precedence-climbing parser over the linearised operator-level items. */
class Reparser {
  private readonly conv: OperandBuilder;
  private readonly items: Item[];
  private i = 0;
  constructor(conv: OperandBuilder, items: Item[]) {
    this.conv = conv;
    this.items = items;
  }

  done(): boolean {
    return this.i >= this.items.length;
  }

  position(): number {
    const it = this.items[this.i];
    if (!it) return 0;
    return it.k === 'number' ? it.expr.start : it.k === 'unary' ? it.at : it.node.from;
  }

  parse(minPrec: number): Expr {
    let left = this.unary();
    for (;;) {
      const it = this.items[this.i];
      if (!it || it.k !== 'binop') break;
      const opName = operatorName(it.node);
      const prec = PRECEDENCE[opName] ?? 0;
      if (prec < minPrec) break;
      this.i++;
      // `^` is right-associative; the others are left-associative.
      const right = this.parse(opName === 'Pow' ? prec : prec + 1);
      left = this.conv.binary(it.node, left, right);
    }
    return left;
  }

  private unary(): Expr {
    const it = this.items[this.i];
    if (it?.k === 'unary') {
      this.i++;
      // Unary minus has `*`'s precedence: it binds only `^` (and postfix modifiers) tighter.
      const e = this.parse(POW_PRECEDENCE);
      if (e.kind === 'number') {
        // As Prometheus' parser: a signed number literal is a number, not a unary expression.
        return { kind: 'number', value: it.op === '-' ? -e.value : e.value, start: it.at, end: e.end };
      }
      return { kind: 'unary', op: it.op, expr: e, start: it.at, end: e.end };
    }
    return this.primary();
  }

  private primary(): Expr {
    const it = this.items[this.i++];
    let e: Expr;
    if (it?.k === 'atom') e = this.conv.atom(it.node);
    else if (it?.k === 'number') e = it.expr;
    else throw new ParseFailure('syntax error: unexpected operator', it === undefined ? 0 : this.position());
    for (let p = this.items[this.i]; p?.k === 'postfix'; p = this.items[this.i]) {
      this.i++;
      e = this.conv.postfix(p.node, e);
    }
    return e;
  }
}

/** reparse builds the expression the items spell, with Prometheus' precedences. */
export function reparse(builder: OperandBuilder, items: Item[]): Expr {
  const p = new Reparser(builder, items);
  const e = p.parse(0);
  if (!p.done()) throw new ParseFailure('syntax error: unexpected input', p.position());
  return e;
}
