/**
 * What a tick reuses from the last one must not show: annotations rendered again only when their
 * inputs changed (never for templates that read the store or the clock), alert copies with only
 * the times an alert has, and the series a group wrote carried across a reload and marked stale
 * when the kept rule no longer writes them.
 */
import { describe, expect, it } from 'vitest';
import { AlertingRule } from '../../../src/rules/alerting-rule.ts';
import { Group } from '../../../src/rules/group.ts';
import type { EvalContext } from '../../../src/rules/rule.ts';
import type { GroupSpec, RuleSpec } from '../../../src/rules/rule-spec.ts';
import { compileTemplate } from '../../../src/rules/template/compile.ts';
import type { Labels } from '../../../src/rules/types.ts';
import { EVAL_OPTIONS, MemoryStore, alertSpec, recordSpec, tableExpr } from './fakes.ts';

const MIN = 60_000;
const SERIES: Labels = { __name__: 'queue_depth', queue: 'builds' };

/** realAnnotations is an alerting rule over `values` (one per minute) whose annotations are real Prometheus templates. */
function realAnnotations(values: Array<number | null>, annotations: Record<string, string>): AlertingRule {
  const spec = alertSpec('Backlog', tableExpr([{ labels: SERIES, values }]), { annotations });
  return new AlertingRule({ ...spec, annotationTemplates: new Map(Object.entries(annotations).map(([k, v]) => [k, compileTemplate(v, '__alert_Backlog')])) });
}

describe('annotations across ticks', () => {
  const cases: Array<{ name: string; values: number[]; template: string; store?: (store: MemoryStore, minute: number) => void; want: string[] }> = [
    { name: 'follow $value when it changes', values: [1, 1, 2, 2, 3], template: 'depth {{ $value }}', want: ['depth 1', 'depth 1', 'depth 2', 'depth 2', 'depth 3'] },
    { name: 'follow labels-only text unchanged', values: [1, 2, 3], template: 'queue {{ $labels.queue }}', want: ['queue builds', 'queue builds', 'queue builds'] },
    { name: 'call `now` afresh every tick, value unchanged', values: [5, 5, 5], template: 'at {{ now }}', want: ['at 0', 'at 60', 'at 120'] },
    {
      name: 'call `query` afresh every tick, value unchanged',
      values: [5, 5, 5],
      template: '{{ with query "workers" }}{{ . | first | value }} workers{{ end }}',
      store: (store, minute) => store.append({ __name__: 'workers' }, minute * MIN, 10 + minute),
      want: ['10 workers', '11 workers', '12 workers'],
    },
  ];
  it.each(cases)('$name', ({ values, template, store, want }) => {
    const rule = realAnnotations(values, { summary: template });
    const source = new MemoryStore();
    const ctx: EvalContext = { source, options: EVAL_OPTIONS, queryOffsetMs: 0, limit: 0 };
    const got = want.map((_, minute) => {
      store?.(source, minute);
      rule.eval(minute * MIN, ctx);
      return rule.activeAlerts()[0]?.annotations.summary;
    });
    expect(got).toEqual(want);
  });
});

describe('alert copies', () => {
  it('carry only the times an alert has, through pending, firing, sent and resolved', () => {
    const rule = new AlertingRule(alertSpec('Backlog', tableExpr([{ labels: SERIES, values: [1, 1, null] }]), { forMs: MIN }));
    const ctx: EvalContext = { source: new MemoryStore(), options: EVAL_OPTIONS, queryOffsetMs: 0, limit: 0 };
    const keys = (a: object | undefined) => Object.keys(a ?? {}).sort();
    const base = ['activeAt', 'annotations', 'labels', 'state', 'value'];
    rule.eval(0, ctx);
    expect(keys(rule.currentAlerts()[0])).toEqual(base);
    rule.eval(MIN, ctx);
    expect(keys(rule.currentAlerts()[0])).toEqual([...base, 'firedAt'].sort());
    const sent = rule.alertsToSend(MIN, MIN, MIN);
    expect(keys(sent[0]?.alert)).toEqual([...base, 'firedAt', 'lastSentAt', 'validUntil'].sort());
    rule.eval(2 * MIN, ctx);
    expect(keys(rule.currentAlerts()[0])).toEqual([...base, 'firedAt', 'lastSentAt', 'resolvedAt', 'validUntil'].sort());
    expect(rule.snapshot().alerts[0]).toEqual({ state: 'inactive', labels: { alertname: 'Backlog', queue: 'builds' }, annotations: {}, value: 1, activeAt: 0, firedAt: MIN, resolvedAt: 2 * MIN, lastSentAt: MIN, validUntil: 5 * MIN });
  });
});

describe('series a group wrote, across a reload', () => {
  const groupSpec = (rules: RuleSpec[]): GroupSpec => ({ name: 'g', file: 'rules.yaml', intervalMs: undefined, queryOffsetMs: undefined, limit: 0, labels: {}, rules });

  it('a kept rule that stops writing a series marks it stale at the new group first evaluation, however many ticks the old group ran', () => {
    for (const oldTicks of [1, 2, 3]) {
      const store = new MemoryStore();
      const spec = recordSpec('rec', tableExpr([{ labels: { run: '1' }, values: [1, 1, 1, null] }, { labels: { run: '2' }, values: [1, 1, 1, 1] }]));
      const old = new Group(groupSpec([spec]), { store, evalOptions: EVAL_OPTIONS });
      for (let m = 0; m < oldTicks; m++) old.eval(m * MIN);
      const fresh = new Group(groupSpec([spec]), { store, evalOptions: EVAL_OPTIONS });
      fresh.copyStateFrom(old);
      fresh.eval(3 * MIN);
      expect(store.points({ __name__: 'rec', run: '1' }).at(-1), `after ${oldTicks} ticks`).toEqual({ t: 3 * MIN, v: NaN, stale: true });
      expect(store.points({ __name__: 'rec', run: '2' }).at(-1), `after ${oldTicks} ticks`).toEqual({ t: 3 * MIN, v: 1 });
    }
  });
});
