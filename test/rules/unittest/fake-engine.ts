/**
 * A small stand-in for the rule engine, so the unit-test runner is tested on its own: a store,
 * series notation (numbers, `_`, `stale`, `AxN`, `A+BxN`), a PromQL subset (a selector with
 * equality matchers, plus `scalar:N`, `matrix`, `fail:message` for result shapes and errors) and
 * rule groups written as functions. Only what the runner's behaviour depends on.
 */
import type { CompiledExpr, Labels, Matcher, Point, RangeSeries, Value } from '../../../src/rules/types.ts';
import type { GroupSetup, LoadedGroups, UnitAlert, UnitEngine, UnitGroup, UnitRule, UnitStore } from '../../../src/rules/unittest/ports.ts';

const key = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

/** FakeStore keeps every point and logs appends, so tests can see when samples arrived. */
export class FakeStore implements UnitStore {
  readonly series = new Map<string, RangeSeries>();
  readonly log: string[] = [];

  append(labels: Labels, t: number, v: number): void {
    this.log.push(`${key(labels)}@${t}=${v}`);
    this.push(labels, { t, v });
  }

  markStale(labels: Labels, t: number): void {
    this.log.push(`${key(labels)}@${t}=stale`);
    this.push(labels, { t, v: Number.NaN, stale: true });
  }

  private push(labels: Labels, p: Point): void {
    const k = key(labels);
    const s = this.series.get(k) ?? { labels, points: [] };
    this.series.set(k, s);
    if (s.points.length === 0 || s.points.at(-1)!.t < p.t) s.points.push(p);
  }

  *select(matchers: readonly Matcher[], minT: number, maxT: number): Iterable<RangeSeries> {
    for (const s of this.series.values()) {
      if (!matchers.every((m) => (s.labels[m.name] ?? '') === m.value)) continue;
      const points = s.points.filter((p) => p.t >= minT && p.t <= maxT);
      if (points.length > 0) yield { labels: s.labels, points };
    }
  }
}

/** fakeSelector parses `name{a="1",b="2"}`, `{a="1"}` or `name`. */
export function fakeSelector(text: string): Labels {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$/.exec(text);
  if (!m) throw new Error(`bad selector ${text}`);
  const labels: Record<string, string> = {};
  if (m[1]) labels['__name__'] = m[1];
  for (const pair of (m[2] ?? '').split(',').filter((p) => p.trim() !== '')) {
    const pm = /^\s*([a-zA-Z_]\w*)\s*=\s*"([^"]*)"\s*$/.exec(pair);
    if (!pm) throw new Error(`bad label pair ${pair}`);
    labels[pm[1]!] = pm[2]!;
  }
  return labels;
}

/** fakeExpand expands a small subset of promtool's values notation. */
export function fakeExpand(text: string, intervalMs: number): Point[] {
  const values: Array<number | '_' | 'stale'> = [];
  for (const tok of text.trim().split(/\s+/).filter((t) => t !== '')) {
    const m = /^(-?[\d.e]+|_)(?:([+-][\d.]+)?x(\d+))?$/.exec(tok);
    if (tok === 'stale') values.push('stale');
    else if (!m) throw new Error(`bad value ${tok}`);
    else if (m[1] === '_') for (let i = 0; i < (m[3] === undefined ? 1 : Number(m[3])); i++) values.push('_');
    else {
      const start = Number(m[1]);
      const step = Number(m[2] ?? 0);
      const n = m[3] === undefined ? 0 : Number(m[3]);
      for (let i = 0; i <= n; i++) values.push(start + i * step);
    }
  }
  const points: Point[] = [];
  values.forEach((v, i) => {
    if (v === 'stale') points.push({ t: i * intervalMs, v: Number.NaN, stale: true });
    else if (v !== '_') points.push({ t: i * intervalMs, v });
  });
  return points;
}

/** fakeCompile evaluates a selector with a closed 5m look-back, or one of the special forms. */
export function fakeCompile(text: string): CompiledExpr {
  if (text.startsWith('parse-error')) throw new Error('1:1: parse error: unexpected thing');
  return {
    text,
    evaluate(atMs, source, options): Value {
      if (text.startsWith('scalar:')) return { type: 'scalar', value: Number(text.slice(7)) };
      if (text === 'matrix') return { type: 'matrix', series: [] };
      if (text.startsWith('fail:')) throw new Error(text.slice(5));
      const want = fakeSelector(text);
      const matchers: Matcher[] = Object.entries(want).map(([name, value]) => ({ name, type: '=', value }));
      const samples = [];
      for (const s of source.select(matchers, atMs - options.lookbackDeltaMs, atMs)) {
        const last = s.points.at(-1)!;
        if (!last.stale) samples.push({ labels: s.labels, value: last.v });
      }
      return { type: 'vector', samples };
    },
  };
}

/** FakeRule is a rule whose evaluation is a function of the time and the store. */
export interface FakeRuleSpec {
  name: string;
  /** Recording rules: write into the store. Alerting rules: return the alerts it now holds. */
  eval(atMs: number, store: UnitStore): readonly UnitAlert[] | void;
  alerting?: boolean;
}

/** fakeGroup builds a UnitGroup whose rules run `spec.eval`; an eval that throws sets lastError. */
export function fakeGroup(name: string, specs: readonly FakeRuleSpec[], store: UnitStore, trace?: string[]): UnitGroup {
  const rules: UnitRule[] = specs.map((spec) => {
    let error: unknown;
    let alerts: readonly UnitAlert[] = [];
    const rule: UnitRule & { run(atMs: number): void } = {
      name: spec.name,
      lastError: () => error,
      run(atMs) {
        try {
          error = undefined;
          const out = spec.eval(atMs, store);
          if (out) alerts = out;
        } catch (err) {
          error = err;
        }
      },
    };
    if (spec.alerting) rule.activeAlerts = () => alerts;
    return rule;
  });
  return {
    name,
    rules,
    evaluate(atMs) {
      trace?.push(`${name}@${atMs}`);
      for (const r of rules) (r as UnitRule & { run(atMs: number): void }).run(atMs);
    },
  };
}

/** FakeGroupsByFile maps a rule file's basename to the groups it holds, or to load errors. */
export type FakeGroupsByFile = Record<string, ((store: UnitStore) => UnitGroup[]) | string[]>;

/** fakeEngine is a UnitEngine over the fakes; `setups` records every loadGroups call, `stores` every store. */
export function fakeEngine(files: FakeGroupsByFile): UnitEngine & { setups: GroupSetup[]; stores: FakeStore[] } {
  const setups: GroupSetup[] = [];
  const stores: FakeStore[] = [];
  return {
    setups,
    stores,
    newStore() {
      const s = new FakeStore();
      stores.push(s);
      return s;
    },
    loadGroups(setup): LoadedGroups {
      setups.push(setup);
      const groups: UnitGroup[] = [];
      for (const file of setup.files) {
        const entry = files[file.split('/').at(-1)!];
        if (entry === undefined) continue;
        if (Array.isArray(entry)) return { errors: entry };
        groups.push(...entry(setup.store));
      }
      return { groups };
    },
    compile: fakeCompile,
    expandSeriesValues: fakeExpand,
    parseSeriesSelector: fakeSelector,
  };
}
