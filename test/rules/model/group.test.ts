/**
 * Recording rules and rule groups as Prometheus's `rules/recording.go` and `rules/group.go`:
 * names and labels of recorded series, stale markers, limits, evaluation order with one timestamp,
 * query offset, health and errors that do not stop the other rules, notification batches, reloads
 * (copyStateFrom) and snapshots of a whole group.
 */
import { describe, expect, it } from 'vitest';
import { AlertingRule } from '../../../src/rules/alerting-rule.ts';
import { Group } from '../../../src/rules/group.ts';
import type { AlertBatch, GroupOptions, RuleEvaluation } from '../../../src/rules/group.ts';
import { RecordingRule } from '../../../src/rules/recording-rule.ts';
import type { EvalContext } from '../../../src/rules/rule.ts';
import type { GroupSpec, RuleSpec } from '../../../src/rules/rule-spec.ts';
import type { Labels } from '../../../src/rules/types.ts';
import { EVAL_OPTIONS, MemoryStore, alertSpec, fnExpr, recordSpec, selectorExpr, tableExpr } from './fakes.ts';

const MIN = 60_000;

function groupSpec(rules: RuleSpec[], more: Partial<GroupSpec> = {}): GroupSpec {
  return { name: 'g', file: 'rules.yaml', intervalMs: undefined, queryOffsetMs: undefined, limit: 0, labels: {}, rules, ...more };
}

function newGroup(rules: RuleSpec[], more: Partial<GroupSpec> = {}, options: Partial<GroupOptions> = {}) {
  const store = options.store instanceof MemoryStore ? options.store : new MemoryStore();
  const batches: AlertBatch[] = [];
  const evaluations: RuleEvaluation[] = [];
  let clock = 0;
  const group = new Group(groupSpec(rules, more), {
    store,
    evalOptions: EVAL_OPTIONS,
    notify: (b) => batches.push(b),
    onRuleEvaluated: (e) => evaluations.push(e),
    monotonicNow: () => (clock += 2),
    ...options,
  });
  return { group, store, batches, evaluations };
}

describe('recording rule', () => {
  const ctx = (limit = 0): EvalContext => ({ source: new MemoryStore(), options: EVAL_OPTIONS, queryOffsetMs: 0, limit });

  it('keeps the labels, sets __name__ to the record name and the rule labels over them', () => {
    const rule = new RecordingRule(
      recordSpec('job:errors:rate5m', tableExpr([{ labels: { __name__: 'errors_total', job: 'a', env: 'dev' }, values: [2] }]), { env: 'prod' }),
    );
    expect(rule.eval(0, ctx())).toEqual([{ labels: { __name__: 'job:errors:rate5m', job: 'a', env: 'prod' }, value: 2 }]);
  });

  it('drops a label whose rule label is empty, as Prometheus (`instance: ""`)', () => {
    const rule = new RecordingRule(recordSpec('r', tableExpr([{ labels: { job: 'a', instance: 'h:1' }, values: [1] }]), { instance: '' }));
    expect(rule.eval(0, ctx())).toEqual([{ labels: { __name__: 'r', job: 'a' }, value: 1 }]);
  });

  it('records a scalar as a series with only its name', () => {
    const rule = new RecordingRule(recordSpec('one', { text: '1', evaluate: () => ({ type: 'scalar', value: 1 }) }));
    expect(rule.eval(0, ctx())).toEqual([{ labels: { __name__: 'one' }, value: 1 }]);
  });

  it('refuses samples that collide after the rule labels', () => {
    const rule = new RecordingRule(recordSpec('r', tableExpr([{ labels: { a: '1' }, values: [1] }, { labels: { a: '2' }, values: [1] }]), { a: 'x' }));
    expect(() => rule.eval(0, ctx())).toThrow('vector contains metrics with the same labelset after applying rule labels');
  });

  it('refuses more series than the limit', () => {
    const rule = new RecordingRule(recordSpec('r', tableExpr([{ labels: { a: '1' }, values: [1] }, { labels: { a: '2' }, values: [1] }])));
    expect(() => rule.eval(0, ctx(1))).toThrow('exceeded limit of 1 with 2 series');
    expect(rule.eval(0, ctx(2))).toHaveLength(2);
  });
});

describe('group evaluation', () => {
  it('writes recorded series at the evaluation time and marks vanished ones stale at the next', () => {
    const expr = tableExpr([{ labels: { run: 'a' }, values: [1, 2, null, null] }, { labels: { run: 'b' }, values: [5, null, null, 6] }]);
    const { group, store } = newGroup([recordSpec('rec', expr)]);
    for (const t of [0, 1, 2, 3]) group.eval(t * MIN);
    expect(store.points({ __name__: 'rec', run: 'a' })).toEqual([{ t: 0, v: 1 }, { t: MIN, v: 2 }, { t: 2 * MIN, v: NaN, stale: true }]);
    expect(store.points({ __name__: 'rec', run: 'b' })).toEqual([{ t: 0, v: 5 }, { t: MIN, v: NaN, stale: true }, { t: 3 * MIN, v: 6 }]);
  });

  it('evaluates rules in order with one timestamp: an alert sees what a recording rule wrote in the same tick', () => {
    const store = new MemoryStore();
    store.append({ __name__: 'errors', job: 'a' }, 0, 7);
    const { group } = newGroup(
      [recordSpec('job:errors', selectorExpr('errors')), alertSpec('Errors', selectorExpr('job:errors', '>=', 5), { labels: { severity: 'error' } })],
      {},
      { store },
    );
    group.eval(0);
    const alert = group.alertingRules()[0] as AlertingRule;
    expect(alert.activeAlerts()).toMatchObject([{ state: 'firing', labels: { job: 'a', alertname: 'Errors', severity: 'error' }, value: 7 }]);
  });

  it('writes ALERTS and ALERTS_FOR_STATE, and marks them stale when the alert goes', () => {
    const { group, store } = newGroup([alertSpec('Hot', tableExpr([{ labels: { pool: 'cpu' }, values: [1, 1, 1, null] }]), { forMs: MIN })]);
    for (const t of [0, 1, 2, 3]) group.eval(t * MIN);
    const base = { alertname: 'Hot', pool: 'cpu' };
    expect(store.points({ ...base, __name__: 'ALERTS', alertstate: 'pending' })).toEqual([{ t: 0, v: 1 }, { t: MIN, v: NaN, stale: true }]);
    expect(store.points({ ...base, __name__: 'ALERTS', alertstate: 'firing' })).toEqual([{ t: MIN, v: 1 }, { t: 2 * MIN, v: 1 }, { t: 3 * MIN, v: NaN, stale: true }]);
    expect(store.points({ ...base, __name__: 'ALERTS_FOR_STATE' })).toEqual([{ t: 0, v: 0 }, { t: MIN, v: 0 }, { t: 2 * MIN, v: 0 }, { t: 3 * MIN, v: NaN, stale: true }]);
  });

  it('evaluates at now minus query_offset and stamps results (and stale markers) there', () => {
    const seen: number[] = [];
    const { group, store } = newGroup(
      [recordSpec('rec', fnExpr('x', (t) => (seen.push(t), t < 2 * MIN ? [{ labels: {}, value: t }] : [])))],
      { queryOffsetMs: 30_000 },
    );
    group.eval(MIN);
    group.eval(3 * MIN);
    expect(seen).toEqual([30_000, 150_000]);
    expect(store.points({ __name__: 'rec' })).toEqual([{ t: 30_000, v: 30_000 }, { t: 150_000, v: NaN, stale: true }]);
    expect(group.queryOffsetMs).toBe(30_000);
  });

  it('takes interval and query offset from the group, else from the options, else 1m and 0', () => {
    expect(newGroup([], { intervalMs: 30_000 }).group.intervalMs).toBe(30_000);
    expect(newGroup([], {}, { defaultIntervalMs: 15_000, defaultQueryOffsetMs: 5_000 }).group).toMatchObject({ intervalMs: 15_000, queryOffsetMs: 5_000 });
    expect(newGroup([]).group).toMatchObject({ intervalMs: 60_000, queryOffsetMs: 0 });
  });

  it('marks a failing rule unhealthy with its error and goes on with the others', () => {
    const boom = fnExpr('boom', () => {
      throw new Error('many-to-many matching not allowed');
    });
    const { group, store, evaluations } = newGroup([
      recordSpec('broken', boom),
      recordSpec('fine', tableExpr([{ labels: {}, values: [1] }])),
    ]);
    group.eval(0);
    const [broken, fine] = group.rules;
    expect(broken?.status).toEqual({ health: 'err', lastError: 'many-to-many matching not allowed', lastEvaluation: 0, evaluationTimeMs: 2 });
    expect(fine?.status).toEqual({ health: 'ok', lastError: undefined, lastEvaluation: 0, evaluationTimeMs: 2 });
    expect(store.points({ __name__: 'fine' })).toEqual([{ t: 0, v: 1 }]);
    expect(evaluations.map((e) => [e.rule.name, e.error?.message, e.samples])).toEqual([
      ['broken', 'many-to-many matching not allowed', 0],
      ['fine', undefined, 1],
    ]);
    expect(group.lastEvaluation).toBe(0);
  });

  it('a rule that fails writes nothing and marks nothing stale; it recovers at the next success', () => {
    const values = [2, 'fail', 3] as const;
    const rec = fnExpr('x', (t) => {
      const v = values[t / MIN];
      if (v === 'fail') throw new Error('boom');
      return [{ labels: {}, value: v as number }];
    });
    const { group, store } = newGroup([recordSpec('rec', rec)]);
    for (const t of [0, 1, 2]) group.eval(t * MIN);
    expect(store.points({ __name__: 'rec' })).toEqual([{ t: 0, v: 2 }, { t: 2 * MIN, v: 3 }]);
    expect(group.rules[0]?.status.health).toBe('ok');
  });

  it('over the limit: an alerting rule errors, its alerts are cleared and nothing is sent', () => {
    const { group, batches } = newGroup(
      [alertSpec('RunSilent', tableExpr([{ labels: { run: '1' }, values: [900, 900] }, { labels: { run: '2' }, values: [700, 700] }]))],
      { limit: 1 },
    );
    group.eval(0);
    const rule = group.rules[0] as AlertingRule;
    expect(rule.status).toMatchObject({ health: 'err', lastError: 'exceeded limit of 1 with 2 alerts' });
    expect(rule.currentAlerts()).toEqual([]);
    expect(batches).toEqual([]);
  });

  it('over the limit: a recording rule errors and writes nothing', () => {
    const { group, store } = newGroup([recordSpec('rec', tableExpr([{ labels: { a: '1' }, values: [1] }, { labels: { a: '2' }, values: [1] }]))], { limit: 1 });
    group.eval(0);
    expect(group.rules[0]?.status.lastError).toBe('exceeded limit of 1 with 2 series');
    expect(store.series.size).toBe(0);
  });

  it('hands due alerts to the notify function, one batch per rule', () => {
    const { group, batches } = newGroup([alertSpec('A', tableExpr([{ labels: { run: '1' }, values: [1, null] }]))], { name: 'runs', file: 'f.yaml' });
    group.eval(0);
    group.eval(MIN);
    expect(batches.map((b) => ({ group: b.group, file: b.file, rule: b.rule, expr: b.expr, reasons: b.alerts.map((a) => a.reason) }))).toEqual([
      { group: 'runs', file: 'f.yaml', rule: 'A', expr: 'table', reasons: ['firing'] },
      { group: 'runs', file: 'f.yaml', rule: 'A', expr: 'table', reasons: ['resolved'] },
    ]);
  });

  it('a notify function that throws marks the rule unhealthy but the evaluation still records', () => {
    const { group, store } = newGroup([alertSpec('A', tableExpr([{ labels: {}, values: [1] }]))], {}, {
      notify: () => {
        throw new Error('outbox full');
      },
    });
    group.eval(0);
    expect(group.rules[0]?.status).toMatchObject({ health: 'err', lastError: 'sending alerts: outbox full' });
    expect(store.byName('ALERTS')).toHaveLength(1);
  });

  it('a sample the store refuses marks the rule unhealthy; the other samples are written', () => {
    const store = new MemoryStore();
    const append = store.append.bind(store);
    store.append = (labels: Labels, t: number, v: number) => {
      if (labels['a'] === '1') throw new Error('out of order sample');
      append(labels, t, v);
    };
    const { group } = newGroup([recordSpec('rec', tableExpr([{ labels: { a: '1' }, values: [1] }, { labels: { a: '2' }, values: [2] }]))], {}, { store });
    group.eval(0);
    expect(group.rules[0]?.status).toMatchObject({ health: 'err', lastError: 'out of order sample' });
    expect(store.points({ __name__: 'rec', a: '2' })).toEqual([{ t: 0, v: 2 }]);
  });

  it('markStale ends every series the group wrote (a group removed by a reload)', () => {
    const { group, store } = newGroup([recordSpec('rec', tableExpr([{ labels: {}, values: [1] }]))]);
    group.eval(0);
    group.markStale(MIN);
    expect(store.points({ __name__: 'rec' })).toEqual([{ t: 0, v: 1 }, { t: MIN, v: NaN, stale: true }]);
  });
});

describe('reloads and restarts', () => {
  it('copyStateFrom keeps alerts of unchanged rules, and marks stale the series of rules that are gone', () => {
    const store = new MemoryStore();
    const expr = tableExpr([{ labels: { run: '1' }, values: [1, 1, 1, 1] }]);
    const old = newGroup([alertSpec('Kept', expr, { forMs: 2 * MIN }), recordSpec('gone', expr)], {}, { store }).group;
    old.eval(0);
    old.eval(MIN);
    const fresh = newGroup([alertSpec('Kept', expr, { forMs: 2 * MIN }), alertSpec('New', expr)], {}, { store }).group;
    fresh.copyStateFrom(old);
    fresh.eval(2 * MIN);
    expect((fresh.rules[0] as AlertingRule).activeAlerts()).toMatchObject([{ state: 'firing', activeAt: 0, firedAt: 2 * MIN }]);
    expect(store.points({ __name__: 'gone', run: '1' }).at(-1)).toEqual({ t: 2 * MIN, v: NaN, stale: true });
  });

  it('a rule whose labels changed is a new rule: its state is not carried over', () => {
    const expr = tableExpr([{ labels: { run: '1' }, values: [1, 1] }]);
    const old = newGroup([alertSpec('A', expr, { forMs: 5 * MIN, labels: { severity: 'warning' } })]).group;
    old.eval(0);
    const fresh = newGroup([alertSpec('A', expr, { forMs: 5 * MIN, labels: { severity: 'critical' } })]).group;
    fresh.copyStateFrom(old);
    fresh.eval(MIN);
    expect((fresh.rules[0] as AlertingRule).activeAlerts()[0]?.activeAt).toBe(MIN);
  });

  it('snapshot and restore carry a whole group through JSON, matching duplicate rules in order', () => {
    const a = tableExpr([{ labels: { run: '1' }, values: [1, 1, 1, 1] }]);
    const b = tableExpr([{ labels: { run: '2' }, values: [null, 1, 1, 1] }]);
    const specs = () => [alertSpec('Dup', a, { forMs: 2 * MIN }), recordSpec('rec', a), alertSpec('Dup', b, { forMs: 2 * MIN })];
    const before = newGroup(specs()).group;
    before.eval(0);
    before.eval(MIN);
    const json = JSON.parse(JSON.stringify(before.snapshot()));
    const after = newGroup(specs()).group;
    after.restore(json);
    after.eval(2 * MIN);
    const [first, , second] = after.rules as [AlertingRule, RecordingRule, AlertingRule];
    expect(first.activeAlerts()).toMatchObject([{ state: 'firing', activeAt: 0 }]);
    expect(second.activeAlerts()).toMatchObject([{ state: 'pending', activeAt: MIN }]);
    expect(() => after.restore({ version: 2 } as never)).toThrow(TypeError);
  });
});
