/**
 * The sample store's inverted index and selection memo: whatever series come and go (appends,
 * stale markers, expiry, the sample budget), a select answers exactly what a naive filter over
 * every live series answers, in the same (creation) order (`{__name__=""}` reading as "no name", as
 * in Prometheus); a memoised selection is recomputed
 * exactly when a series it could read changed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Labels, Matcher } from '../../src/rules/types.ts';
import { SampleStore } from '../../src/series/sample-store.ts';

const NAMES = ['up', 'age', 'ratio'];
const LABELS = ['job', 'wf', 'task'];
const VALUES = ['a', 'b', 'c'];

const labelsArb: fc.Arbitrary<Labels> = fc.record(
  { __name__: fc.constantFrom(...NAMES), job: fc.constantFrom(...VALUES), wf: fc.constantFrom(...VALUES, ''), task: fc.constantFrom(...VALUES) },
  { requiredKeys: [] },
);

const matcherArb: fc.Arbitrary<Matcher> = fc.record({
  name: fc.constantFrom('__name__', ...LABELS),
  type: fc.constantFrom('=' as const, '!=' as const, '=~' as const, '!~' as const),
  value: fc.constantFrom(...NAMES, ...VALUES, '', 'a|b', 'u.*', '.+'),
});

type Op = { kind: 'append'; labels: Labels; dt: number } | { kind: 'stale'; labels: Labels } | { kind: 'compact'; dt: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), labels: labelsArb, dt: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), labels: labelsArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), dt: fc.integer({ min: 0, max: 20 }) }) },
);

/** naive is the definition: every live series (first appended first) whose labels satisfy every matcher. */
function naive(live: Map<string, Labels>, matchers: readonly Matcher[]): string[] {
  const out: string[] = [];
  for (const [key, labels] of live) {
    const ok = matchers.every((m) => {
      const v = labels[m.name] ?? '';
      const re = new RegExp(`^(?:${m.value})$`, 's');
      return m.type === '=' ? v === m.value : m.type === '!=' ? v !== m.value : m.type === '=~' ? re.test(v) : !re.test(v);
    });
    if (ok) out.push(key);
  }
  return out;
}

const keyOf = (l: Labels) =>
  JSON.stringify(
    Object.entries(l)
      .filter(([, v]) => v !== '')
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

describe('SampleStore index', () => {
  it('selects exactly what a naive filter over all series selects, in the same order', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.array(fc.array(matcherArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }), (ops, queries) => {
        const s = new SampleStore({ retentionMs: 10, maxSamples: 40 });
        // The model: series in creation order; a series that empties out is forgotten and, if
        // written again, comes last. Points and expiry are the store's; the model reads them back.
        let t = 0;
        for (const op of ops) {
          if (op.kind === 'append') s.append(op.labels, (t += op.dt), t * 10 + op.dt);
          else if (op.kind === 'stale') s.markStale(op.labels, t);
          else s.compact(t + op.dt);
        }
        const live = new Map<string, Labels>();
        for (const r of s.select([], -Infinity, Infinity)) live.set(keyOf(r.labels), r.labels);
        for (const q of queries) {
          const got = [...s.select(q, -Infinity, Infinity)].map((r) => keyOf(r.labels));
          const latest = [...s.selectLatest(q, -Infinity, Infinity)].map((r) => keyOf(r.labels));
          // A regexp over the name without an equality on it answers grouped by name.
          const byName = q.some((m) => m.name === '__name__' && m.type === '=~') && !q.some((m) => m.name === '__name__' && m.type === '=' && m.value !== '');
          expect(byName ? [...got].sort() : got).toEqual(byName ? naive(live, q).sort() : naive(live, q));
          expect(latest).toEqual(got);
          // The visitor form answers as the column form, whatever the window.
          for (const [minT, maxT] of [[-Infinity, Infinity], [t - 3, t - 1], [0, Math.floor(t / 2)]] as const) {
            const visited: unknown[] = [];
            s.forEachLatest(q, minT, maxT, (labels, pt, v, stale) => visited.push([keyOf(labels), pt, v, stale]));
            const columns = [...s.selectLatest(q, minT, maxT)].map((c) => [keyOf(c.labels), c.t[c.from], c.v[c.from], c.stale[c.from] === 1]);
            expect(visited).toEqual(columns);
          }
        }
      }),
      { numRuns: 600 },
    );
  });

  it('answers equality matchers on labels other than the name, and none for an unknown value', () => {
    const s = new SampleStore({ retentionMs: 1000, maxSamples: 100 });
    s.append({ __name__: 'age', wf: 'a', run: '1' }, 0, 1);
    s.append({ __name__: 'age', wf: 'b', run: '2' }, 0, 2);
    s.append({ __name__: 'ratio', wf: 'a', run: '1' }, 0, 3);
    const values = (ms: Matcher[]) => [...s.select(ms, 0, 0)].map((r) => r.points[0]?.v);
    expect(values([{ name: 'wf', type: '=', value: 'a' }])).toEqual([1, 3]);
    expect(values([{ name: '__name__', type: '=', value: 'age' }, { name: 'wf', type: '=', value: 'a' }])).toEqual([1]);
    expect(values([{ name: 'wf', type: '=', value: 'z' }])).toEqual([]);
    expect(values([{ name: 'run', type: '=', value: '' }])).toEqual([]);
  });
});

describe('SampleStore.memoize', () => {
  const up: Matcher[] = [{ name: '__name__', type: '=', value: 'up' }];
  const anyName: Matcher[] = [{ name: 'job', type: '=', value: 'a' }];

  it('recomputes only after a change to a series the matchers could select, or at another time', () => {
    const s = new SampleStore({ retentionMs: 60_000, maxSamples: 1000 });
    s.append({ __name__: 'up', job: 'a' }, 0, 1);
    let computed = 0;
    const ask = (ms: Matcher[], at = 0) =>
      s.memoize([ms], at, `k${ms.length}${ms[0]?.value}`, () => {
        computed++;
        return [...s.select(ms, 0, Infinity)].length;
      });
    const cases: Array<[string, () => void, Matcher[], number, number]> = [
      ['first ask computes', () => {}, up, 1, 1],
      ['same ask is shared', () => {}, up, 1, 0],
      ['another metric changing keeps it', () => s.append({ __name__: 'other', job: 'a' }, 1000, 1), up, 1, 0],
      ['a new series of the metric recomputes', () => s.append({ __name__: 'up', job: 'b' }, 1000, 1), up, 2, 1],
      ['a stale marker recomputes', () => s.markStale({ __name__: 'up', job: 'b' }, 2000), up, 2, 1],
      ['expiry recomputes', () => s.compact(61_500), up, 1, 1],
      ['without a name matcher any change recomputes', () => {}, anyName, 0, 1],
      ['... and unchanged it is shared', () => {}, anyName, 0, 0],
      ['... and any append recomputes', () => s.append({ __name__: 'third', job: 'a' }, 70_000, 1), anyName, 1, 1],
    ];
    for (const [what, change, ms, answer, computes] of cases) {
      const before = computed;
      change();
      expect(ask(ms), what).toBe(answer);
      expect(computed - before, what).toBe(computes);
    }
    const before = computed;
    ask(up, 15_000);
    expect(computed - before, 'another evaluation time').toBe(1);
  });

  it('depends on every selection it is given', () => {
    const s = new SampleStore({ retentionMs: 60_000, maxSamples: 1000 });
    const a: Matcher[] = [{ name: '__name__', type: '=', value: 'a' }];
    const b: Matcher[] = [{ name: '__name__', type: '=', value: 'b' }];
    let computed = 0;
    const ask = () => s.memoize([a, b], 0, 'a and b', () => ++computed);
    const cases: Array<[string, () => void, number]> = [
      ['first ask computes', () => {}, 1],
      ['unrelated change keeps it', () => s.append({ __name__: 'c' }, 0, 1), 1],
      ['first selection changing recomputes', () => s.append({ __name__: 'a' }, 0, 1), 2],
      ['second selection changing recomputes', () => s.append({ __name__: 'b' }, 0, 1), 3],
      ['unchanged keeps it', () => {}, 3],
    ];
    for (const [what, change, expected] of cases) {
      change();
      expect(ask(), what).toBe(expected);
    }
  });

  it('computes every time when built with memoize: false', () => {
    const s = new SampleStore({ retentionMs: 60_000, maxSamples: 1000, memoize: false });
    let computed = 0;
    s.memoize([up], 0, 'k', () => ++computed);
    expect(s.memoize([up], 0, 'k', () => ++computed)).toBe(2);
  });
});
