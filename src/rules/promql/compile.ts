/**
 * compilePromQL is the engine's entry point: parse with the Prometheus lezer grammar, refuse what
 * is not supported, type-check as Prometheus does, and return an expression that evaluates as an
 * instant query at any time against any SeriesSource.
 */
import type { CompiledExpr, EvalOptions, SeriesSource, Value } from '../types.ts';
import { typeOf, unwrapParens, type Expr, type ValueType } from './ast.ts';
import { checkExpr } from './check.ts';
import { ParseFailure, PromQLError, positionAt } from './errors.ts';
import { makeContext } from './eval-context.ts';
import { evalExpr } from './eval.ts';
import { formatExpr } from './format.ts';
import { groupNamesOf } from './go-math.ts';
import { parseExpr } from './parse.ts';
import { compileAnchored, RegexSyntaxError } from './regex.ts';
import { checkSampleLimit } from './sample-limit.ts';

/** DEFAULT_EVAL_OPTIONS are Prometheus 3's semantics with its default 5 m look-back delta. */
export const DEFAULT_EVAL_OPTIONS: EvalOptions = { compat: 3, lookbackDeltaMs: 5 * 60_000 };

/** PromQLExpr is a compiled expression; `valueType` is its static type (what evaluate returns). */
export class PromQLExpr implements CompiledExpr {
  readonly text: string;
  readonly valueType: ValueType;
  private readonly ast: Expr;
  constructor(text: string, ast: Expr) {
    this.text = text;
    this.ast = ast;
    this.valueType = typeOf(ast);
  }

  /** evaluate runs the expression as an instant query at `atMs`; throws PromQLEvalError on runtime errors. */
  evaluate(atMs: number, source: SeriesSource, options: EvalOptions = DEFAULT_EVAL_OPTIONS): Value {
    const ctx = makeContext(atMs, source, options.compat, options.lookbackDeltaMs);
    const value = evalExpr(this.ast, ctx);
    if (options.maxSamples !== undefined) checkSampleLimit(this.ast, ctx, options.maxSamples);
    // Inside the evaluator samples and arrays are shared (memoised selections): the caller gets
    // its own, holding labels and value only.
    if (value.type === 'vector') return { type: 'vector', samples: value.samples.map((s) => ({ labels: s.labels, value: s.value })) };
    return value;
  }

  /** toString renders the expression fully parenthesised, showing how it was grouped. */
  toString(): string {
    return formatExpr(this.ast);
  }
}

/** compilePromQL parses and checks `text`; throws PromQLError (with a 1-based position) when refused. */
export function compilePromQL(text: string): PromQLExpr {
  try {
    const ast = parseExpr(text);
    checkExpr(ast);
    prepare(ast);
    return new PromQLExpr(text, ast);
  } catch (err) {
    if (err instanceof ParseFailure) throw new PromQLError(err.message, positionAt(text, err.at), err.at);
    throw err;
  }
}

function stringArg(e: Expr): string {
  const s = unwrapParens(e);
  return s.kind === 'string' ? s.value : '';
}

/**
 * prepare validates what Prometheus would only find at evaluation time but is fixed in the text
 * (label_replace's regexp and label names, count_values' label), and compiles those regexps.
 */
function prepare(e: Expr): void {
  switch (e.kind) {
    case 'paren':
    case 'unary':
      prepare(e.expr);
      return;
    case 'binary':
      prepare(e.lhs);
      prepare(e.rhs);
      return;
    case 'aggregate':
      if (e.param) prepare(e.param);
      prepare(e.expr);
      if (e.op === 'count_values' && stringArg(e.param as Expr) === '') {
        throw new ParseFailure('invalid label name ""', (e.param as Expr).start);
      }
      return;
    case 'call': {
      e.args.forEach(prepare);
      if (e.name === 'label_replace') {
        const dst = e.args[1] as Expr;
        if (stringArg(dst) === '') throw new ParseFailure('invalid destination label name in label_replace(): ', dst.start);
        const reArg = e.args[4] as Expr;
        const re = stringArg(reArg);
        try {
          const re2 = compileAnchored(re, false);
          const re3 = compileAnchored(re, true);
          e.regex = { re2, re3, names: groupNamesOf(re2.source) };
        } catch (err) {
          if (err instanceof RegexSyntaxError) {
            throw new ParseFailure(`invalid regular expression in label_replace(): ${re}: ${err.message}`, reArg.start);
          }
          throw err;
        }
      }
      if (e.name === 'label_join') {
        const dst = e.args[1] as Expr;
        if (stringArg(dst) === '') throw new ParseFailure('invalid destination label name in label_join(): ', dst.start);
        for (const src of e.args.slice(3)) {
          if (stringArg(src) === '') throw new ParseFailure('invalid source label name in label_join(): ', src.start);
        }
      }
      return;
    }
    default:
      return;
  }
}
