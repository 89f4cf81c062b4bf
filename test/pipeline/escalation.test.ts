/**
 * Escalation by occurrence (issue 5): the n-th occurrence of the same alert (labels minus run_id)
 * within the window goes to its step's receiver, the resolve follows the trigger's receiver, a
 * re-send is not an occurrence, the window forgets old occurrences, and counts survive a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Escalations, occurrenceKey, stepReceiver } from '../../src/pipeline/escalation.ts';
import type { EscalationPolicy } from '../../src/pipeline/types.ts';
import { alert, createTempDb, HOUR, m, MINUTE, T0 } from './pipeline-fakes.ts';
import type { TempDb } from './pipeline-fakes.ts';

const POLICY: EscalationPolicy = {
  matchers: [m('alertname="RunFailed"')],
  windowMs: 24 * HOUR,
  steps: [
    { afterOccurrences: 1, receiver: 'runner-retry' },
    { afterOccurrences: 2, receiver: 'slack' },
    { afterOccurrences: 3, receiver: 'pagerduty' },
  ],
  ignoreLabels: ['run_id'],
};

const failed = (runId: string, startsAt: number, endsAt?: number) => alert({ alertname: 'RunFailed', workflow: 'etl', run_id: runId }, startsAt, endsAt);

let opened: TempDb | undefined;
const open = (): TempDb => (opened = createTempDb());
afterEach(() => {
  opened?.close();
  opened = undefined;
});

describe('stepReceiver', () => {
  it.each([
    [0, 'runner-retry'],
    [1, 'runner-retry'],
    [2, 'slack'],
    [3, 'pagerduty'],
    [7, 'pagerduty'],
  ])('occurrence %i goes to %s', (n, receiver) => {
    expect(stepReceiver(POLICY, n)).toBe(receiver);
  });

  it('an occurrence is the alert without its run id', () => {
    expect(occurrenceKey(POLICY, { alertname: 'RunFailed', run_id: 'a' })).toBe(occurrenceKey(POLICY, { alertname: 'RunFailed', run_id: 'b' }));
    expect(occurrenceKey(POLICY, { alertname: 'RunFailed', workflow: 'x' })).not.toBe(occurrenceKey(POLICY, { alertname: 'RunFailed', workflow: 'y' }));
  });
});

describe('Escalations', () => {
  it('collects occurrences older than the longest window, also of alerts that never fire again', () => {
    const tmp = open();
    const short: EscalationPolicy = { ...POLICY, matchers: [m('alertname="Flaky"')], windowMs: HOUR };
    const esc = new Escalations(tmp.db, [POLICY, short]);
    esc.escalate(failed('r1', T0), T0);
    esc.escalate(alert({ alertname: 'Flaky', run_id: 'x' }, T0), T0);
    const rows = () => Number(tmp.db.prepare('SELECT count(*) AS n FROM escalation_occurrences').get()!['n']);
    expect([esc.gc(T0 + 23 * HOUR), rows()]).toEqual([0, 2]);
    expect([esc.gc(T0 + 24 * HOUR), rows()]).toEqual([2, 0]);
  });

  it('sends the 1st, 2nd and 3rd occurrence to the three receivers; re-sends and resolves keep theirs', () => {
    const tmp = open();
    const esc = new Escalations(tmp.db, [POLICY]);
    const r1 = failed('r1', T0);
    expect(esc.escalate(r1, T0)).toMatchObject({ receiver: 'runner-retry', occurrence: 1 });
    expect(esc.escalate({ ...r1, updatedAt: T0 + MINUTE }, T0 + MINUTE)).toMatchObject({ receiver: 'runner-retry' });
    expect(esc.escalate(failed('r2', T0 + HOUR), T0 + HOUR)).toMatchObject({ receiver: 'slack', occurrence: 2 });
    expect(esc.escalate(failed('r3', T0 + 2 * HOUR), T0 + 2 * HOUR)).toMatchObject({ receiver: 'pagerduty', occurrence: 3 });
    expect(esc.escalate(failed('r2', T0 + HOUR, T0 + 3 * HOUR), T0 + 3 * HOUR)).toMatchObject({ receiver: 'slack' });
    expect(esc.escalate(failed('r4', T0 + 4 * HOUR), T0 + 4 * HOUR)).toMatchObject({ receiver: 'pagerduty', occurrence: 4 });
    expect(esc.occurrences(POLICY, r1.labels, T0 + 4 * HOUR)).toBe(4);
  });

  it('the same run firing again later is a new occurrence', () => {
    const tmp = open();
    const esc = new Escalations(tmp.db, [POLICY]);
    expect(esc.escalate(failed('r1', T0), T0)).toMatchObject({ occurrence: 1 });
    expect(esc.escalate(failed('r1', T0 + HOUR), T0 + HOUR)).toMatchObject({ receiver: 'slack', occurrence: 2 });
  });

  it('forgets occurrences older than the window', () => {
    const tmp = open();
    const esc = new Escalations(tmp.db, [POLICY]);
    esc.escalate(failed('r1', T0), T0);
    esc.escalate(failed('r2', T0 + HOUR), T0 + HOUR);
    expect(esc.escalate(failed('r3', T0 + 24 * HOUR), T0 + 24 * HOUR)).toMatchObject({ receiver: 'slack', occurrence: 2 });
    expect(esc.escalate(failed('r4', T0 + 50 * HOUR), T0 + 50 * HOUR)).toMatchObject({ receiver: 'runner-retry', occurrence: 1 });
  });

  it('keeps counts and assignments across a restart', () => {
    const tmp = open();
    new Escalations(tmp.db, [POLICY]).escalate(failed('r1', T0), T0);
    new Escalations(tmp.db, [POLICY]).escalate(failed('r2', T0 + HOUR), T0 + HOUR);
    const esc = new Escalations(tmp.reopen(), [POLICY]);
    expect(esc.escalate(failed('r2', T0 + HOUR), T0 + 2 * HOUR)).toMatchObject({ receiver: 'slack' });
    expect(esc.escalate(failed('r3', T0 + 3 * HOUR), T0 + 3 * HOUR)).toMatchObject({ receiver: 'pagerduty', occurrence: 3 });
  });

  it('leaves alerts no policy matches, and resolves it never assigned, to the routes', () => {
    const tmp = open();
    const esc = new Escalations(tmp.db, [POLICY]);
    expect(esc.escalate(alert({ alertname: 'PhaseSlow', run_id: 'r1' }), T0)).toBeUndefined();
    expect(esc.escalate(failed('r9', T0 - HOUR, T0 - MINUTE), T0)).toBeUndefined();
    const r1 = failed('r1', T0);
    esc.escalate(r1, T0);
    esc.release(r1.fingerprint);
    expect(esc.escalate({ ...r1, endsAt: T0 + MINUTE }, T0 + MINUTE)).toBeUndefined();
  });
});
