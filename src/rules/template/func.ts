/**
 * The shape of a function (or method) callable from a template: Go's signature, which decides how
 * arguments are checked and converted, and the implementation over GoValues.
 */
import type { GoType, GoValue } from './values.ts';

/** TemplateQuerySample is one element of a query result handed to a template's `query`. */
export interface TemplateQuerySample {
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** TemplateQueryFunc runs a PromQL instant query for a template; throwing makes `query` fail with the message. */
export type TemplateQueryFunc = (expr: string) => readonly TemplateQuerySample[];

/** CallContext is what functions may reach beyond their arguments. */
export interface CallContext {
  /** executeTemplate runs a named template of the same set with `dot` (for `tmpl`). */
  executeTemplate(name: string, dot: GoValue): string;
  query: TemplateQueryFunc | undefined;
  /** Evaluation time for `now`, epoch ms. */
  nowMs: number | undefined;
  externalURL: string;
}

/**
 * GoFunc is a function's Go signature and implementation. `call` returns the result, or throws
 * GoError for a non-nil error result or a panic; execution then fails with
 * `error calling NAME: MESSAGE`.
 */
export interface GoFunc {
  readonly params: readonly GoType[];
  /** Element type of a trailing ...parameter. */
  readonly variadic?: GoType;
  /** Go's builtin and/or short-circuit (they see unevaluated arguments). */
  readonly shortCircuit?: 'and' | 'or';
  call(args: GoValue[], ctx: CallContext): GoValue;
}

/** GoError is an error a template function returned (or a panic it raised), with Go's text. */
export class GoError extends Error {}
