/**
 * The harness of the evaluator's table-driven tests. A case is promtool's unit-test shape: input
 * series in promtool's notation, an expression, an evaluation time and the expected vector or
 * scalar. `expect` is Prometheus 2.42's answer (what promtool gives: promtool-agreement.test.ts
 * proves it); `expect3` is Prometheus 3's where it differs (windows open at their start).
 */
import { expect } from 'vitest';
import { parseDuration } from '../../../src/config/duration.ts';
import { compilePromQL } from '../../../src/rules/promql/compile.ts';
import { labelsKey } from '../../../src/rules/promql/labels.ts';
import { expandSeriesValues, parseSeriesSelector } from '../../../src/rules/promql/series-notation.ts';
import type { PromQLCompat, Sample, SeriesSource } from '../../../src/rules/types.ts';
import { SampleStore } from '../../../src/series/sample-store.ts';

/** Expect is a case's expected answer: samples as [promtool labels, value], a scalar, or an evaluation error. */
export type Expect = ReadonlyArray<readonly [string, number]> | { scalar: number } | { error: RegExp };

/** EvalCase is one table row. */
export interface EvalCase {
  name: string;
  /** Series selector → values, in promtool notation. */
  series: Readonly<Record<string, string>>;
  /** Sample interval (default 1m). */
  interval?: string;
  expr: string;
  /** Evaluation time as a duration from 0 (promtool's eval_time). */
  at: string;
  expect: Expect;
  /** Prometheus 3's answer when it differs from Prometheus 2's. */
  expect3?: Expect;
  /**
   * promtool loads samples only up to a test group's latest eval_time, and so does the harness;
   * `dataUntil` loads more (promtool-cases.ts adds a later eval_time to the group).
   */
  dataUntil?: string;
  /** Leave out of the promtool file (promtool cannot compare NaN: it uses reflect.DeepEqual). */
  promtool?: false;
}

/** ms reads a promtool duration. */
export function ms(d: string): number {
  const v = parseDuration(d);
  if (v === undefined) throw new Error(`bad duration ${d}`);
  return v;
}

/** loadStore puts a case's series into a fresh SampleStore, up to `untilMs` as promtool does. */
export function loadStore(series: Readonly<Record<string, string>>, interval = '1m', untilMs = Infinity): SampleStore {
  const store = new SampleStore({ retentionMs: 365 * 24 * 3600_000, maxSamples: 10_000_000 });
  for (const [sel, values] of Object.entries(series)) {
    const labels = parseSeriesSelector(sel);
    for (const p of expandSeriesValues(values, ms(interval))) {
      if (p.t > untilMs) break;
      if (p.stale) store.markStale(labels, p.t);
      else store.append(labels, p.t, p.v);
    }
  }
  return store;
}

function sameValue(a: number, b: number): boolean {
  return Object.is(a, b) || (a === b) || (Number.isNaN(a) && Number.isNaN(b));
}

function asMap(samples: ReadonlyArray<Pick<Sample, 'labels' | 'value'>>): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of samples) m.set(labelsKey(s.labels), s.value);
  return m;
}

/**
 * plainSource hides the store's fast paths behind the bare SeriesSource contract, and hands out
 * label objects with their keys in reverse order, as another source might.
 */
export function plainSource(store: SampleStore): SeriesSource {
  return {
    select(matchers, minT, maxT) {
      return [...store.select(matchers, minT, maxT)].map((s) => ({
        labels: Object.fromEntries(Object.entries(s.labels).reverse()),
        points: s.points,
      }));
    },
  };
}

/** runCase evaluates a case under one compat mode and asserts its expectation. */
export function runCase(c: EvalCase, compat: PromQLCompat, wrap: (s: SampleStore) => SeriesSource = (s) => s): void {
  const want = compat === 3 && c.expect3 !== undefined ? c.expect3 : c.expect;
  const store = wrap(loadStore(c.series, c.interval, Math.max(ms(c.at), c.dataUntil === undefined ? 0 : ms(c.dataUntil))));
  const run = () => compilePromQL(c.expr).evaluate(ms(c.at), store, { compat, lookbackDeltaMs: 5 * 60_000 });
  if ('error' in want) {
    expect(run).toThrow(want.error);
    return;
  }
  const got = run();
  if ('scalar' in want) {
    expect(got.type).toBe('scalar');
    if (got.type === 'scalar') expect(sameValue(got.value, want.scalar), `scalar ${got.value}, want ${want.scalar}`).toBe(true);
    return;
  }
  expect(got.type).toBe('vector');
  if (got.type !== 'vector') return;
  const gotMap = asMap(got.samples);
  const wantMap = asMap(want.map(([l, v]) => ({ labels: parseSeriesSelector(l), value: v })));
  expect(gotMap.size, `got ${JSON.stringify(got.samples)}`).toBe(got.samples.length);
  const render = (m: Map<string, number>) => [...m].map(([k, v]) => `${k.replaceAll('\xff', ' ')}=${v}`).sort();
  expect(render(gotMap)).toEqual(render(wantMap));
  for (const [k, v] of wantMap) expect(sameValue(gotMap.get(k) as number, v), `${k}: got ${gotMap.get(k)}, want ${v}`).toBe(true);
}
