/**
 * parseExpr turns PromQL text into the typed tree of ast.ts: the Prometheus project's own lezer
 * grammar parses, and this walk converts its concrete tree, applying the structural rules
 * Prometheus' yacc parser applies while building its AST (offset/@ placement, ranges only on
 * selectors, number folding of unary minus). It refuses what the engine does not support.
 * Type checking is check.ts' job.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { Matcher, MatchType } from '../types.ts';
import type {
  AggregateOp,
  AtModifier,
  BinaryNode,
  BinaryOp,
  CompiledMatcher,
  Expr,
  NumberNode,
  Span,
  VectorMatching,
  VectorSelectorNode,
} from './ast.ts';
import { FUNCTIONS, PROMETHEUS_ONLY } from './function-signatures.ts';
import { parseDurationLiteral, parseNumber, unquoteString } from './literals.ts';
import { compileAnchored, RegexSyntaxError } from './regex.ts';
import { ParseFailure } from './errors.ts';
import { reparse, type Item, type OperandBuilder, type SyntaxNode } from './precedence.ts';

const AGGREGATE_OPS: ReadonlySet<string> = new Set([
  'sum', 'avg', 'min', 'max', 'count', 'count_values', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile',
]);
const PARAM_AGGREGATES: ReadonlySet<string> = new Set(['count_values', 'topk', 'bottomk', 'quantile']);

const BINARY_OPS: Readonly<Record<string, BinaryOp>> = {
  Pow: '^', Mul: '*', Div: '/', Mod: '%', Add: '+', Sub: '-', Eql: '==', Neq: '!=', Gtr: '>', Lss: '<',
  Gte: '>=', Lte: '<=', And: 'and', Or: 'or', Unless: 'unless',
};

const MATCH_OPS: Readonly<Record<string, MatchType>> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

/** parseExpr parses `text` into an expression tree, or throws ParseFailure. */
export function parseExpr(text: string): Expr {
  if (text.trim() === '') throw new ParseFailure('no expression found in input', 0);
  const tree = parser.parse(text);
  reportFirstSyntaxError(text, tree.topNode);
  const top = children(tree.topNode);
  if (top.length !== 1) throw new ParseFailure('syntax error: unexpected input', top[1]?.from ?? 0);
  return new Converter(text).expr(top[0] as SyntaxNode);
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'LineComment') out.push(c);
  return out;
}

function reportFirstSyntaxError(text: string, top: SyntaxNode): void {
  let found: SyntaxNode | undefined;
  const cursor = top.cursor();
  do {
    if (cursor.type.isError) {
      found = cursor.node;
      break;
    }
  } while (cursor.next());
  // An unterminated string is a valid token in the grammar; Prometheus' lexer rejects it.
  const strings = top.cursor();
  do {
    if (strings.name === 'StringLiteral' && (found === undefined || strings.from < found.from)) {
      const s = text.slice(strings.from, strings.to);
      if (s.length < 2 || s[s.length - 1] !== s[0]) throw new ParseFailure('unterminated quoted string', strings.from);
    }
  } while (strings.next());
  if (!found) return;
  const prev = found.prevSibling;
  if (
    text.slice(found.from, found.to) === '(' &&
    prev?.name === 'Identifier' &&
    found.parent?.name === 'VectorSelector' &&
    found.parent.getChild('LabelMatchers') === null
  ) {
    const name = text.slice(prev.from, prev.to);
    if (PROMETHEUS_ONLY.has(name)) {
      throw new ParseFailure(`function ${JSON.stringify(name)} is not supported by Runwarden's PromQL engine`, prev.from);
    }
    throw new ParseFailure(`unknown function with name ${JSON.stringify(name)}`, prev.from);
  }
  const bad = text.slice(found.from, found.to).trim();
  if (bad === '') {
    throw new ParseFailure(found.from >= text.trimEnd().length ? 'syntax error: unexpected end of input' : 'syntax error', found.from);
  }
  const token = bad.match(/^("[^"]*"?|'[^']*'?|`[^`]*`?|[A-Za-z_:][A-Za-z0-9_:]*|\d[\w.]*|\S)/)?.[0] ?? bad;
  throw new ParseFailure(`syntax error: unexpected ${JSON.stringify(token)}`, found.from);
}

class Converter implements OperandBuilder {
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  private src(n: SyntaxNode | Span): string {
    return 'from' in n ? this.text.slice(n.from, n.to) : this.text.slice(n.start, n.end);
  }

  private fail(message: string, at: number): never {
    throw new ParseFailure(message, at);
  }

  /**
   * expr converts an expression node. The lezer grammar lets postfix modifiers (offset, @, a
   * range) bind looser than binary operators and folds a sign into a number literal, where
   * Prometheus' parser binds the modifiers tightest and treats the sign as a unary operator
   * (with `*`'s precedence). So the operator-level tokens are laid out in text order and parsed
   * again with Prometheus' precedences.
   */
  expr(node: SyntaxNode): Expr {
    const items: Item[] = [];
    this.linearize(node, items);
    return reparse(this, items);
  }

  private linearize(node: SyntaxNode, out: Item[]): void {
    switch (node.name) {
      case 'BinaryExpr': {
        const kids = children(node);
        this.linearize(kids[0] as SyntaxNode, out);
        out.push({ k: 'binop', node });
        this.linearize(kids[kids.length - 1] as SyntaxNode, out);
        return;
      }
      case 'UnaryExpr': {
        const [op, inner] = children(node);
        out.push({ k: 'unary', op: this.src(op as SyntaxNode) as '-' | '+', at: node.from });
        this.linearize(inner as SyntaxNode, out);
        return;
      }
      case 'OffsetExpr':
      case 'StepInvariantExpr':
      case 'MatrixSelector':
      case 'SubqueryExpr':
      case 'AnchoredExpr':
      case 'SmoothedExpr':
        this.linearize(node.firstChild as SyntaxNode, out);
        out.push({ k: 'postfix', node });
        return;
      case 'NumberDurationLiteral': {
        const raw = this.src(node);
        const sign = /^\s*([+-])/.exec(raw);
        if (sign) {
          out.push({ k: 'unary', op: sign[1] as '-' | '+', at: node.from });
          const at = node.from + raw.search(/[^\s+-]/);
          out.push({ k: 'number', expr: this.number(raw.slice(at - node.from), at, node.to) });
          return;
        }
        out.push({ k: 'number', expr: this.number(raw, node.from, node.to) });
        return;
      }
      default:
        out.push({ k: 'atom', node });
    }
  }

  /** atom converts an operand that is not an operator expression. */
  atom(node: SyntaxNode): Expr {
    const span = { start: node.from, end: node.to };
    switch (node.name) {
      case 'ParenExpr': {
        const [inner] = children(node);
        return { kind: 'paren', expr: this.expr(inner as SyntaxNode), ...span };
      }
      case 'StringLiteral':
        return { kind: 'string', value: this.string(node), ...span };
      case 'VectorSelector':
        return this.vectorSelector(node);
      case 'FunctionCall':
        return this.call(node);
      case 'AggregateExpr':
        return this.aggregate(node);
      default:
        return this.fail(`syntax error: unexpected ${JSON.stringify(this.src(node))}`, node.from);
    }
  }

  /** postfix applies an offset, @, range (or a refused subquery/anchored/smoothed) to `e`. */
  postfix(node: SyntaxNode, e: Expr): Expr {
    switch (node.name) {
      case 'OffsetExpr':
        return this.offset(node, e);
      case 'StepInvariantExpr':
        return this.at(node, e);
      case 'MatrixSelector':
        return this.matrixSelector(node, e);
      case 'SubqueryExpr':
        return this.fail("subqueries are not supported by Runwarden's PromQL engine", this.text.indexOf('[', (node.firstChild as SyntaxNode).to));
      default:
        return this.fail(
          `the ${node.name === 'AnchoredExpr' ? 'anchored' : 'smoothed'} modifier is not supported by Runwarden's PromQL engine`,
          node.lastChild?.from ?? node.from,
        );
    }
  }

  private number(text: string, start: number, end: number): NumberNode {
    const body = text.replace(/\s+/g, '');
    const value = parseNumber(body);
    if (value === undefined) {
      const d = parseDurationLiteral(body);
      if (d !== undefined) this.fail(`duration ${body} is not a number here (write the seconds: ${d / 1000})`, start);
      this.fail(`error parsing number: ${JSON.stringify(body)}`, start);
    }
    return { kind: 'number', value, start, end };
  }

  private string(node: SyntaxNode): string {
    const r = unquoteString(this.src(node));
    if ('error' in r) return this.fail(`error unquoting string ${JSON.stringify(this.src(node))}: ${r.error}`, node.from);
    return r.value;
  }

  private labelName(node: SyntaxNode): string {
    if (node.name === 'LabelName') return this.src(node);
    // QuotedLabelName wraps a StringLiteral (UTF-8 label names, Prometheus 3).
    const s = node.name === 'StringLiteral' ? node : node.getChild('StringLiteral');
    const name = this.string(s as SyntaxNode);
    if (name === '') this.fail('label name must not be empty', node.from);
    return name;
  }

  private vectorSelector(node: SyntaxNode): VectorSelectorNode {
    const ident = node.getChild('Identifier');
    const name = ident ? this.src(ident) : undefined;
    const matchers: CompiledMatcher[] = [];
    let nameFromBraces: { value: string; at: number } | undefined;
    const lm = node.getChild('LabelMatchers');
    if (lm) {
      for (const c of children(lm)) {
        if (c.name === 'QuotedLabelName') {
          // {"metric.name"} names the metric.
          const value = this.labelName(c);
          matchers.push(this.matcher('__name__', '=', value, c.from));
          nameFromBraces ??= { value, at: c.from };
          continue;
        }
        const [ln, op, val] = children(c);
        const label = this.labelName(ln as SyntaxNode);
        const type = MATCH_OPS[(op as SyntaxNode).firstChild?.name ?? ''] as MatchType;
        const value = this.string(val as SyntaxNode);
        if (label === '__name__' && nameFromBraces === undefined) nameFromBraces = { value, at: c.from };
        matchers.push(this.matcher(label, type, value, c.from));
      }
    }
    if (name !== undefined) {
      if (nameFromBraces !== undefined) {
        this.fail(`metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(nameFromBraces.value)}`, node.from);
      }
      matchers.push(this.matcher('__name__', '=', name, node.from));
    }
    if (name === undefined && !matchers.some((mt) => !mt.test('', false))) {
      this.fail('vector selector must contain at least one non-empty matcher', node.from);
    }
    return {
      kind: 'vector',
      name,
      matchers,
      plainMatchers: matchers.map((mt) => ({ name: mt.name, type: mt.type, value: mt.value })),
      offsetMs: 0,
      offsetSet: false,
      at: undefined,
      start: node.from,
      end: node.to,
    };
  }

  private matcher(name: string, type: MatchType, value: string, at: number): CompiledMatcher {
    const plain: Matcher = { name, type, value };
    if (type === '=') return { ...plain, test: (v) => v === value };
    if (type === '!=') return { ...plain, test: (v) => v !== value };
    let re2: RegExp;
    let re3: RegExp;
    try {
      re2 = compileAnchored(value, false);
      re3 = compileAnchored(value, true);
    } catch (err) {
      if (err instanceof RegexSyntaxError) this.fail(err.message, at);
      throw err;
    }
    const negate = type === '!~';
    return { ...plain, test: (v, dotAll) => (dotAll ? re3 : re2).test(v) !== negate };
  }

  private duration(node: SyntaxNode | null, what: string): number {
    if (!node) return this.fail(`missing ${what}`, 0);
    const kids = children(node);
    if (node.name === 'NumberDurationLiteralInDurationContext') {
      const d = parseDurationLiteral(this.src(node));
      if (d === undefined) this.fail(`not a valid duration string: ${JSON.stringify(this.src(node))}`, node.from);
      if (d === 0) this.fail('duration must be greater than 0', node.from);
      return d;
    }
    if (kids.length === 1 && (node.name === 'DurationExpr' || node.name === 'OffsetDurationExpr')) {
      return this.duration(kids[0] as SyntaxNode, what);
    }
    return this.fail(`duration expressions are not supported by Runwarden's PromQL engine: ${this.src(node)}`, node.from);
  }

  private matrixSelector(node: SyntaxNode, sel: Expr): Expr {
    const bracket = this.text.indexOf('[', (node.firstChild as SyntaxNode).to);
    if (sel.kind !== 'vector') return this.fail('ranges only allowed for vector selectors', bracket);
    if (sel.offsetSet) return this.fail('no offset modifiers allowed before range', bracket);
    if (sel.at) return this.fail('no @ modifiers allowed before range', bracket);
    const dur = children(node)[1];
    return { kind: 'matrix', selector: sel, rangeMs: this.duration(dur ?? null, 'range'), start: sel.start, end: node.to };
  }

  private selectorOf(e: Expr, what: 'offset' | '@'): VectorSelectorNode {
    if (e.kind === 'vector') return e;
    if (e.kind === 'matrix') return e.selector;
    const message =
      what === 'offset'
        ? 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery'
        : '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery';
    return this.fail(message, e.start);
  }

  private offset(node: SyntaxNode, e: Expr): Expr {
    const [, , durNode] = children(node);
    const sel = this.selectorOf(e, 'offset');
    let sign = 1;
    let d = durNode as SyntaxNode;
    // OffsetDurationExpr { UnaryOp OffsetDurationExpr | durationPrimary }
    while (d.name === 'OffsetDurationExpr' && d.firstChild?.name === 'UnaryOp') {
      if (this.src(d.firstChild) === '-') sign = -sign;
      d = d.lastChild as SyntaxNode;
    }
    const ms = this.duration(d, 'offset');
    if (sel.offsetSet) this.fail('offset may not be set multiple times', e.start);
    sel.offsetMs = sign * ms;
    sel.offsetSet = true;
    e.end = node.to;
    return e;
  }

  private at(node: SyntaxNode, e: Expr): Expr {
    const kids = children(node);
    const sel = this.selectorOf(e, '@');
    const arg = kids[2] as SyntaxNode;
    let at: AtModifier;
    if (arg.name === 'AtModifierPreprocessors') {
      at = { kind: arg.firstChild?.name === 'AtStart' ? 'start' : 'end' };
    } else {
      const raw = this.src(arg).replace(/\s+/g, '');
      const unsigned = raw.replace(/^[+-]/, '');
      const n = this.number(unsigned, arg.from, arg.to);
      const ts = raw.startsWith('-') ? -n.value : n.value;
      if (!Number.isFinite(ts) || ts >= 9223372036854775807 || ts <= -9223372036854775808) {
        this.fail(`timestamp out of bounds for @ modifier: ${ts}`, arg.from);
      }
      at = { kind: 'time', ms: goRound(ts * 1000) };
    }
    if (sel.at) this.fail('@ <timestamp> may not be set multiple times', e.start);
    sel.at = at;
    e.end = node.to;
    return e;
  }

  private call(node: SyntaxNode): Expr {
    const ident = node.getChild('FunctionIdentifier') as SyntaxNode;
    const name = this.src(ident);
    if (FUNCTIONS[name] === undefined) {
      if (PROMETHEUS_ONLY.has(name)) this.fail(`function ${JSON.stringify(name)} is not supported by Runwarden's PromQL engine`, node.from);
      this.fail(`unknown function with name ${JSON.stringify(name)}`, node.from);
    }
    const body = node.getChild('FunctionCallBody') as SyntaxNode;
    this.noTrailingComma(body);
    const args = children(body).map((c) => this.expr(c));
    return { kind: 'call', name, args, start: node.from, end: node.to };
  }

  private noTrailingComma(body: SyntaxNode): void {
    const inner = this.src(body).slice(0, -1).trimEnd();
    if (inner.endsWith(',')) this.fail('trailing commas not allowed in function call args', body.from + inner.length - 1);
  }

  private aggregate(node: SyntaxNode): Expr {
    const opNode = node.getChild('AggregateOp') as SyntaxNode;
    const op = this.src(opNode).toLowerCase();
    if (!AGGREGATE_OPS.has(op)) this.fail(`aggregation ${op} is not supported by Runwarden's PromQL engine`, node.from);
    let grouping: string[] = [];
    let without = false;
    const mod = node.getChild('AggregateModifier');
    if (mod) {
      without = mod.firstChild?.name === 'Without';
      grouping = this.groupingLabels(mod.getChild('GroupingLabels'));
    }
    const body = node.getChild('FunctionCallBody') as SyntaxNode;
    const args = children(body).map((c) => this.expr(c));
    if (args.length === 0) this.fail('no arguments for aggregate expression provided', node.from);
    const want = PARAM_AGGREGATES.has(op) ? 2 : 1;
    if (args.length !== want) {
      this.fail(`wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`, node.from);
    }
    return {
      kind: 'aggregate',
      op: op as AggregateOp,
      param: want === 2 ? args[0] : undefined,
      expr: args[want - 1] as Expr,
      grouping: [...new Set(grouping)].sort(),
      without,
      start: node.from,
      end: node.to,
    };
  }

  private groupingLabels(node: SyntaxNode | null): string[] {
    if (!node) return [];
    return children(node).map((c) => this.labelName(c));
  }

  /** binary builds a binary expression from a BinaryExpr node's operator and modifiers. */
  binary(node: SyntaxNode, lhs: Expr, rhs: Expr): Expr {
    const kids = children(node);
    const opNode = kids[1] as SyntaxNode;
    if (opNode.name === 'Atan2' || opNode.name === 'TrimUpper' || opNode.name === 'TrimLower') {
      this.fail(`operator ${JSON.stringify(this.src(opNode))} is not supported by Runwarden's PromQL engine`, opNode.from);
    }
    const op = BINARY_OPS[opNode.name];
    if (op === undefined) return this.fail(`syntax error: unexpected ${JSON.stringify(this.src(opNode))}`, opNode.from);
    const fill = node.getChild('FillModifier');
    if (fill) this.fail("fill modifiers are not supported by Runwarden's PromQL engine", fill.from);
    const returnBool = node.getChild('BoolModifier') !== null;
    let matching: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
    const mm = node.getChild('MatchingModifierClause');
    if (mm) {
      const mk = children(mm);
      matching.on = mk[0]?.name === 'On';
      matching.labels = this.groupingLabels(mm.getChild('GroupingLabels'));
      const groupNode = mk.find((c) => c.name === 'GroupLeft' || c.name === 'GroupRight');
      if (groupNode) {
        matching = { ...matching, card: groupNode.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many' };
        const after = mk[mk.indexOf(groupNode) + 1];
        if (after?.name === 'GroupingLabels') matching.include = this.groupingLabels(after);
      }
    }
    const bin: BinaryNode = {
      kind: 'binary',
      op,
      lhs,
      rhs,
      returnBool,
      matching,
      opSpan: { start: opNode.from, end: opNode.to },
      start: lhs.start,
      end: rhs.end,
    };
    return bin;
  }
}

/** goRound rounds half away from zero, as Go's math.Round. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}
