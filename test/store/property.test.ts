/**
 * The projection property: whatever a client sends (valid sequences, duplicates, retries, events
 * out of order, conflicting ones; one by one, in `/v1/events` batches, or concurrently) the run
 * the sidecar holds in memory is exactly the run rebuilt from its log, and the log holds exactly
 * the events counted as accepted. A refused event must leave no trace in either.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { replay } from '../../src/domain/replay.ts';
import { RESULTS } from '../../src/domain/types.ts';
import { createTestApp, parseSamples, T0 } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

const RUNS = ['r0', 'r1', 'r2'] as const;
const PHASES = ['build', 'test', 'deploy'] as const;
const STEPS = ['compile', 'lint'] as const;

/** Ev is one event as `/v1/events` takes it: type, ids and body fields together. */
type Ev = { type: string; runId: string; phase?: string; step?: string } & Record<string, unknown>;

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
// Explicit times on a small grid, so starts, finishes and heartbeats collide and go backwards;
// absent, the time is the app's clock, which the commands move.
const time = opt(fc.integer({ min: 0, max: 30 }).map((s) => T0 + s * 1000));
const result = fc.constantFrom(...RESULTS);
const error = opt(fc.oneof(fc.constant('it broke'), fc.record({ type: fc.constantFrom('http_503', 'oom'), message: opt(fc.constant('details')) })));
const runId = fc.constantFrom(...RUNS);
const phase = fc.constantFrom(...PHASES);
const step = fc.constantFrom(...STEPS);

const runStart: fc.Arbitrary<Ev> = fc.record({
  type: fc.constant('run.start'),
  runId,
  // Mostly the run's own workflow; sometimes another, which conflicts with an existing run.
  workflow: fc.constantFrom('ci', 'ci', 'ci', 'other'),
  phases: opt(fc.subarray([...PHASES], { minLength: 1 }).chain((names) =>
    fc.tuple(...names.map((name) => fc.record({ name: fc.constant(name), budgetSeconds: opt(fc.integer({ min: 1, max: 600 })) })))),
  ),
  heartbeatIntervalSeconds: opt(fc.integer({ min: 1, max: 60 })),
  attributes: opt(fc.record({ team: fc.constantFrom('data', 'infra') })),
  time,
});
const phaseStart: fc.Arbitrary<Ev> = fc.record({ type: fc.constant('phase.start'), runId, phase, attributes: opt(fc.constant({ shard: 1 })), time });
const phaseFinish: fc.Arbitrary<Ev> = fc.record({ type: fc.constant('phase.finish'), runId, phase, result, error, time });
const stepStart: fc.Arbitrary<Ev> = fc.record({ type: fc.constant('step.start'), runId, phase, step, time });
const stepFinish: fc.Arbitrary<Ev> = fc.record({ type: fc.constant('step.finish'), runId, phase, step, result, error, time });
const heartbeat: fc.Arbitrary<Ev> = fc.record({
  type: fc.constant('heartbeat'),
  runId,
  progress: opt(fc.double({ min: 0, max: 1, noNaN: true })),
  // Now and then done > total, which is refused (400).
  done: opt(fc.integer({ min: 0, max: 110 })),
  total: opt(fc.integer({ min: 50, max: 100 })),
  message: opt(fc.constantFrom('rows', 'files')),
  time,
});
const retry: fc.Arbitrary<Ev> = fc.record({ type: fc.constant('retry'), runId, phase: opt(phase), attempt: fc.integer({ min: 1, max: 3 }), reason: opt(fc.constant('flaky')), time });
const runFinish: fc.Arbitrary<Ev> = fc.record({ type: fc.constant('run.finish'), runId, result, error, time });

const event: fc.Arbitrary<Ev> = fc.oneof(
  { arbitrary: runStart, weight: 3 },
  { arbitrary: phaseStart, weight: 4 },
  { arbitrary: phaseFinish, weight: 4 },
  { arbitrary: stepStart, weight: 2 },
  { arbitrary: stepFinish, weight: 2 },
  { arbitrary: heartbeat, weight: 3 },
  { arbitrary: retry, weight: 1 },
  { arbitrary: runFinish, weight: 1 },
);

/**
 * flow is a phase as a well-behaved client reports it (start, a step, heartbeat, finish), at
 * increasing times or none: mixed with the random events, it gets runs far into their lives.
 */
const flow: fc.Arbitrary<Ev[]> = fc
  .record({ runId, phase, step, result, stepResult: result, from: fc.integer({ min: 0, max: 25 }), explicit: fc.boolean() })
  .map(({ runId: id, phase: p, step: s, result: r, stepResult, from, explicit }) => {
    const at = (i: number) => (explicit ? { time: T0 + (from + i) * 1000 } : {});
    return [
      { type: 'phase.start', runId: id, phase: p, ...at(0) },
      { type: 'step.start', runId: id, phase: p, step: s, ...at(1) },
      { type: 'heartbeat', runId: id, progress: 0.5, ...at(2) },
      { type: 'step.finish', runId: id, phase: p, step: s, result: stepResult, ...at(3) },
      { type: 'phase.finish', runId: id, phase: p, result: r, ...at(4) },
    ];
  });

/** Cmd is one thing a client does: send events (one by one, as a batch, concurrently), resend, or wait. */
type Cmd =
  | { kind: 'single' | 'batch' | 'concurrent'; events: Ev[] }
  | { kind: 'resend' }
  | { kind: 'wait'; ms: number };

const command: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('single' as const), events: fc.array(event, { minLength: 1, maxLength: 3 }) }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('batch' as const), events: fc.array(event, { minLength: 1, maxLength: 6 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('concurrent' as const), events: fc.array(event, { minLength: 2, maxLength: 5 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constantFrom('single' as const, 'batch' as const), events: flow }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'resend' as const }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 5000 }) }), weight: 2 },
);

/** starts begins most runs before anything else happens, so later events mostly find their run. */
const starts: fc.Arbitrary<Cmd[]> = fc
  .tuple(...RUNS.map((id) => opt(runStart.map((e) => ({ ...e, runId: id, workflow: 'ci' })))))
  .map((events) => events.filter((e) => e !== undefined).map((e) => ({ kind: 'single' as const, events: [e] })));

/** route is the single-event call for `e`: its URL and body. */
function route(e: Ev): { url: string; body: Record<string, unknown> } {
  const { type, runId: id, phase: p, step: s, ...body } = e;
  const run = `/v1/runs/${id}`;
  switch (type) {
    case 'run.start':
      return { url: '/v1/runs', body: { runId: id, ...body } };
    case 'phase.start':
    case 'phase.finish':
      return { url: `${run}/phases/${p}/${type.split('.')[1]}`, body };
    case 'step.start':
    case 'step.finish':
      return { url: `${run}/phases/${p}/steps/${s}/${type.split('.')[1]}`, body };
    case 'heartbeat':
      return { url: `${run}/heartbeat`, body };
    case 'retry':
      // A retry's phase is a body field, not a path segment.
      return { url: `${run}/retries`, body: { phase: p, ...body } };
    default:
      return { url: `${run}/finish`, body };
  }
}

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** send delivers one command and checks each answer is one a client may get. */
async function send(app: TestApp, cmd: Exclude<Cmd, { kind: 'resend' | 'wait' }>): Promise<void> {
  const single = async (e: Ev) => {
    const { url, body } = route(e);
    const r = await app.post(url, body);
    expect([200, 201, 400, 404, 409], `${url} ${JSON.stringify(body)} → ${r.status} ${r.text}`).toContain(r.status);
  };
  if (cmd.kind === 'batch') {
    const r = await app.post('/v1/events', { events: cmd.events });
    expect(r.status, r.text).toBe(200);
    expect(r.body.accepted + r.body.rejected.length).toBe(cmd.events.length);
  } else if (cmd.kind === 'concurrent') {
    await Promise.all(cmd.events.map(single));
  } else {
    for (const e of cmd.events) await single(e);
  }
}

/** checkProjection asserts memory equals the log for every run, and the log equals what was counted. */
async function checkProjection(app: TestApp): Promise<void> {
  let logged = 0;
  for (const id of RUNS) {
    const events = app.store.eventsOf(id);
    logged += events.length;
    const live = app.registry.get(id);
    if (!live) {
      expect(events, `run ${id} is not known, yet its log has events`).toEqual([]);
      continue;
    }
    expect(live, `run ${id}: memory differs from its log`).toEqual(replay(events));
    const answered = await app.get(`/v1/runs/${id}`);
    expect(answered.status).toBe(200);
  }
  const samples = parseSamples(await app.metrics());
  const accepted = samples
    .filter((s) => s.name === 'runwarden_ingest_events_total' && s.labels.outcome === 'accepted')
    .reduce((sum, s) => sum + s.value, 0);
  expect(accepted, 'events counted as accepted vs events in the log').toBe(logged);
  // The active-run gauge, moved by each committed event's effects, says what memory says.
  const inMemory: Record<string, number> = {};
  for (const run of app.registry.activeRuns()) {
    const key = `${run.workflow} ${run.state}`;
    inMemory[key] = (inMemory[key] ?? 0) + 1;
  }
  const gauged: Record<string, number> = {};
  for (const s of samples) {
    if (s.name === 'cicd_pipeline_run_active' && s.value !== 0) gauged[`${s.labels.cicd_pipeline_name} ${s.labels.cicd_pipeline_run_state}`] = s.value;
  }
  expect(gauged, 'cicd_pipeline_run_active vs the active runs in memory').toEqual(inMemory);
}

describe('the run in memory is the projection of its log', () => {
  it('for random event sequences with duplicates, retries, disorder and conflicts', async () => {
    await fc.assert(
      fc.asyncProperty(starts, fc.array(command, { minLength: 1, maxLength: 40 }), async (first, cmds) => {
        await t?.close();
        // The clock starts after the explicit times, so most implicit ones come after them.
        t = createTestApp({ now: T0 + 31_000 });
        let last: Exclude<Cmd, { kind: 'resend' | 'wait' }> | undefined;
        for (const cmd of [...first, ...cmds]) {
          if (cmd.kind === 'wait') t.clock.advance(cmd.ms);
          else if (cmd.kind === 'resend') {
            if (last) await send(t, last);
          } else {
            await send(t, cmd);
            last = cmd;
          }
        }
        await checkProjection(t);
      }),
      { numRuns: 150, interruptAfterTimeLimit: 20_000 },
    );
  }, 60_000);

  it('for a run driven to completion through retries, with every event delivered twice', async () => {
    t = createTestApp();
    const at = (s: number) => T0 + s * 1000;
    const events: Ev[] = [
      { type: 'run.start', runId: 'r0', workflow: 'ci', phases: [{ name: 'build', budgetSeconds: 60 }, { name: 'test' }], time: at(0) },
      { type: 'phase.start', runId: 'r0', phase: 'build', time: at(1) },
      { type: 'step.start', runId: 'r0', phase: 'build', step: 'compile', time: at(2) },
      { type: 'heartbeat', runId: 'r0', done: 1, total: 4, time: at(3) },
      { type: 'phase.finish', runId: 'r0', phase: 'build', result: 'failure', error: { type: 'oom' }, time: at(4) },
      { type: 'retry', runId: 'r0', phase: 'build', attempt: 2, time: at(5) },
      { type: 'phase.start', runId: 'r0', phase: 'build', time: at(6) },
      { type: 'phase.finish', runId: 'r0', phase: 'build', result: 'success', time: at(7) },
      { type: 'phase.start', runId: 'r0', phase: 'test', time: at(8) },
      { type: 'phase.finish', runId: 'r0', phase: 'test', result: 'success', time: at(9) },
      { type: 'run.finish', runId: 'r0', result: 'success', time: at(10) },
    ];
    for (const e of events) {
      await send(t, { kind: 'single', events: [e] });
      await send(t, { kind: 'batch', events: [e] });
    }
    expect(t.store.eventsOf('r0')).toHaveLength(events.length);
    await checkProjection(t);
    expect(t.registry.get('r0')?.state).toBe('finished');
  });
});
