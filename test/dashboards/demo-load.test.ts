/**
 * The demo load's plans (test/helpers/demo-load.ts): what the dashboards are proven with must be
 * a valid story for the sidecar: times in order and never in the future, every outcome the
 * dashboards show (success, retried phase, failure with an error type, timeout).
 */
import { describe, expect, it } from 'vitest';
import { DEMO_WORKFLOWS, outcomeOf, planFinishedRun } from '../helpers/demo-load.ts';
import type { DemoCall, DemoWorkflow } from '../helpers/demo-load.ts';

const END = Date.UTC(2026, 10, 23, 12);
const times = (calls: DemoCall[]): number[] => calls.map((c) => c.body.time as number);

describe('planFinishedRun', () => {
  const cases = DEMO_WORKFLOWS.flatMap((wf) => Array.from({ length: 8 }, (_, seq) => [wf.name, seq, wf] as [string, number, DemoWorkflow]));

  it.each(cases)('%s run %i: starts the run first, ends with its finish, times in order up to the end', (_name, seq, wf) => {
    const calls = planFinishedRun(wf, seq, END, 't-');
    expect(calls[0]?.path).toBe('/v1/runs');
    expect(calls[0]?.body.runId).toBe(`${wf.name}-t-${seq}`);
    expect(calls.at(-1)?.path).toBe(`/v1/runs/${wf.name}-t-${seq}/finish`);
    const t = times(calls);
    expect(t.every((x) => Number.isInteger(x))).toBe(true);
    // Heartbeats sit mid-phase: the phase events around them stay in order.
    const phaseEvents = calls.filter((c) => !c.path.endsWith('/heartbeat')).map((c) => c.body.time as number);
    expect([...phaseEvents].sort((a, b) => a - b)).toEqual(phaseEvents);
    expect(Math.max(...t)).toBeLessThanOrEqual(END);
  });

  it.each([
    ['success', 0, 'success', false],
    ['retried', 1, 'success', true],
    ['failure', 3, 'failure', false],
    ['timeout', 6, 'timeout', false],
  ] as const)('%s (run %i) finishes with %s; retried: %s', (outcome, seq, result, retried) => {
    expect(outcomeOf(seq)).toBe(outcome);
    const calls = planFinishedRun(DEMO_WORKFLOWS[0] as DemoWorkflow, seq, END);
    expect(calls.at(-1)?.body.result).toBe(result);
    expect(calls.some((c) => c.path.endsWith('/retries'))).toBe(retried);
    if (result === 'failure') expect(calls.at(-1)?.body.error).toMatchObject({ type: expect.any(String) });
  });

  it('plans the same calls for the same arguments', () => {
    const wf = DEMO_WORKFLOWS[1] as DemoWorkflow;
    expect(planFinishedRun(wf, 5, END)).toEqual(planFinishedRun(wf, 5, END));
  });
});
