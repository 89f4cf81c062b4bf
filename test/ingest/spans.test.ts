/**
 * The spans a run produces, as an OTLP backend would receive them (through the in-memory exporter):
 * root `RUN {workflow}` (SERVER), phase attempts under it, steps under their phase attempt, retried
 * attempts linked to the previous one, heartbeats and retries as span events, failures as ERROR,
 * and the event times as span times.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, T0 } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(async () => {
  await t.close();
});

const ms = (hr: HrTime) => hr[0] * 1000 + hr[1] / 1e6;

async function ok(url: string, body: object = {}) {
  const res = await t.post(url, body);
  expect(res.status, `${url}: ${res.text}`).toBeLessThan(300);
  return res.body;
}

function only(spans: ReadableSpan[], pred: (s: ReadableSpan) => boolean, what: string): ReadableSpan {
  const found = spans.filter(pred);
  expect(found, what).toHaveLength(1);
  return found[0] as ReadableSpan;
}

describe('spans of one full run', () => {
  const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const CALLER_SPAN = '00f067aa0ba902b7';
  let spans: ReadableSpan[];
  let started: { traceId: string; spanId: string; traceparent: string };
  let phaseTp: string[];
  let stepTp: string;

  // Times come from the events, not the clock: the clock stays at T0 throughout.
  const at = (s: number) => T0 + s * 1000;

  beforeEach(async () => {
    started = await ok('/v1/runs', {
      workflow: 'release',
      runId: 'r1',
      attributes: { 'vcs.ref.head.name': 'main' },
      phases: [{ name: 'build', budgetSeconds: 600 }, { name: 'test' }],
      traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
      time: new Date(at(0)).toISOString(),
    });
    const p = '/v1/runs/r1/phases';
    phaseTp = [];
    phaseTp.push((await ok(`${p}/build/start`, { attributes: { runner: 'linux' }, time: at(10) })).traceparent);
    stepTp = (await ok(`${p}/build/steps/compile/start`, { time: at(11) })).traceparent;
    await ok('/v1/runs/r1/heartbeat', { progress: 0.4, message: 'compiling', time: at(12) });
    await ok(`${p}/build/steps/compile/finish`, { result: 'success', time: at(15) });
    await ok(`${p}/build/finish`, { result: 'failure', error: { type: 'OOMKilled', message: 'exit 137' }, time: at(20) });
    await ok('/v1/runs/r1/retries', { phase: 'build', attempt: 2, reason: 'out of memory', time: at(21) });
    await ok('/v1/runs/r1/heartbeat', { done: 1, total: 2, time: at(22) });
    phaseTp.push((await ok(`${p}/build/start`, { time: at(25) })).traceparent);
    await ok(`${p}/build/finish`, { result: 'success', time: at(40) });
    await ok(`${p}/test/start`, { time: at(41) });
    await ok(`${p}/test/finish`, { result: 'timeout', time: at(50) });
    await ok('/v1/runs/r1/finish', { result: 'failure', error: 'tests timed out', time: at(55) });
    spans = await t.flushSpans();
  });

  const root = () => only(spans, (s) => s.name === 'RUN release', 'root span');
  const phases = (name: string) => spans.filter((s) => s.name === name).sort((a, b) => ms(a.startTime) - ms(b.startTime));

  it('exports one span per run, phase attempt and step attempt, all in the caller\'s trace', () => {
    expect(spans.map((s) => s.name).sort()).toEqual(['RUN release', 'build', 'build', 'compile', 'test']);
    for (const s of spans) expect(s.spanContext().traceId, s.name).toBe(CALLER_TRACE);
    expect(started.traceId).toBe(CALLER_TRACE);
    expect(new Set(spans.map((s) => s.spanContext().spanId)).size).toBe(5);
  });

  it('the root is RUN {workflow}, kind SERVER, a child of the caller\'s span', () => {
    const r = root();
    expect(r.kind).toBe(SpanKind.SERVER);
    expect(r.spanContext().spanId).toBe(started.spanId);
    expect(r.parentSpanContext).toMatchObject({ traceId: CALLER_TRACE, spanId: CALLER_SPAN, isRemote: true });
    expect(r.attributes).toMatchObject({
      'vcs.ref.head.name': 'main',
      'cicd.pipeline.name': 'release',
      'cicd.pipeline.run.id': 'r1',
      'cicd.pipeline.result': 'failure',
    });
  });

  it('phase attempts are INTERNAL children of the root, with the span ids their start answered', () => {
    const [first, second] = phases('build');
    const [test] = phases('test');
    for (const s of [first, second, test]) {
      expect(s?.kind).toBe(SpanKind.INTERNAL);
      expect(s?.parentSpanContext?.spanId).toBe(started.spanId);
    }
    expect(phaseTp).toEqual([
      `00-${CALLER_TRACE}-${first?.spanContext().spanId}-01`,
      `00-${CALLER_TRACE}-${second?.spanContext().spanId}-01`,
    ]);
    expect(first?.attributes).toMatchObject({ runner: 'linux', 'cicd.pipeline.task.name': 'build', 'runwarden.phase.budget_seconds': 600 });
  });

  it('a step is a child of its phase attempt', () => {
    const step = only(spans, (s) => s.name === 'compile', 'step span');
    expect(step.kind).toBe(SpanKind.INTERNAL);
    expect(step.parentSpanContext?.spanId).toBe(phases('build')[0]?.spanContext().spanId);
    expect(stepTp).toBe(`00-${CALLER_TRACE}-${step.spanContext().spanId}-01`);
    expect(step.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a retried phase is a new span linked to the previous attempt', () => {
    const [first, second] = phases('build');
    expect(first?.links).toEqual([]);
    expect(second?.links).toEqual([
      { context: expect.objectContaining({ traceId: CALLER_TRACE, spanId: first?.spanContext().spanId }), attributes: expect.any(Object) },
    ]);
    expect(second?.attributes).toMatchObject({ 'runwarden.attempt': 2 });
  });

  it('event times are the span times', () => {
    const [first, second] = phases('build');
    const step = only(spans, (s) => s.name === 'compile', 'step span');
    const times = (s: ReadableSpan | undefined) => [ms(s!.startTime), ms(s!.endTime)];
    expect(times(root())).toEqual([at(0), at(55)]);
    expect(times(first)).toEqual([at(10), at(20)]);
    expect(times(step)).toEqual([at(11), at(15)]);
    expect(times(second)).toEqual([at(25), at(40)]);
    expect(times(phases('test')[0])).toEqual([at(41), at(50)]);
    expect(root().duration).toEqual([55, 0]);
  });

  it('heartbeats are events on the running phase (or the root); retries are events on the root', () => {
    const [first] = phases('build');
    expect(first?.events).toEqual([
      { name: 'heartbeat', time: expect.anything(), attributes: { 'runwarden.progress': 0.4, 'runwarden.message': 'compiling' } },
    ]);
    expect(ms(first!.events[0]!.time)).toBe(at(12));
    const names = root().events.map((e) => [e.name, ms(e.time)]);
    expect(names).toEqual([
      ['retry', at(21)],
      ['heartbeat', at(22)],
    ]);
    expect(root().events[0]?.attributes).toMatchObject({ 'runwarden.retry.attempt': 2, 'cicd.pipeline.task.name': 'build', 'runwarden.retry.reason': 'out of memory' });
    expect(root().events[1]?.attributes).toMatchObject({ 'runwarden.progress': 0.5 });
  });

  it('failures are status ERROR with error.type; successes are not', () => {
    const [first, second] = phases('build');
    expect(first?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'exit 137' });
    expect(first?.attributes['error.type']).toBe('OOMKilled');
    expect(second?.status.code).toBe(SpanStatusCode.UNSET);
    expect(second?.attributes).not.toHaveProperty('error.type');
    // A timeout without an error object: error.type is the result.
    expect(phases('test')[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(phases('test')[0]?.attributes['error.type']).toBe('timeout');
    // A run error given as a string: the message is it, error.type the result.
    expect(root().status).toEqual({ code: SpanStatusCode.ERROR, message: 'tests timed out' });
    expect(root().attributes['error.type']).toBe('failure');
  });
});

describe('spans without a caller', () => {
  it('a run without a traceparent is a root with no parent; its answer names its trace', async () => {
    const started = await ok('/v1/runs', { workflow: 'w', runId: 'solo' });
    await ok('/v1/runs/solo/finish', { result: 'success' });
    const [span, ...rest] = await t.flushSpans();
    expect(rest).toEqual([]);
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.spanContext()).toMatchObject({ traceId: started.traceId, spanId: started.spanId });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('no span is exported before its run, phase or step ends', async () => {
    await ok('/v1/runs', { workflow: 'w', runId: 'open' });
    await ok('/v1/runs/open/phases/p/start');
    await ok('/v1/runs/open/phases/p/steps/s/start');
    await ok('/v1/runs/open/heartbeat', { progress: 0.1 });
    expect(await t.flushSpans()).toEqual([]);
  });

  it('a run finish ends the phases and steps still running, at the finish time', async () => {
    await ok('/v1/runs', { workflow: 'w', runId: 'r', time: T0 });
    await ok('/v1/runs/r/phases/p/start', { time: T0 + 1000 });
    await ok('/v1/runs/r/phases/p/steps/s/start', { time: T0 + 2000 });
    await ok('/v1/runs/r/finish', { result: 'cancellation', time: T0 + 9000 });
    const spans = await t.flushSpans();
    expect(spans.map((s) => [s.name, ms(s.endTime), s.attributes['cicd.pipeline.task.run.result'] ?? s.attributes['cicd.pipeline.result']]).sort()).toEqual([
      ['RUN w', T0 + 9000, 'cancellation'],
      ['p', T0 + 9000, 'cancellation'],
      ['s', T0 + 9000, 'cancellation'],
    ]);
    // Cancellation is not a failure.
    for (const s of spans) expect(s.status.code, s.name).toBe(SpanStatusCode.UNSET);
  });
});
