/**
 * Whatever text comes in, compilePromQL either compiles it or throws PromQLError (never a
 * TypeError from a tree shape it did not expect), and whatever compiles evaluates or throws
 * PromQLEvalError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePromQL } from '../../../src/rules/promql/compile.ts';
import { PromQLError, PromQLEvalError } from '../../../src/rules/promql/errors.ts';
import { loadStore } from './harness.ts';

const TOKENS = [
  'x', 'y', '{a="1"}', '{a=~"1|2"}', '[5m]', '[1m:]', 'offset 1m', 'offset -1m', '@ 60', '@ start()', '(', ')', ',',
  '+', '-', '*', '/', '%', '^', '==', '!=', '>', '<', '>=', 'bool', 'and', 'or', 'unless', 'on(a)', 'ignoring(a)',
  'group_left', 'group_right(b)', 'sum', 'by (a)', 'without (a)', 'topk', 'count_values', 'quantile', 'rate', 'abs',
  'histogram_quantile', 'label_replace', 'absent', 'vector', 'scalar', 'time', 'round', '1', '0.5', '-2', 'Inf', 'NaN',
  '"s"', "'t'", '`u`', '"$1"', '"(.*)"', '#c\n', '\n', 'atan2', 'limitk', 'x[5m]', '5m', '}', '{', ']', '[', '=', '"',
];

const store = loadStore({ 'x{a="1", b="2"}': '1+1x10', 'x{a="2"}': '5 stale 7', 'y{a="1"}': '3x10', 'y{a="2", b="2"}': '0x10' });

describe('robustness', () => {
  it('compiles or refuses with PromQLError; evaluates or fails with PromQLEvalError', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 12 }), fc.constantFrom(2 as const, 3 as const), (tokens, compat) => {
        const text = tokens.join(' ');
        let compiled;
        try {
          compiled = compilePromQL(text);
        } catch (err) {
          expect(err, text).toBeInstanceOf(PromQLError);
          const e = err as PromQLError;
          expect(e.position.line, text).toBeGreaterThanOrEqual(1);
          expect(e.position.col, text).toBeGreaterThanOrEqual(1);
          return;
        }
        try {
          compiled.evaluate(300_000, store, { compat, lookbackDeltaMs: 300_000 });
        } catch (err) {
          expect(err, text).toBeInstanceOf(PromQLEvalError);
        }
      }),
      { numRuns: 3000, seed: 42 },
    );
  });
});
