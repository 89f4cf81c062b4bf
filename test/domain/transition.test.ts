import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/errors.ts';
import { phaseSpanIdFor, rootSpanIdFor, stepSpanIdFor, traceIdFor } from '../../src/domain/ids.ts';
import { transition } from '../../src/domain/transition.ts';
import type { Effect, Transition } from '../../src/domain/transition.ts';
import type { Result, Run, RunEvent } from '../../src/domain/types.ts';

// Times are explicit on every event: the state machine never reads a clock.
const T0 = Date.UTC(2026, 0, 2, 15, 0, 0);
const s = (seconds: number) => T0 + seconds * 1000;

type Ev = RunEvent;
const start = (extra: Partial<Extract<Ev, { type: 'run.start' }>> = {}): Ev => ({ type: 'run.start', runId: 'r1', workflow: 'build', timeMs: s(0), ...extra });
const phaseStart = (phase: string, at: number, explicitTime = true): Ev => ({ type: 'phase.start', runId: 'r1', phase, timeMs: s(at), explicitTime });
const phaseFinish = (phase: string, at: number, result: Result = 'success', explicitTime = true): Ev => ({ type: 'phase.finish', runId: 'r1', phase, result, timeMs: s(at), explicitTime });
const stepStart = (phase: string, step: string, at: number): Ev => ({ type: 'step.start', runId: 'r1', phase, step, timeMs: s(at), explicitTime: true });
const stepFinish = (phase: string, step: string, at: number, result: Result = 'success'): Ev => ({ type: 'step.finish', runId: 'r1', phase, step, result, timeMs: s(at), explicitTime: true });
const beat = (at: number, extra: Partial<Extract<Ev, { type: 'heartbeat' }>> = {}): Ev => ({ type: 'heartbeat', runId: 'r1', timeMs: s(at), explicitTime: true, ...extra });
const finish = (at: number, result: Result = 'success', explicitTime = true): Ev => ({ type: 'run.finish', runId: 'r1', result, timeMs: s(at), explicitTime });

/** play applies events in order, as the ingest service does, and returns every transition. */
function play(events: Ev[]): { run: Run; steps: Transition[] } {
  let run: Run | undefined;
  const steps: Transition[] = [];
  for (const e of events) {
    const t = transition(run, e);
    run = t.run;
    steps.push(t);
  }
  return { run: run as Run, steps };
}

function effectTypes(t: Transition): string[] {
  return t.effects.map((e: Effect) => (e.type === 'state.changed' ? `state:${e.from}->${e.to}` : e.type));
}

describe('run start', () => {
  it('creates a pending run with ids derived from the run id', () => {
    const t = transition(undefined, start());
    expect(t.created).toBe(true);
    expect(t.run.state).toBe('pending');
    expect(t.run.traceId).toBe(traceIdFor('r1'));
    expect(t.run.spanId).toBe(rootSpanIdFor('r1'));
    expect(t.traceparent).toBe(`00-${traceIdFor('r1')}-${rootSpanIdFor('r1')}-01`);
    expect(t.run.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(t.run.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(effectTypes(t)).toEqual(['run.started']);
  });

  it('puts the root under the caller when a traceparent is given', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const t = transition(undefined, start({ traceparent: tp }));
    expect(t.run.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(t.run.parentSpanId).toBe('b7ad6b7169203331');
  });

  it('answers the same run start again as a duplicate with the same ids', () => {
    const first = transition(undefined, start());
    const again = transition(first.run, start({ timeMs: s(5) }));
    expect(again.duplicate).toBe(true);
    expect(again.created).toBe(false);
    expect(again.traceparent).toBe(first.traceparent);
    expect(again.run.startMs).toBe(s(0));
  });

  it('refuses the same run id for another workflow', () => {
    const first = transition(undefined, start());
    expect(() => transition(first.run, start({ workflow: 'deploy' }))).toThrow(ConflictError);
  });

  it('ids differ between runs, phases, attempts and steps', () => {
    const ids = new Set([
      rootSpanIdFor('r1'),
      rootSpanIdFor('r2'),
      phaseSpanIdFor('r1', 'test', 1),
      phaseSpanIdFor('r1', 'test', 2),
      phaseSpanIdFor('r1', 'build', 1),
      stepSpanIdFor('r1', 'test', 1, 'unit', 1),
      stepSpanIdFor('r1', 'test', 2, 'unit', 1),
    ]);
    expect(ids.size).toBe(7);
  });
});

describe('events for an unknown run', () => {
  it.each<Ev>([phaseStart('a', 1), phaseFinish('a', 1), stepStart('a', 'b', 1), beat(1), finish(1), { type: 'retry', runId: 'r1', attempt: 1, timeMs: s(1) }])(
    '$type gets NotFoundError',
    (e) => {
      expect(() => transition(undefined, e)).toThrow(NotFoundError);
    },
  );
});

describe('phases', () => {
  it('a phase start moves the run to executing and gives the phase span', () => {
    const { run, steps } = play([start(), phaseStart('test', 1)]);
    expect(run.state).toBe('executing');
    expect(effectTypes(steps[1] as Transition)).toEqual(['state:pending->executing', 'phase.started']);
    expect(steps[1]?.traceparent).toBe(`00-${traceIdFor('r1')}-${phaseSpanIdFor('r1', 'test', 1)}-01`);
  });

  it('a phase started again after it finished is a new attempt', () => {
    const { run } = play([start(), phaseStart('test', 1), phaseFinish('test', 2, 'failure'), phaseStart('test', 3), phaseFinish('test', 5)]);
    const attempts = run.phases.get('test') ?? [];
    expect(attempts.map((a) => [a.attempt, a.result, a.spanId])).toEqual([
      [1, 'failure', phaseSpanIdFor('r1', 'test', 1)],
      [2, 'success', phaseSpanIdFor('r1', 'test', 2)],
    ]);
  });

  it('phases may run in any order and concurrently', () => {
    const { run } = play([start(), phaseStart('b', 1), phaseStart('a', 2), phaseFinish('b', 3)]);
    expect(run.runningPhases).toEqual(['a']);
  });

  it('moves to finalizing when every declared phase finished, back to executing if one starts again', () => {
    const { run, steps } = play([
      start({ phases: [{ name: 'build' }, { name: 'test' }] }),
      phaseStart('build', 1),
      phaseFinish('build', 2),
      phaseStart('test', 3),
      phaseFinish('test', 4),
    ]);
    expect(run.state).toBe('finalizing');
    expect(effectTypes(steps[4] as Transition)).toEqual(['phase.finished', 'state:executing->finalizing']);
    const again = transition(run, phaseStart('test', 5));
    expect(again.run.state).toBe('executing');
  });

  it('an undeclared run never finalizes', () => {
    const { run } = play([start(), phaseStart('a', 1), phaseFinish('a', 2)]);
    expect(run.state).toBe('executing');
  });

  it.each([
    ['finish of a phase never started', [start()], phaseFinish('x', 1), /never started/],
    ['a different finish of a finished phase', [start(), phaseStart('a', 1), phaseFinish('a', 2)], phaseFinish('a', 3, 'failure'), /already finished with success/],
    ['a start at another explicit time while running', [start(), phaseStart('a', 1)], phaseStart('a', 2), /already running/],
    ['a finish before the phase started', [start(), phaseStart('a', 10)], phaseFinish('a', 5), /before its start/],
    ['a phase start after the run finished', [start(), finish(1)], phaseStart('a', 2), /already finished/],
  ] as const)('refuses %s with ConflictError and changes nothing', (_name, before, event, message) => {
    const { run } = play([...before]);
    const snapshot = structuredClone(run);
    expect(() => transition(run, event)).toThrow(ConflictError);
    expect(() => transition(run, event)).toThrow(message);
    expect(run).toEqual(snapshot);
  });

  it.each([
    ['a repeated start without time while running', [start(), phaseStart('a', 1)], phaseStart('a', 9, false)],
    ['a repeated start with the same time', [start(), phaseStart('a', 1), phaseFinish('a', 2)], phaseStart('a', 1)],
    ['a repeated finish with the same result and time', [start(), phaseStart('a', 1), phaseFinish('a', 2)], phaseFinish('a', 2)],
    ['a repeated finish with the same result and no time', [start(), phaseStart('a', 1), phaseFinish('a', 2)], phaseFinish('a', 7, 'success', false)],
  ] as const)('answers %s as a duplicate that changes nothing', (_name, before, event) => {
    const { run, steps } = play([...before]);
    const snapshot = structuredClone(run);
    const t = transition(run, event);
    expect(t.duplicate).toBe(true);
    expect(t.effects).toEqual([]);
    expect(run).toEqual(snapshot);
    const first = steps.findLast((x) => x.traceparent.endsWith(`${phaseSpanIdFor('r1', 'a', 1)}-01`));
    expect(t.traceparent).toBe(first?.traceparent);
  });
});

describe('steps', () => {
  it('steps belong to the running attempt of their phase', () => {
    const { run, steps } = play([start(), phaseStart('test', 1), stepStart('test', 'unit', 2), stepFinish('test', 'unit', 3)]);
    const attempt = run.phases.get('test')?.[0];
    expect(attempt?.steps?.get('unit')?.[0]?.result).toBe('success');
    expect(steps[2]?.traceparent).toContain(stepSpanIdFor('r1', 'test', 1, 'unit', 1));
  });

  it('a step of a phase that is not running is a conflict', () => {
    const { run } = play([start(), phaseStart('test', 1), phaseFinish('test', 2)]);
    expect(() => transition(run, stepStart('test', 'unit', 3))).toThrow(/not running/);
    expect(() => transition(run, stepStart('other', 'unit', 3))).toThrow(/not running/);
  });

  it('finishing a phase closes its running steps with the same result', () => {
    const { run, steps } = play([start(), phaseStart('test', 1), stepStart('test', 'unit', 2), phaseFinish('test', 5, 'timeout')]);
    const step = run.phases.get('test')?.[0]?.steps?.get('unit')?.[0];
    expect([step?.result, step?.endMs]).toEqual(['timeout', s(5)]);
    expect(effectTypes(steps[3] as Transition)).toEqual(['step.finished', 'phase.finished']);
  });
});

describe('heartbeats and progress', () => {
  it('moves a pending run to executing and records progress', () => {
    const { run } = play([start(), beat(10, { progress: 0.25, message: 'loading' })]);
    expect(run.state).toBe('executing');
    expect([run.lastHeartbeatMs, run.lastProgressMs, run.progress, run.message]).toEqual([s(10), s(10), 0.25, 'loading']);
    expect(run.events?.map((e) => e.name)).toEqual(['heartbeat']);
  });

  it('progress that does not move keeps its old time; done/total give the ratio', () => {
    const { run } = play([start(), beat(10, { done: 1, total: 4 }), beat(20, { done: 1, total: 4 }), beat(30)]);
    expect([run.progress, run.lastProgressMs, run.lastHeartbeatMs, run.heartbeats]).toEqual([0.25, s(10), s(30), 3]);
  });

  it('a heartbeat during a phase lands on the phase span', () => {
    const { run } = play([start(), phaseStart('a', 1), beat(2)]);
    expect(run.phases.get('a')?.[0]?.events?.map((e) => e.name)).toEqual(['heartbeat']);
    expect(run.events).toBeUndefined();
  });

  it('a heartbeat repeated with the same time is a duplicate', () => {
    const { run } = play([start(), beat(10)]);
    const t = transition(run, beat(10));
    expect([t.duplicate, run.heartbeats]).toEqual([true, 1]);
  });

  it('span events are capped at 128 per span and the rest counted', () => {
    const events: Ev[] = [start()];
    for (let i = 1; i <= 200; i++) events.push(beat(i));
    const { run } = play(events);
    expect([run.events?.length, run.droppedEvents, run.heartbeats]).toEqual([128, 72, 200]);
  });

  it('a heartbeat after the run finished is a conflict', () => {
    const { run } = play([start(), finish(1)]);
    expect(() => transition(run, beat(2))).toThrow(ConflictError);
  });
});

describe('retries', () => {
  it('records a retry once per phase and attempt', () => {
    const retry: Ev = { type: 'retry', runId: 'r1', phase: 'test', attempt: 2, reason: 'flaky', timeMs: s(3) };
    const { run, steps } = play([start(), retry, retry]);
    expect(run.retries).toEqual([{ phase: 'test', attempt: 2, reason: 'flaky', timeMs: s(3) }]);
    expect(steps[2]?.duplicate).toBe(true);
    expect(run.events?.map((e) => [e.name, e.attributes['runwarden.retry.attempt']])).toEqual([['retry', 2]]);
  });
});

describe('run finish', () => {
  it('closes running phases and steps with the run result, at its time', () => {
    const { run, steps } = play([start(), phaseStart('a', 1), stepStart('a', 'x', 2), finish(4, 'cancellation')]);
    const phase = run.phases.get('a')?.[0];
    expect([run.state, run.result, run.endMs, phase?.result, phase?.endMs, run.runningPhases]).toEqual(['finished', 'cancellation', s(4), 'cancellation', s(4), []]);
    expect(effectTypes(steps[3] as Transition)).toEqual(['step.finished', 'phase.finished', 'state:executing->finished', 'run.finished']);
  });

  it('accumulates the time spent in each state', () => {
    const { run } = play([
      start({ phases: [{ name: 'a' }] }),
      phaseStart('a', 10),
      phaseFinish('a', 70),
      finish(75),
    ]);
    expect(run.stateDurationsMs).toEqual({ pending: 10_000, executing: 60_000, finalizing: 5_000 });
  });

  it('a run without phases or heartbeats is pending all its life', () => {
    const { run } = play([start(), finish(3)]);
    expect(run.stateDurationsMs).toEqual({ pending: 3000 });
  });

  it.each([
    ['the same result again', finish(5), true],
    ['the same result without time', finish(9, 'success', false), true],
  ] as const)('answers %s as a duplicate', (_n, event, dup) => {
    const { run } = play([start(), finish(5)]);
    expect(transition(run, event).duplicate).toBe(dup);
  });

  it.each([
    ['a different result', finish(5, 'failure')],
    ['the same result at another time', finish(6)],
  ] as const)('refuses %s', (_n, event) => {
    const { run } = play([start(), finish(5)]);
    expect(() => transition(run, event)).toThrow(/already finished with success/);
  });

  it('refuses a finish before the run started', () => {
    const { run } = play([start({ timeMs: s(10) })]);
    expect(() => transition(run, finish(5))).toThrow(/before the run's start/);
  });
});
