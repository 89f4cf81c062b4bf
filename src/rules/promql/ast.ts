/**
 * The typed syntax tree the compiler builds from the lezer parse tree and the evaluator walks.
 * Positions are 0-based character offsets into the expression text ([start, end)).
 */
import type { Matcher } from '../types.ts';
import { FUNCTIONS } from './function-signatures.ts';

/** ValueType is a PromQL expression's static type, as Prometheus' parser assigns it. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** Span is where a node stands in the expression text. */
export interface Span {
  start: number;
  end: number;
}

/** CompiledMatcher is a label matcher with its regexps compiled for both window semantics. */
export interface CompiledMatcher extends Matcher {
  /** test is the matcher's predicate on a label value (absent labels read as ""). */
  test(value: string, dotAll: boolean): boolean;
}

/** AtModifier is `@ <seconds>` (held in ms) or `@ start()` / `@ end()`. */
export type AtModifier = { kind: 'time'; ms: number } | { kind: 'start' } | { kind: 'end' };

export interface NumberNode extends Span {
  kind: 'number';
  value: number;
}

export interface StringNode extends Span {
  kind: 'string';
  value: string;
}

export interface VectorSelectorNode extends Span {
  kind: 'vector';
  /** The metric name written before the braces, if any (it is also one of the matchers). */
  name: string | undefined;
  matchers: CompiledMatcher[];
  /** Plain matchers for SeriesSource.select. */
  plainMatchers: Matcher[];
  offsetMs: number;
  offsetSet: boolean;
  at: AtModifier | undefined;
}

export interface MatrixSelectorNode extends Span {
  kind: 'matrix';
  selector: VectorSelectorNode;
  rangeMs: number;
}

export interface CallNode extends Span {
  kind: 'call';
  name: string;
  args: Expr[];
  /** label_replace's regexp, compiled at compile time for both window semantics. */
  regex?: { re2: RegExp; re3: RegExp; names: string[] };
}

/** AggregateOp is one of the supported aggregation operators. */
export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'count_values'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile';

export interface AggregateNode extends Span {
  kind: 'aggregate';
  op: AggregateOp;
  param: Expr | undefined;
  expr: Expr;
  /** Grouping labels, sorted. */
  grouping: string[];
  without: boolean;
}

/** BinaryOp is one of the supported binary operators. */
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '==' | '!=' | '>' | '<' | '>=' | '<=' | 'and' | 'or' | 'unless';

/** Cardinality of vector matching, as Prometheus' VectorMatching.Card. */
export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  card: Cardinality;
  /** on(...) when true, ignoring(...) (or no clause) when false. */
  on: boolean;
  labels: string[];
  /** Extra labels of group_left(...) / group_right(...). */
  include: string[];
}

export interface BinaryNode extends Span {
  kind: 'binary';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Set when both sides are instant vectors. */
  matching: VectorMatching | undefined;
  /** Where the operator stands, for error positions. */
  opSpan: Span;
}

export interface UnaryNode extends Span {
  kind: 'unary';
  op: '-' | '+';
  expr: Expr;
}

export interface ParenNode extends Span {
  kind: 'paren';
  expr: Expr;
}

/** Expr is any node of the tree. */
export type Expr =
  | NumberNode
  | StringNode
  | VectorSelectorNode
  | MatrixSelectorNode
  | CallNode
  | AggregateNode
  | BinaryNode
  | UnaryNode
  | ParenNode;

/** COMPARISON_OPS are the comparison operators. */
export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(['==', '!=', '>', '<', '>=', '<=']);
/** SET_OPS are the set operators. */
export const SET_OPS: ReadonlySet<BinaryOp> = new Set(['and', 'or', 'unless']);

/** typeOf is the static type of an expression (after checking). */
export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vector':
      return 'vector';
    case 'matrix':
      return 'matrix';
    case 'aggregate':
      return 'vector';
    case 'call':
      return FUNCTIONS[e.name]?.returns ?? 'vector';
    case 'binary':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
    case 'paren':
      return typeOf(e.expr);
  }
}

/** unwrapParens strips any parentheses around an expression. */
export function unwrapParens(e: Expr): Expr {
  let x = e;
  while (x.kind === 'paren') x = x.expr;
  return x;
}
