/**
 * Sharing within an evaluation time (eval-memo.ts, SampleStore.memoize) never changes an answer:
 * random expressions evaluated one after another against one sharing store, with writes in
 * between (as a group's recording rules write), answer exactly what a store that computes
 * everything afresh answers: same samples, same order, same values, same errors.
 */
import { describe, expect, it } from 'vitest';
import { compilePromQL } from '../../../src/rules/promql/compile.ts';
import type { PromQLCompat, Value } from '../../../src/rules/types.ts';
import { SampleStore } from '../../../src/series/sample-store.ts';
import { ExprGen } from './expr-gen.ts';
import { loadStore, ms } from './harness.ts';

const SERIES = {
  'x{a="1", b="2"}': '1+1x20',
  'x{a="2"}': '5 stale 7 9 12 3 4 _ 8 10 11 30 31 32 40 2 3 4 5 6 7',
  'x{a="3", b="1"}': '100-7x20',
  'y{a="1"}': '3 3.5 4 7 1 2 9 9 9 10 11 12 0 1 2 3 4 5 6 7 8',
  'y{a="2", b="2"}': '0x20',
  'h_bucket{a="1", le="0.5"}': '0+1x20',
  'h_bucket{a="1", le="+Inf"}': '0+4x20',
  'h_bucket{a="2", le="1"}': '0+2x20',
  'h_bucket{a="2", le="+Inf"}': '2+5x20',
};

const TIMES = ['5m', '10m', '20m'];

function copyInto(target: SampleStore, from: SampleStore): SampleStore {
  for (const s of from.select([], -Infinity, Infinity)) for (const p of s.points) p.stale ? target.markStale(s.labels, p.t) : target.append(s.labels, p.t, p.v);
  return target;
}

type Outcome = { ok: Value } | { error: string };

function run(text: string, at: number, store: SampleStore, compat: PromQLCompat): Outcome {
  try {
    return { ok: compilePromQL(text).evaluate(at, store, { compat, lookbackDeltaMs: 300_000 }) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe('sharing results within an evaluation time', () => {
  for (const compat of [2, 3] as const) {
    it(`answers as computing afresh (compat ${compat})`, () => {
      const loaded = loadStore(SERIES);
      const shared = copyInto(new SampleStore({ retentionMs: 365 * 86_400_000, maxSamples: 1e7 }), loaded);
      const fresh = copyInto(new SampleStore({ retentionMs: 365 * 86_400_000, maxSamples: 1e7, memoize: false }), loaded);
      const gen = new ExprGen(7 + compat);
      let hits = 0;
      for (let i = 0; i < 600; i++) {
        // The same time for runs of 40 expressions, as a tick's rules; then the next time.
        const at = ms(TIMES[Math.floor(i / 40) % TIMES.length] as string);
        if (i % 9 === 8) {
          // A rule's output: a new series of x (or y) that selections made earlier in the tick must now see.
          const labels = { __name__: i % 2 === 0 ? 'x' : 'y', a: `w${i}` };
          shared.append(labels, at - 1000, i);
          fresh.append(labels, at - 1000, i);
        }
        const text = gen.vector(1 + (i % 4));
        const a = run(text, at, shared, compat);
        const b = run(text, at, fresh, compat);
        expect(a, text).toEqual(b);
        if ('ok' in a) hits++;
      }
      // Most expressions evaluate: the comparison is not vacuous.
      expect(hits).toBeGreaterThan(300);
    });
  }

  it('sees, later in the same tick, what a rule wrote earlier', () => {
    const store = loadStore({ 'x{a="1"}': '1x10' });
    const at = ms('5m');
    const count = compilePromQL('count(x)');
    const value = (v: Value) => (v.type === 'vector' ? v.samples.map((s) => s.value) : []);
    expect(value(count.evaluate(at, store))).toEqual([1]);
    store.append({ __name__: 'x', a: '2' }, at, 1);
    expect(value(count.evaluate(at, store))).toEqual([2]);
    store.append({ __name__: 'other' }, at, 1);
    expect(value(count.evaluate(at, store))).toEqual([2]);
  });
});
