/**
 * The alerting-rule state machine against Prometheus's `rules/alerting.go`, with a fake clock
 * stepped a minute at a time from 0: every transition, `for`, `keep_firing_for`, the resolved
 * retention, ALERTS / ALERTS_FOR_STATE, identity, templating, limits, sending and snapshots.
 */
import { describe, expect, it } from 'vitest';
import { AlertingRule } from '../../../src/rules/alerting-rule.ts';
import type { Alert } from '../../../src/rules/alert-state.ts';
import type { EvalContext } from '../../../src/rules/rule.ts';
import type { Labels, Sample } from '../../../src/rules/types.ts';
import { EVAL_OPTIONS, MemoryStore, alertSpec, fnExpr, tableExpr } from './fakes.ts';

const MIN = 60_000;
const SERIES: Labels = { __name__: 'runwarden_pool_queue_depth', queue: 'builds' };
const ctx = (limit = 0, queryOffsetMs = 0): EvalContext => ({ source: new MemoryStore(), options: EVAL_OPTIONS, queryOffsetMs, limit });

// Expected state of the single alert after the evaluation at minute `t` (times in minutes);
// `none` means the rule holds no alert at all.
interface Tick {
  v: number | null;
  state: Alert['state'] | 'none';
  activeAt?: number;
  firedAt?: number;
  resolvedAt?: number;
  keepFiringSince?: number;
}

function runTable(opts: { forMs?: number; keepFiringForMs?: number }, ticks: Tick[]): void {
  const rule = new AlertingRule(alertSpec('QueueBacklog', tableExpr([{ labels: SERIES, values: ticks.map((t) => t.v) }]), opts));
  ticks.forEach((tick, t) => {
    const samples = rule.eval(t * MIN, ctx());
    rule.status = { ...rule.status, lastEvaluation: t * MIN };
    const alerts = rule.currentAlerts();
    const where = `minute ${t}`;
    if (tick.state === 'none') {
      expect(alerts, where).toEqual([]);
      expect(samples, where).toEqual([]);
      return;
    }
    expect(alerts, where).toHaveLength(1);
    const a = alerts[0] as Alert;
    const min = (ms: number | undefined) => (ms === undefined ? undefined : ms / MIN);
    expect(
      { state: a.state, activeAt: min(a.activeAt), firedAt: min(a.firedAt), resolvedAt: min(a.resolvedAt), keepFiringSince: min(a.keepFiringSince) },
      where,
    ).toEqual({ state: tick.state, activeAt: tick.activeAt, firedAt: tick.firedAt, resolvedAt: tick.resolvedAt, keepFiringSince: tick.keepFiringSince });
    // ALERTS and ALERTS_FOR_STATE exist exactly for pending and firing alerts.
    const expected: Sample[] =
      tick.state === 'inactive'
        ? []
        : [
            { labels: { queue: 'builds', alertname: 'QueueBacklog', __name__: 'ALERTS', alertstate: tick.state }, value: 1 },
            { labels: { queue: 'builds', alertname: 'QueueBacklog', __name__: 'ALERTS_FOR_STATE' }, value: (tick.activeAt as number) * 60 },
          ];
    expect(samples, where).toEqual(expected);
  });
}

describe('alerting rule state machine', () => {
  it.each<{ name: string; forMs?: number; keepFiringForMs?: number; ticks: Tick[] }>([
    {
      name: 'for 0 fires at once, resolves at once, keeps the resolved alert, and a new one starts fresh',
      ticks: [
        { v: 1, state: 'firing', activeAt: 0, firedAt: 0 },
        { v: 2, state: 'firing', activeAt: 0, firedAt: 0 },
        { v: null, state: 'inactive', activeAt: 0, firedAt: 0, resolvedAt: 2 },
        { v: null, state: 'inactive', activeAt: 0, firedAt: 0, resolvedAt: 2 },
        { v: 1, state: 'firing', activeAt: 4, firedAt: 4 },
      ],
    },
    {
      name: 'for 2m: pending, firing when for has passed, resolved, then a new pending alert',
      forMs: 2 * MIN,
      ticks: [
        { v: 1, state: 'pending', activeAt: 0 },
        { v: 1, state: 'pending', activeAt: 0 },
        { v: 1, state: 'firing', activeAt: 0, firedAt: 2 },
        { v: null, state: 'inactive', activeAt: 0, firedAt: 2, resolvedAt: 3 },
        { v: 1, state: 'pending', activeAt: 4 },
        { v: 1, state: 'pending', activeAt: 4 },
        { v: 1, state: 'firing', activeAt: 4, firedAt: 6 },
      ],
    },
    {
      name: 'a pending alert whose condition goes away is forgotten, and its for clock restarts',
      forMs: 3 * MIN,
      ticks: [
        { v: 1, state: 'pending', activeAt: 0 },
        { v: 1, state: 'pending', activeAt: 0 },
        { v: null, state: 'none' },
        { v: 1, state: 'pending', activeAt: 3 },
      ],
    },
    {
      name: 'keep_firing_for 3m keeps firing while (t - keepFiringSince) < 3m, then resolves',
      forMs: MIN,
      keepFiringForMs: 3 * MIN,
      ticks: [
        { v: 150, state: 'pending', activeAt: 0 },
        { v: 150, state: 'firing', activeAt: 0, firedAt: 1 },
        { v: 150, state: 'firing', activeAt: 0, firedAt: 1 },
        { v: null, state: 'firing', activeAt: 0, firedAt: 1, keepFiringSince: 3 },
        { v: null, state: 'firing', activeAt: 0, firedAt: 1, keepFiringSince: 3 },
        { v: null, state: 'firing', activeAt: 0, firedAt: 1, keepFiringSince: 3 },
        { v: null, state: 'inactive', activeAt: 0, firedAt: 1, resolvedAt: 6, keepFiringSince: 3 },
        { v: null, state: 'inactive', activeAt: 0, firedAt: 1, resolvedAt: 6, keepFiringSince: 3 },
      ],
    },
    {
      name: 'a condition back during keep_firing_for continues the same alert and clears keepFiringSince',
      keepFiringForMs: 5 * MIN,
      ticks: [
        { v: 1, state: 'firing', activeAt: 0, firedAt: 0 },
        { v: null, state: 'firing', activeAt: 0, firedAt: 0, keepFiringSince: 1 },
        { v: null, state: 'firing', activeAt: 0, firedAt: 0, keepFiringSince: 1 },
        { v: 1, state: 'firing', activeAt: 0, firedAt: 0 },
        { v: null, state: 'firing', activeAt: 0, firedAt: 0, keepFiringSince: 4 },
      ],
    },
    {
      name: 'keep_firing_for does not keep a pending alert',
      forMs: 5 * MIN,
      keepFiringForMs: 5 * MIN,
      ticks: [
        { v: 1, state: 'pending', activeAt: 0 },
        { v: null, state: 'none' },
      ],
    },
    {
      name: 'a resolved alert is kept 15 minutes, and dropped at the first evaluation more than 15 minutes after',
      ticks: [
        { v: 1, state: 'firing', activeAt: 0, firedAt: 0 },
        ...Array.from({ length: 16 }, () => ({ v: null, state: 'inactive' as const, activeAt: 0, firedAt: 0, resolvedAt: 1 })),
        { v: null, state: 'none' },
      ],
    },
    {
      name: 'a condition back after the resolve (within retention) is a new alert that waits for `for` again',
      forMs: 3 * MIN,
      ticks: [
        { v: 150, state: 'pending', activeAt: 0 },
        { v: 150, state: 'pending', activeAt: 0 },
        { v: 150, state: 'pending', activeAt: 0 },
        { v: 150, state: 'firing', activeAt: 0, firedAt: 3 },
        { v: 10, state: 'firing', activeAt: 0, firedAt: 3 },
        { v: null, state: 'inactive', activeAt: 0, firedAt: 3, resolvedAt: 5 },
        { v: 150, state: 'pending', activeAt: 6 },
        { v: 150, state: 'pending', activeAt: 6 },
        { v: 150, state: 'pending', activeAt: 6 },
        { v: 150, state: 'firing', activeAt: 6, firedAt: 9 },
      ],
    },
  ])('$name', ({ forMs, keepFiringForMs, ticks }) => {
    runTable({ forMs, keepFiringForMs }, ticks);
  });

  it('is unknown before its first evaluation, then the most advanced state of its alerts', () => {
    const values = { a: [1, 1, 1], b: [null, 1, 1] };
    const rule = new AlertingRule(
      alertSpec('X', tableExpr([{ labels: { run: 'a' }, values: values.a }, { labels: { run: 'b' }, values: values.b }]), { forMs: 2 * MIN }),
    );
    expect(rule.state()).toBe('unknown');
    const states = [0, 1, 2].map((t) => {
      rule.eval(t * MIN, ctx());
      rule.status = { ...rule.status, lastEvaluation: t * MIN };
      return rule.state();
    });
    expect(states).toEqual(['pending', 'pending', 'firing']);
  });

  it('updates value and annotations of a known alert but keeps its activeAt', () => {
    const rule = new AlertingRule(
      alertSpec('X', tableExpr([{ labels: { run: 'a' }, values: [5, 7] }]), { forMs: 5 * MIN, annotations: { summary: 'at {{ $value }}' } }),
    );
    rule.eval(0, ctx());
    rule.eval(MIN, ctx());
    expect(rule.currentAlerts()).toMatchObject([{ state: 'pending', activeAt: 0, value: 7, annotations: { summary: 'at 7' } }]);
  });

  it('keeps the last value and annotations while kept firing (not re-rendered)', () => {
    const rule = new AlertingRule(
      alertSpec('X', tableExpr([{ labels: { pool: 'gpu' }, values: [0.96, null, null] }]), { keepFiringForMs: 5 * MIN, annotations: { s: '{{ $value }}' } }),
    );
    for (const t of [0, 1, 2]) rule.eval(t * MIN, ctx());
    expect(rule.activeAlerts()).toMatchObject([{ state: 'firing', value: 0.96, annotations: { s: '0.96' } }]);
  });

  it('sends a firing alert that a longer `for` no longer allows back to pending, then fires it again', () => {
    const expr = tableExpr([{ labels: { run: 'a' }, values: [1, 1, 1, 1, 1, 1] }]);
    const before = new AlertingRule(alertSpec('X', expr, { forMs: MIN }));
    before.eval(0, ctx());
    before.eval(MIN, ctx());
    before.alertsToSend(MIN, MIN, MIN);
    expect(before.activeAlerts()[0]).toMatchObject({ state: 'firing', firedAt: MIN, lastSentAt: MIN });
    const after = new AlertingRule(alertSpec('X', expr, { forMs: 5 * MIN }));
    after.copyState(before);
    after.eval(2 * MIN, ctx());
    const a = after.activeAlerts()[0] as Alert;
    expect(a).toMatchObject({ state: 'pending', activeAt: 0 });
    expect(a.firedAt).toBeUndefined();
    expect(a.lastSentAt).toBeUndefined();
    after.eval(5 * MIN, ctx());
    expect(after.activeAlerts()[0]).toMatchObject({ state: 'firing', firedAt: 5 * MIN });
  });
});

describe('alert identity and templates', () => {
  it('is the series labels without __name__, the templated rule labels and alertname; rule labels win', () => {
    const rule = new AlertingRule(
      alertSpec(
        'RunHeartbeatLost',
        tableExpr([{ labels: { __name__: 'hb_age', run_id: 'r-3', workflow: 'release', severity: 'low' }, values: [320] }]),
        { labels: { severity: 'critical', team: '{{ $labels.workflow }}-oncall' }, annotations: { summary: 'Run {{ $labels.run_id }} silent for {{ $value }}s' } },
      ),
    );
    rule.eval(0, ctx());
    expect(rule.activeAlerts()).toEqual([
      {
        state: 'firing',
        labels: { run_id: 'r-3', workflow: 'release', severity: 'critical', team: 'release-oncall', alertname: 'RunHeartbeatLost' },
        annotations: { summary: 'Run r-3 silent for 320s' },
        value: 320,
        activeAt: 0,
        firedAt: 0,
      },
    ]);
  });

  it('drops a label whose template renders empty, but keeps empty annotations', () => {
    const rule = new AlertingRule(
      alertSpec('X', tableExpr([{ labels: { run: '1', pod: 'p' }, values: [1] }]), { labels: { pod: '{{ $labels.missing }}' }, annotations: { note: '' } }),
    );
    rule.eval(0, ctx());
    expect(rule.activeAlerts()[0]).toMatchObject({ labels: { run: '1', alertname: 'X' }, annotations: { note: '' } });
    expect(rule.activeAlerts()[0]?.labels).not.toHaveProperty('pod');
  });

  it('gives templates $labels with __name__, $value and $externalLabels', () => {
    const rule = new AlertingRule(
      alertSpec('X', tableExpr([{ labels: { __name__: 'm', a: '1' }, values: [2] }]), {
        annotations: { s: '{{ $labels.__name__ }}={{ $value }} in {{ $externalLabels.cluster }}' },
      }),
      { externalLabels: { cluster: 'eu-1' } },
    );
    rule.eval(0, ctx());
    expect(rule.activeAlerts()[0]?.annotations).toEqual({ s: 'm=2 in eu-1' });
  });

  it('renders a template that fails as the error text, and still alerts', () => {
    const rule = new AlertingRule(alertSpec('X', tableExpr([{ labels: { a: '1' }, values: [1] }]), { labels: { team: '{{ fail }}' }, annotations: { s: '{{ fail }}' } }));
    rule.eval(0, ctx());
    const a = rule.activeAlerts()[0] as Alert;
    expect(a.labels['team']).toBe('<error expanding template: function "fail" not defined>');
    expect(a.annotations['s']).toBe('<error expanding template: function "fail" not defined>');
  });

  it('one alert per distinct label set, each with its own clock', () => {
    const rule = new AlertingRule(
      alertSpec('X', tableExpr([{ labels: { run: 'a' }, values: [1, 1, 1] }, { labels: { run: 'b' }, values: [null, 1, 1] }]), { forMs: MIN }),
    );
    for (const t of [0, 1]) rule.eval(t * MIN, ctx());
    const byRun = Object.fromEntries(rule.activeAlerts().map((a) => [a.labels['run'], { state: a.state, activeAt: a.activeAt }]));
    expect(byRun).toEqual({ a: { state: 'firing', activeAt: 0 }, b: { state: 'pending', activeAt: MIN } });
  });

  it('refuses label sets that collide once __name__ is dropped, and keeps its state as it was', () => {
    const collide = [1, null, 1];
    const rule = new AlertingRule(
      alertSpec('X', tableExpr([{ labels: { __name__: 'a', run: '1' }, values: [1, 1, 1] }, { labels: { __name__: 'b', run: '1' }, values: collide }])),
    );
    expect(() => rule.eval(0, ctx())).toThrow('vector contains metrics with the same labelset after applying alert labels');
    expect(rule.currentAlerts()).toEqual([]);
    rule.eval(MIN, ctx());
    expect(rule.activeAlerts()).toHaveLength(1);
    expect(() => rule.eval(2 * MIN, ctx())).toThrow(/same labelset/);
    expect(rule.activeAlerts()).toMatchObject([{ state: 'firing', activeAt: MIN }]);
  });

  it('refuses label sets that collide after templating rule labels', () => {
    const rule = new AlertingRule(
      alertSpec('X', tableExpr([{ labels: { run: '1' }, values: [1] }, { labels: { run: '2' }, values: [1] }]), { labels: { run: 'same' } }),
    );
    expect(() => rule.eval(0, ctx())).toThrow(/same labelset after applying alert labels/);
  });

  it('treats a scalar result as one sample without labels', () => {
    const rule = new AlertingRule(alertSpec('Always', { text: '1', evaluate: () => ({ type: 'scalar', value: 1 }) }));
    rule.eval(0, ctx());
    expect(rule.activeAlerts()[0]?.labels).toEqual({ alertname: 'Always' });
  });

  it('refuses a matrix result', () => {
    const rule = new AlertingRule(alertSpec('X', { text: 'm[5m]', evaluate: () => ({ type: 'matrix', series: [] }) }));
    expect(() => rule.eval(0, ctx())).toThrow('rule result is not a vector or scalar');
  });

  it('evaluates the expression at now minus the query offset but keeps now as activeAt', () => {
    const seen: number[] = [];
    const rule = new AlertingRule(alertSpec('X', fnExpr('x', (t) => (seen.push(t), [{ labels: {}, value: 1 }]))));
    rule.eval(10 * MIN, ctx(0, 30_000));
    expect(seen).toEqual([10 * MIN - 30_000]);
    expect(rule.activeAlerts()[0]?.activeAt).toBe(10 * MIN);
  });
});

describe('alerting rule limit', () => {
  it('over the limit: an error, and every alert is cleared (no resolve is sent)', () => {
    const rule = new AlertingRule(
      alertSpec('RunSilent', tableExpr([{ labels: { run: '1' }, values: [900, 900] }, { labels: { run: '2' }, values: [null, 700] }])),
    );
    rule.eval(0, ctx(1));
    expect(rule.activeAlerts()).toHaveLength(1);
    expect(() => rule.eval(MIN, ctx(1))).toThrow('exceeded limit of 1 with 2 alerts');
    expect(rule.currentAlerts()).toEqual([]);
    expect(rule.alertsToSend(MIN, MIN, MIN)).toEqual([]);
  });

  it('counts alerts kept firing, not resolved ones', () => {
    const rule = new AlertingRule(
      alertSpec('X', tableExpr([{ labels: { run: '1' }, values: [1, null, null] }, { labels: { run: '2' }, values: [1, null, 1] }, { labels: { run: '3' }, values: [null, null, 1] }]), {
        keepFiringForMs: 90_000,
      }),
    );
    rule.eval(0, ctx(2));
    rule.eval(MIN, ctx(2)); // both kept firing: 2 alerts
    expect(() => rule.eval(2 * MIN, ctx(2))).toThrow('exceeded limit of 2 with 3 alerts');
  });

  it('a limit equal to the count is fine; 0 means no limit', () => {
    const expr = tableExpr([{ labels: { run: '1' }, values: [1] }, { labels: { run: '2' }, values: [1] }]);
    expect(() => new AlertingRule(alertSpec('X', expr)).eval(0, ctx(2))).not.toThrow();
    expect(() => new AlertingRule(alertSpec('X', expr)).eval(0, ctx(0))).not.toThrow();
  });
});

describe('sending', () => {
  const sendTimes = (values: Array<number | null>, opts: { forMs?: number } = {}, resendMs = MIN) => {
    const rule = new AlertingRule(alertSpec('X', tableExpr([{ labels: { run: '1' }, values }]), opts));
    return values.map((_, t) => {
      rule.eval(t * MIN, ctx());
      return rule.alertsToSend(t * MIN, resendMs, MIN).map((o) => ({ reason: o.reason, state: o.alert.state, startsAt: o.startsAt / MIN, endsAt: o.endsAt / MIN }));
    });
  };

  it('never sends a pending alert; sends on firing, then again once the resend delay has passed', () => {
    expect(sendTimes([1, 1, 1, 1, 1], { forMs: MIN })).toEqual([
      [],
      [{ reason: 'firing', state: 'firing', startsAt: 0, endsAt: 5 }],
      [], // last sent 1m ago: not *more* than the resend delay
      [{ reason: 'resend', state: 'firing', startsAt: 0, endsAt: 7 }],
      [],
    ]);
  });

  it('sends the resolve at once with endsAt = resolvedAt, then re-sends it during the retention', () => {
    const sent = sendTimes([1, null, null, null, null]);
    expect(sent[0]).toEqual([{ reason: 'firing', state: 'firing', startsAt: 0, endsAt: 4 }]);
    expect(sent[1]).toEqual([{ reason: 'resolved', state: 'inactive', startsAt: 0, endsAt: 1 }]);
    expect(sent[2]).toEqual([]);
    expect(sent[3]).toEqual([{ reason: 'resend', state: 'inactive', startsAt: 0, endsAt: 1 }]);
  });

  it('sets lastSentAt and validUntil = now + 4 × max(interval, resend delay)', () => {
    const rule = new AlertingRule(alertSpec('X', tableExpr([{ labels: { run: '1' }, values: [1] }])));
    rule.eval(0, ctx());
    const [out] = rule.alertsToSend(0, MIN, 2 * MIN);
    expect(out?.alert).toMatchObject({ lastSentAt: 0, validUntil: 8 * MIN });
    expect(rule.activeAlerts()[0]).toMatchObject({ lastSentAt: 0, validUntil: 8 * MIN });
  });

  it('hands out copies: changing them does not change the rule', () => {
    const rule = new AlertingRule(alertSpec('X', tableExpr([{ labels: { run: '1' }, values: [1] }])));
    rule.eval(0, ctx());
    const [out] = rule.alertsToSend(0, MIN, MIN);
    (out?.alert as Alert).state = 'inactive';
    expect(rule.activeAlerts()[0]?.state).toBe('firing');
  });
});

describe('snapshot and restore', () => {
  // The same rule evaluated without a break, and with a snapshot through JSON and a new rule
  // (a restart) at `cut`: every evaluation after the cut must agree.
  function compare(opts: { forMs?: number; keepFiringForMs?: number }, values: Array<number | null>, cut: number) {
    const expr = tableExpr([{ labels: { run: '1' }, values }]);
    const straight = new AlertingRule(alertSpec('X', expr, opts));
    let restarted = new AlertingRule(alertSpec('X', expr, opts));
    const trace: Array<[unknown, unknown]> = [];
    values.forEach((_, t) => {
      if (t === cut) {
        const json = JSON.parse(JSON.stringify(restarted.snapshot()));
        restarted = new AlertingRule(alertSpec('X', expr, opts));
        restarted.restore(json);
      }
      const a = straight.eval(t * MIN, ctx());
      const b = restarted.eval(t * MIN, ctx());
      straight.alertsToSend(t * MIN, MIN, MIN);
      const sentAfterRestart = restarted.alertsToSend(t * MIN, MIN, MIN);
      trace.push([a, b], [straight.currentAlerts(), restarted.currentAlerts()]);
      if (t === cut) expect(sentAfterRestart.map((s) => s.reason), 'no re-page right after the restart').not.toContain('firing');
    });
    for (const [a, b] of trace) expect(b).toEqual(a);
  }

  it('keeps a pending alert’s for clock across a restart', () => {
    compare({ forMs: 5 * MIN }, [1, 1, 1, 1, 1, 1, 1, 1], 3);
  });

  it('keeps keep_firing_for running across a restart', () => {
    compare({ keepFiringForMs: 4 * MIN }, [1, 1, null, null, null, null, null, null], 4);
  });

  it('keeps a resolved alert (and its re-sends) across a restart', () => {
    compare({}, [1, null, null, null, null], 2);
  });

  it('is plain JSON, also for values that are not finite', () => {
    const rule = new AlertingRule(alertSpec('X', tableExpr([{ labels: { run: '1' }, values: [Infinity] }, { labels: { run: '2' }, values: [NaN] }])));
    rule.eval(0, ctx());
    const json = JSON.parse(JSON.stringify(rule.snapshot()));
    expect(json.alerts.map((a: { value: unknown }) => a.value)).toEqual(['+Inf', 'NaN']);
    const back = new AlertingRule(alertSpec('X', tableExpr([])));
    back.restore(json);
    expect(back.currentAlerts().map((a) => a.value)).toEqual([Infinity, NaN]);
  });

  it('refuses a malformed snapshot and keeps its state', () => {
    const rule = new AlertingRule(alertSpec('X', tableExpr([{ labels: { run: '1' }, values: [1] }])));
    rule.eval(0, ctx());
    expect(() => rule.restore({ alerts: [{ state: 'burning', labels: {}, annotations: {}, value: 1, activeAt: 0 }] } as never)).toThrow(TypeError);
    expect(() => rule.restore({} as never)).toThrow(TypeError);
    expect(rule.activeAlerts()).toHaveLength(1);
  });
});
