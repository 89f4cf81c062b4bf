/**
 * Aggregation groups and their timers, with a fake clock, as Alertmanager's dispatch tests check
 * them: the first flush after group_wait (at once for an old alert), then every group_interval;
 * resolved alerts leave after a flush; an empty group goes; a failed flush keeps everything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Dispatcher, groupKeyOf } from '../../src/pipeline/dispatcher.ts';
import type { AggregationGroup } from '../../src/pipeline/dispatcher.ts';
import type { PipelineAlert } from '../../src/pipeline/types.ts';
import { alert, buildRoute, createFakeTime, MINUTE, SECOND, T0 } from './pipeline-fakes.ts';
import type { FakeTime } from './pipeline-fakes.ts';

interface Flush {
  at: number;
  group: string;
  alerts: string[];
}

let dispatcher: Dispatcher | undefined;
afterEach(() => dispatcher?.stop());

function setup(fail: () => boolean = () => false): { time: FakeTime; flushes: Flush[]; d: Dispatcher; errors: unknown[] } {
  const time = createFakeTime();
  const flushes: Flush[] = [];
  const errors: unknown[] = [];
  const d = new Dispatcher({
    clock: time.now,
    scheduler: time.scheduler,
    flush: (g: AggregationGroup, alerts: PipelineAlert[], now: number) => {
      if (fail()) throw new Error('outbox down');
      flushes.push({ at: now - T0, group: g.key, alerts: alerts.map((a) => a.labels['alertname']!) });
    },
    onError: (err) => errors.push(err),
  });
  dispatcher = d;
  return { time, flushes, d, errors };
}

const route = buildRoute({ receiver: 'r', groupBy: ['team'], groupWaitMs: 30 * SECOND, groupIntervalMs: 5 * MINUTE });

describe('Dispatcher', () => {
  it('flushes a new group after group_wait, then every group_interval, with alerts joining in between', () => {
    const { time, flushes, d } = setup();
    d.insert(route, alert({ alertname: 'A', team: 'data' }));
    time.advance(29 * SECOND);
    expect(flushes).toEqual([]);
    d.insert(route, alert({ alertname: 'B', team: 'data' }, T0 + 29 * SECOND));
    time.advance(SECOND);
    expect(flushes).toEqual([{ at: 30 * SECOND, group: '{}:{team="data"}', alerts: ['A', 'B'] }]);
    d.insert(route, alert({ alertname: 'C', team: 'data' }, T0 + MINUTE));
    time.advance(5 * MINUTE);
    expect(flushes.map((f) => [f.at, f.alerts])).toEqual([
      [30 * SECOND, ['A', 'B']],
      [30 * SECOND + 5 * MINUTE, ['A', 'B', 'C']],
    ]);
  });

  it('flushes at once a group whose alert started longer than group_wait ago', () => {
    const { time, flushes, d } = setup();
    d.insert(route, alert({ alertname: 'A', team: 'data' }, T0 - MINUTE));
    time.runDue();
    expect(flushes.map((f) => f.at)).toEqual([0]);
    time.advance(5 * MINUTE);
    expect(flushes.map((f) => f.at)).toEqual([0, 5 * MINUTE]);
  });

  it.each([
    ['by team', ['team'], [['{}:{team="data"}', ['A', 'B']], ['{}:{team="web"}', ['C']]]],
    ['no group_by: one group', [], [['{}:{}', ['A', 'B', 'C']]]],
    ["'...': one group per alert", ['...'], [['{}:{alertname="A", team="data"}', ['A']], ['{}:{alertname="B", team="data"}', ['B']], ['{}:{alertname="C", team="web"}', ['C']]]],
  ])('groups %s', (_name, groupBy, expected) => {
    const { time, flushes, d } = setup();
    const r = buildRoute({ receiver: 'r', groupBy });
    for (const [name, team] of [['A', 'data'], ['B', 'data'], ['C', 'web']]) d.insert(r, alert({ alertname: name!, team: team! }));
    time.advance(30 * SECOND);
    expect(flushes.map((f) => [f.group, f.alerts]).sort()).toEqual(expected);
  });

  it('drops resolved alerts after the flush that carried them, and the group once empty', () => {
    const { time, flushes, d } = setup();
    d.insert(route, alert({ alertname: 'A', team: 'data' }));
    d.insert(route, alert({ alertname: 'B', team: 'data' }));
    time.advance(30 * SECOND);
    d.insert(route, alert({ alertname: 'B', team: 'data' }, T0, T0 + MINUTE));
    time.advance(5 * MINUTE);
    time.advance(5 * MINUTE);
    expect(flushes.map((f) => f.alerts)).toEqual([['A', 'B'], ['A', 'B'], ['A']]);
    d.insert(route, alert({ alertname: 'A', team: 'data' }, T0, T0 + 11 * MINUTE));
    time.advance(5 * MINUTE);
    expect(flushes.map((f) => f.alerts).at(-1)).toEqual(['A']);
    expect(d.groups()).toEqual([]);
    time.advance(60 * MINUTE);
    expect(flushes).toHaveLength(4);
  });

  it('keeps every alert when a flush fails, and tries again at the next interval', () => {
    let failing = true;
    const { time, flushes, d, errors } = setup(() => failing);
    d.insert(route, alert({ alertname: 'A', team: 'data' }, T0, T0 + 10 * SECOND));
    time.advance(30 * SECOND);
    expect([flushes.length, errors.length, d.groups().length]).toEqual([0, 1, 1]);
    failing = false;
    time.advance(5 * MINUTE);
    expect(flushes.map((f) => f.alerts)).toEqual([['A']]);
    expect(d.groups()).toEqual([]);
  });

  it('reload keeps groups whose route survives (with the new settings) and hands back the others', () => {
    const { time, flushes, d } = setup();
    const other = buildRoute({ receiver: 'r', routes: [{ matchers: ['team="web"'], receiver: 'web' }] }).routes[0]!;
    d.insert(route, alert({ alertname: 'A', team: 'data' }));
    d.insert(other, alert({ alertname: 'C', team: 'web' }));
    time.advance(30 * SECOND);
    const faster = { ...route, groupIntervalMs: MINUTE };
    const orphans = d.reload((id) => (id === route.id ? faster : undefined));
    expect(orphans.map((a) => a.labels['alertname'])).toEqual(['C']);
    expect(d.groups().map((g) => g.key)).toEqual([groupKeyOf(route, { team: 'data' })]);
    time.advance(5 * MINUTE);
    // The timer armed before the reload runs out; then the new interval applies.
    expect(flushes.filter((f) => f.alerts[0] === 'A').map((f) => f.at)).toEqual([30 * SECOND, 5 * MINUTE + 30 * SECOND]);
    time.advance(MINUTE);
    expect(flushes.filter((f) => f.alerts[0] === 'A').map((f) => f.at)).toEqual([30 * SECOND, 5 * MINUTE + 30 * SECOND, 6 * MINUTE + 30 * SECOND]);
  });
});
