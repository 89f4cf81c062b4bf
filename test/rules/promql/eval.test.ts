/**
 * The evaluator against the case tables of ./cases, in both window semantics. The compat 2
 * expectations are Prometheus 2.42's answers: promtool-agreement.test.ts runs the same tables
 * through the real promtool.
 */
import { describe, expect, it } from 'vitest';
import { compilePromQL } from '../../../src/rules/promql/compile.ts';
import { aggregationCases } from './cases/aggregations.ts';
import { binaryCases } from './cases/binary.ts';
import { functionCases } from './cases/functions.ts';
import { rangeFunctionCases } from './cases/range-functions.ts';
import { selectorCases } from './cases/selectors.ts';
import { PromQLEvalError } from '../../../src/rules/promql/errors.ts';
import { loadStore, plainSource, runCase, type EvalCase } from './harness.ts';

const tables: Record<string, EvalCase[]> = {
  selectors: selectorCases,
  'range functions': rangeFunctionCases,
  functions: functionCases,
  aggregations: aggregationCases,
  'binary operators': binaryCases,
};

for (const [table, cases] of Object.entries(tables)) {
  describe(table, () => {
    for (const compat of [2, 3] as const) {
      describe(`compat ${compat}`, () => {
        it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => runCase(c, compat));
      });
    }
    describe('through a bare SeriesSource (no fast paths, unsorted label keys)', () => {
      it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
        runCase(c, 2, plainSource);
        runCase(c, 3, plainSource);
      });
    });
  });
}

describe('evaluation options and value types', () => {
  const store = loadStore({ 'x{a="1"}': '1 2 _x10' });
  const at = (expr: string, t: number, lookbackDeltaMs = 300_000) => compilePromQL(expr).evaluate(t, store, { compat: 3, lookbackDeltaMs });

  it('honours a shorter look-back delta', () => {
    expect(at('x', 150_000)).toEqual({ type: 'vector', samples: [{ labels: { __name__: 'x', a: '1' }, value: 2 }] });
    expect(at('x', 150_000, 60_000)).toEqual({ type: 'vector', samples: [] });
    expect(at('x', 119_999, 60_000)).toEqual({ type: 'vector', samples: [{ labels: { __name__: 'x', a: '1' }, value: 2 }] });
  });

  it('returns a matrix for a range selector, stale markers and window edges applied', () => {
    expect(at('x[2m]', 120_000)).toEqual({ type: 'matrix', series: [{ labels: { __name__: 'x', a: '1' }, points: [{ t: 60_000, v: 2 }] }] });
  });

  it('returns scalars and strings', () => {
    expect(at('1 + 2', 0)).toEqual({ type: 'scalar', value: 3 });
    expect(at('"text"', 0)).toEqual({ type: 'string', value: 'text' });
  });

  it('uses Prometheus 3 semantics and a 5m look-back by default', () => {
    expect(compilePromQL('x').evaluate(360_000, store)).toEqual({ type: 'vector', samples: [] });
    expect(compilePromQL('x').evaluate(359_999, store)).toEqual({ type: 'vector', samples: [{ labels: { __name__: 'x', a: '1' }, value: 2 }] });
  });

  it('throws PromQLEvalError with a stable code', () => {
    const s = loadStore({ 'a{job="x"}': '1', 'b{job="x"}': '2' });
    let err: unknown;
    try {
      compilePromQL('{__name__=~"a|b"} + 1').evaluate(0, s, { compat: 3, lookbackDeltaMs: 300_000 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PromQLEvalError);
    expect((err as PromQLEvalError).code).toBe('RUNWARDEN_ERR_PROMQL_EVAL');
  });
});

describe('result order', () => {
  const store = loadStore({ 'x{a="1"}': '3', 'x{a="2"}': 'NaN', 'x{a="3"}': '1', 'x{a="4"}': '2' });
  const order = (expr: string) => {
    const v = compilePromQL(expr).evaluate(0, store, { compat: 3, lookbackDeltaMs: 300_000 });
    return v.type === 'vector' ? v.samples.map((s) => s.labels.a) : [];
  };

  it('sort is ascending with NaN last; sort_desc descending with NaN last', () => {
    expect(order('sort(x)')).toEqual(['3', '4', '1', '2']);
    expect(order('sort_desc(x)')).toEqual(['1', '4', '3', '2']);
  });

  it('topk and bottomk come out best first', () => {
    expect(order('topk(3, x)')).toEqual(['1', '4', '3']);
    expect(order('bottomk(3, x)')).toEqual(['3', '4', '1']);
  });

  it('sort_by_label orders label values naturally', () => {
    const s = loadStore({ 'y{n="r10"}': '1', 'y{n="r9"}': '1', 'y{n="r100"}': '1' });
    const v = compilePromQL('sort_by_label(y, "n")').evaluate(0, s, { compat: 3, lookbackDeltaMs: 300_000 });
    expect(v.type === 'vector' && v.samples.map((x) => x.labels.n)).toEqual(['r9', 'r10', 'r100']);
    const d = compilePromQL('sort_by_label_desc(y, "n")').evaluate(0, s, { compat: 3, lookbackDeltaMs: 300_000 });
    expect(d.type === 'vector' && d.samples.map((x) => x.labels.n)).toEqual(['r100', 'r10', 'r9']);
  });
});
