/**
 * SampleStore: series identity by label set, time order, stale markers, the retention window, the
 * sample budget (oldest dropped first, counted), the name index, and the SeriesSource contract.
 */
import { describe, expect, it } from 'vitest';
import type { Matcher, RangeSeries } from '../../src/rules/types.ts';
import { SampleStore } from '../../src/series/sample-store.ts';

const HOUR = 3600_000;

function store(options: Partial<{ retentionMs: number; maxSamples: number }> = {}): SampleStore {
  return new SampleStore({ retentionMs: options.retentionMs ?? HOUR, maxSamples: options.maxSamples ?? 1_000_000 });
}

const name = (value: string): Matcher => ({ name: '__name__', type: '=', value });

function all(s: SampleStore, matchers: Matcher[], minT = -Infinity, maxT = Infinity): RangeSeries[] {
  return [...s.select(matchers, minT, maxT)];
}

describe('SampleStore', () => {
  it('identifies a series by its label set, whatever the key order', () => {
    const s = store();
    s.append({ __name__: 'up', job: 'a', instance: 'x' }, 0, 1);
    s.append({ instance: 'x', job: 'a', __name__: 'up' }, 1000, 2);
    s.append({ __name__: 'up', job: 'b' }, 0, 3);
    expect(s.seriesCount).toBe(2);
    const a = all(s, [name('up'), { name: 'job', type: '=', value: 'a' }]);
    expect(a).toEqual([{ labels: { __name__: 'up', instance: 'x', job: 'a' }, points: [{ t: 0, v: 1 }, { t: 1000, v: 2 }] }]);
    expect(Object.keys(a[0]?.labels ?? {})).toEqual(['__name__', 'instance', 'job']);
  });

  it('drops empty label values, as Prometheus does', () => {
    const s = store();
    s.append({ __name__: 'up', job: '' }, 0, 1);
    s.append({ __name__: 'up' }, 1000, 2);
    expect(s.seriesCount).toBe(1);
    expect(all(s, [name('up')])[0]?.labels).toEqual({ __name__: 'up' });
    // In the other order too: the empty label does not make a second series.
    s.append({ __name__: 'up', job: '' }, 2000, 3);
    expect(s.seriesCount).toBe(1);
    expect(all(s, [name('up')])[0]?.points.map((p) => p.v)).toEqual([1, 2, 3]);
  });

  it('selects points in [minT, maxT], both ends included, and only series with a point there', () => {
    const s = store();
    for (let t = 0; t <= 10_000; t += 1000) s.append({ __name__: 'a' }, t, t / 1000);
    s.append({ __name__: 'a', old: 'yes' }, 0, 0);
    expect(all(s, [name('a')], 3000, 5000)).toEqual([{ labels: { __name__: 'a' }, points: [{ t: 3000, v: 3 }, { t: 4000, v: 4 }, { t: 5000, v: 5 }] }]);
    expect(all(s, [name('a')], 10_001, 20_000)).toEqual([]);
  });

  it('honours all four matcher types, absent labels reading as empty', () => {
    const s = store();
    s.append({ __name__: 'q', queue: 'builds' }, 0, 1);
    s.append({ __name__: 'q', queue: 'deploys', env: 'prod' }, 0, 2);
    s.append({ __name__: 'q', queue: 'bb' }, 0, 3);
    const values = (ms: Matcher[]) => all(s, [name('q'), ...ms]).map((r) => r.points[0]?.v).sort();
    expect(values([{ name: 'queue', type: '=~', value: 'b.*' }])).toEqual([1, 3]);
    expect(values([{ name: 'queue', type: '=~', value: 'b' }])).toEqual([]);
    expect(values([{ name: 'queue', type: '!~', value: 'b.*' }])).toEqual([2]);
    expect(values([{ name: 'env', type: '!=', value: 'prod' }])).toEqual([1, 3]);
    expect(values([{ name: 'env', type: '=', value: '' }])).toEqual([1, 3]);
  });

  it('finds series by a regexp over the metric name, and series without a name', () => {
    const s = store();
    s.append({ __name__: 'runwarden_a' }, 0, 1);
    s.append({ __name__: 'runwarden_b' }, 0, 2);
    s.append({ __name__: 'other' }, 0, 3);
    s.append({ job: 'nameless' }, 0, 4);
    const v = (ms: Matcher[]) => all(s, ms).map((r) => r.points[0]?.v).sort();
    expect(v([{ name: '__name__', type: '=~', value: 'runwarden_.*' }])).toEqual([1, 2]);
    expect(v([{ name: 'job', type: '=', value: 'nameless' }])).toEqual([4]);
    expect(v([{ name: '__name__', type: '=~', value: '.*' }])).toEqual([1, 2, 3, 4]);
  });

  it('writes stale markers as points with stale: true, once', () => {
    const s = store();
    const l = { __name__: 'run_active', run_id: 'r-1' };
    s.append(l, 0, 1);
    s.markStale(l, 1000);
    s.markStale(l, 2000);
    s.markStale({ __name__: 'unknown' }, 2000);
    expect(all(s, [name('run_active')])[0]?.points).toEqual([{ t: 0, v: 1 }, { t: 1000, v: NaN, stale: true }]);
    expect(s.seriesCount).toBe(1);
  });

  it('refuses a stale marker at the time of the series\' last sample: that sample stays', () => {
    const s = store();
    const l = { __name__: 'job:up:sum', job: 'api' };
    s.append(l, 1000, 1);
    s.append(l, 2000, 2);
    s.markStale(l, 2000);
    expect(all(s, [name('job:up:sum')])[0]?.points).toEqual([{ t: 1000, v: 1 }, { t: 2000, v: 2 }]);
    s.markStale(l, 3000);
    expect(all(s, [name('job:up:sum')])[0]?.points.at(-1)).toEqual({ t: 3000, v: NaN, stale: true });
  });

  it('refuses out-of-order samples and replaces a sample at the same time', () => {
    const s = store();
    const l = { __name__: 'x' };
    s.append(l, 2000, 1);
    s.append(l, 1000, 2);
    s.append(l, 2000, 3);
    expect(all(s, [name('x')])[0]?.points).toEqual([{ t: 2000, v: 3 }]);
    expect(s.outOfOrderSamples).toBe(1);
    expect(s.sampleCount).toBe(1);
  });

  it('keeps only the retention window behind each series newest sample', () => {
    const s = store({ retentionMs: 10_000 });
    for (let t = 0; t <= 30_000; t += 1000) s.append({ __name__: 'x' }, t, t);
    const points = all(s, [name('x')])[0]?.points ?? [];
    expect(points[0]?.t).toBe(20_000);
    expect(points).toHaveLength(11);
    expect(s.expiredSamples).toBe(20);
    expect(s.droppedSamples).toBe(0);
  });

  it('compact() expires other series too and forgets empty ones', () => {
    const s = store({ retentionMs: 10_000 });
    s.append({ __name__: 'gone' }, 0, 1);
    s.append({ __name__: 'kept' }, 5000, 1);
    s.append({ __name__: 'kept' }, 20_000, 2);
    expect(s.seriesCount).toBe(2);
    s.compact();
    expect(s.seriesCount).toBe(1);
    expect(all(s, [name('gone')])).toEqual([]);
    expect(all(s, [name('kept')])[0]?.points).toEqual([{ t: 20_000, v: 2 }]);
    s.compact(40_000);
    expect(s.seriesCount).toBe(0);
    expect(s.sampleCount).toBe(0);
    expect(s.expiredSamples).toBe(3);
  });

  it('drops the oldest samples first past maxSamples, and counts them', () => {
    const s = store({ maxSamples: 5 });
    s.append({ __name__: 'a' }, 0, 0);
    s.append({ __name__: 'b' }, 1000, 1);
    s.append({ __name__: 'a' }, 2000, 2);
    s.append({ __name__: 'b' }, 3000, 3);
    s.append({ __name__: 'c' }, 4000, 4);
    s.append({ __name__: 'c' }, 5000, 5);
    s.append({ __name__: 'c' }, 6000, 6);
    expect(s.sampleCount).toBe(5);
    expect(s.droppedSamples).toBe(2);
    expect(all(s, [name('a')])[0]?.points).toEqual([{ t: 2000, v: 2 }]);
    expect(all(s, [name('b')])[0]?.points).toEqual([{ t: 3000, v: 3 }]);
    expect(all(s, [name('c')])[0]?.points.map((p) => p.v)).toEqual([4, 5, 6]);
  });

  it('reuses a series after it emptied out', () => {
    const s = store({ retentionMs: 1000 });
    const l = { __name__: 'x' };
    s.append(l, 0, 1);
    s.compact(10_000);
    expect(s.seriesCount).toBe(0);
    s.append(l, 20_000, 2);
    expect(all(s, [name('x')])[0]?.points).toEqual([{ t: 20_000, v: 2 }]);
  });

  it('grows and compacts its per-series arrays without losing points', () => {
    const s = store({ retentionMs: 50_000, maxSamples: 1_000_000 });
    for (let t = 0; t < 1000_000; t += 1000) s.append({ __name__: 'x' }, t, t);
    const points = all(s, [name('x')])[0]?.points ?? [];
    expect(points).toHaveLength(51);
    expect(points.every((p, i) => p.t === 949_000 + i * 1000 && p.v === p.t)).toBe(true);
  });

  it('offers the latest point and column views for the evaluator', () => {
    const s = store();
    const l = { __name__: 'x', job: 'a' };
    for (let t = 0; t <= 5000; t += 1000) s.append(l, t, t);
    s.markStale(l, 6000);
    expect([...s.selectLatest([name('x')], 0, 4500)].map((c) => [c.t[c.from], c.v[c.from], c.stale[c.from]])).toEqual([[4000, 4000, 0]]);
    expect([...s.selectLatest([name('x')], 0, 9000)].map((c) => c.stale[c.from])).toEqual([1]);
    expect([...s.selectLatest([name('x')], 7000, 9000)]).toEqual([]);
    const cols = [...s.selectColumns([name('x')], 1000, 3000)];
    expect(cols.map((c) => Array.from(c.t).slice(c.from, c.to))).toEqual([[1000, 2000, 3000]]);
    // noStale is a per-series hint: false while the series holds a stale marker anywhere.
    expect(cols[0]?.noStale).toBe(false);
    s.append({ __name__: 'y' }, 0, 1);
    expect([...s.selectColumns([name('y')], 0, 9000)][0]?.noStale).toBe(true);
  });

  it('validates its bounds', () => {
    expect(() => new SampleStore({ retentionMs: 0, maxSamples: 10 })).toThrow(RangeError);
    expect(() => new SampleStore({ retentionMs: 10, maxSamples: 0 })).toThrow(RangeError);
  });
});
