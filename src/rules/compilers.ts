/**
 * The real compilers of rule files: the PromQL engine and Prometheus's template language. Kept
 * apart from the loader so the loader can be tested with fakes and the CLI can load it lazily.
 */
import { compilePromQL } from './promql/compile.ts';
import type { RuleCompilers } from './rule-spec.ts';
import { compileTemplate } from './template/index.ts';

/** defaultCompilers compile expressions with compilePromQL and templates with compileTemplate. */
export const defaultCompilers: RuleCompilers = {
  compileExpr: (text) => compilePromQL(text),
  compileTemplate: (text, name) => compileTemplate(text, name),
};
