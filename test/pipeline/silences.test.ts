/**
 * Silences, as Alertmanager's `silence` package and API behave: states follow the clock, regexp
 * and negative matchers, updates in place or by expire-and-replace, expiry, validation, the API
 * order of listings and filters, persistence across a reopen and collection of old silences.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Silences } from '../../src/pipeline/silences.ts';
import type { SilenceInput, SilenceMatcher } from '../../src/pipeline/silences.ts';
import { createFakeTime, createTempDb, HOUR, m, MINUTE, T0 } from './pipeline-fakes.ts';
import type { FakeTime, TempDb } from './pipeline-fakes.ts';

const eq = (name: string, value: string): SilenceMatcher => ({ name, value, isRegex: false, isEqual: true });
const re = (name: string, value: string, isEqual = true): SilenceMatcher => ({ name, value, isRegex: true, isEqual });

let tmp: TempDb;
let time: FakeTime;
let ids: number;

function open(): Silences {
  return new Silences({ db: tmp.db, clock: time.now, newId: () => `s${++ids}`, retentionMs: 24 * HOUR });
}

function input(over: Partial<SilenceInput> = {}): SilenceInput {
  return { matchers: [eq('alertname', 'RunFailed')], startsAt: T0, endsAt: T0 + HOUR, createdBy: 'ana', comment: 'deploy', ...over };
}

afterEach(() => tmp.close());
const setup = () => {
  tmp = createTempDb();
  time = createFakeTime();
  ids = 0;
  return open();
};

describe('Silences', () => {
  it('is pending, then active, then expired as time passes', () => {
    const s = setup();
    const id = s.set(input({ startsAt: T0 + 10 * MINUTE }));
    const labels = { alertname: 'RunFailed', run_id: 'r1' };
    expect([s.get(id)!.state, s.mutedBy(labels)]).toEqual(['pending', []]);
    time.advance(10 * MINUTE);
    expect([s.get(id)!.state, s.mutedBy(labels)]).toEqual(['active', [id]]);
    time.advance(HOUR);
    expect([s.get(id)!.state, s.mutedBy(labels)]).toEqual(['expired', []]);
  });

  it.each([
    ['equality', [eq('alertname', 'RunFailed')], { alertname: 'RunFailed' }, true],
    ['equality, other value', [eq('alertname', 'RunFailed')], { alertname: 'RunSlow' }, false],
    ['regexp, fully anchored', [re('severity', 'warn.*')], { severity: 'warning' }, true],
    ['regexp does not match a substring', [re('severity', 'warn')], { severity: 'warning' }, false],
    ['negative regexp', [eq('alertname', 'A'), re('severity', 'crit.*', false)], { alertname: 'A', severity: 'warning' }, true],
    ['negative regexp, matching value', [eq('alertname', 'A'), re('severity', 'crit.*', false)], { alertname: 'A', severity: 'critical' }, false],
    ['not-equal with an absent label', [eq('alertname', 'A'), { name: 'env', value: 'prod', isRegex: false, isEqual: false }], { alertname: 'A' }, true],
    ['every matcher must match', [eq('alertname', 'A'), eq('run_id', 'r1')], { alertname: 'A', run_id: 'r2' }, false],
  ])('matches: %s', (_name, matchers, labels, muted) => {
    const s = setup();
    const id = s.set(input({ matchers }));
    expect(s.mutedBy(labels)).toEqual(muted ? [id] : []);
  });

  it('starts a silence whose start is in the past, or not given, now', () => {
    const s = setup();
    const id = s.set(input({ startsAt: T0 - HOUR }));
    expect(s.get(id)).toMatchObject({ startsAt: T0, endsAt: T0 + HOUR, updatedAt: T0, state: 'active' });
    const { startsAt: _omitted, ...noStart } = input();
    expect(s.get(s.set(noStart))).toMatchObject({ startsAt: T0, state: 'active' });
  });

  it('updates an active silence in place when only its end and comment change', () => {
    const s = setup();
    const id = s.set(input());
    time.advance(MINUTE);
    expect(s.set(input({ id, endsAt: T0 + 2 * HOUR, comment: 'longer' }))).toBe(id);
    expect(s.get(id)).toMatchObject({ endsAt: T0 + 2 * HOUR, comment: 'longer', updatedAt: T0 + MINUTE });
    expect(s.list()).toHaveLength(1);
  });

  it('replaces an active silence whose matchers change: the old one expires, a new id comes back', () => {
    const s = setup();
    const id = s.set(input());
    time.advance(MINUTE);
    const next = s.set(input({ id, matchers: [eq('alertname', 'RunSlow')], startsAt: T0 + MINUTE }));
    expect(next).not.toBe(id);
    expect(s.get(id)).toMatchObject({ state: 'expired', endsAt: T0 + MINUTE });
    expect(s.get(next)).toMatchObject({ state: 'active', matchers: [eq('alertname', 'RunSlow')] });
  });

  it('expires: an active one ends now, a pending one starts and ends now, an expired one stays as it was', () => {
    const s = setup();
    const active = s.set(input());
    const pending = s.set(input({ startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR }));
    time.advance(MINUTE);
    s.expire(active);
    s.expire(pending);
    expect(s.get(active)).toMatchObject({ state: 'expired', startsAt: T0, endsAt: T0 + MINUTE });
    expect(s.get(pending)).toMatchObject({ state: 'expired', startsAt: T0 + MINUTE, endsAt: T0 + MINUTE });
    time.advance(MINUTE);
    s.expire(active);
    expect(s.get(active)).toMatchObject({ endsAt: T0 + MINUTE, updatedAt: T0 + MINUTE });
    expect(() => s.expire('nope')).toThrow(expect.objectContaining({ code: 'RUNWARDEN_ERR_NOT_FOUND' }));
    expect(() => s.set(input({ id: 'nope' }))).toThrow(expect.objectContaining({ code: 'RUNWARDEN_ERR_NOT_FOUND' }));
  });

  it.each([
    ['no matchers', { matchers: [] }, '/matchers'],
    ['a matcher list matching everything', { matchers: [re('alertname', '.*')] }, '/matchers'],
    ['a bad regexp', { matchers: [re('alertname', '(')] }, '/matchers/0/value'],
    ['an end before the start', { endsAt: T0 - 1 }, '/endsAt'],
    ['an end in the past', { startsAt: T0 - 2 * HOUR, endsAt: T0 - HOUR }, '/endsAt'],
  ] as [string, Partial<SilenceInput>, string][])('refuses %s, naming %s', (_name, over, path) => {
    const s = setup();
    expect(() => s.set(input(over))).toThrow(expect.objectContaining({ code: 'RUNWARDEN_ERR_VALIDATION', details: [expect.objectContaining({ path })] }));
  });

  it('lists active (ending first), then pending (starting first), then expired (latest end first), and filters by equality matchers', () => {
    const s = setup();
    const a1 = s.set(input({ endsAt: T0 + 3 * HOUR, matchers: [eq('alertname', 'A'), eq('team', 'data')] }));
    const a2 = s.set(input({ endsAt: T0 + 2 * HOUR, matchers: [eq('alertname', 'B')] }));
    const p1 = s.set(input({ startsAt: T0 + 2 * HOUR, endsAt: T0 + 5 * HOUR }));
    const p2 = s.set(input({ startsAt: T0 + HOUR, endsAt: T0 + 5 * HOUR }));
    const e1 = s.set(input({ endsAt: T0 + 10 * MINUTE }));
    const e2 = s.set(input({ endsAt: T0 + 20 * MINUTE }));
    time.advance(30 * MINUTE);
    expect(s.list().map((x) => x.id)).toEqual([a2, a1, p2, p1, e2, e1]);
    expect(s.list([m('team="data"')]).map((x) => x.id)).toEqual([a1]);
    expect(s.list([m('alertname=~"A|B"')]).map((x) => x.id)).toEqual([a2, a1]);
    expect(s.counts()).toEqual({ active: 2, pending: 2, expired: 2 });
  });

  it('persists across a reopen, and collects silences ended longer than the retention ago', () => {
    let s = setup();
    const id = s.set(input({ endsAt: T0 + HOUR }));
    const kept = s.set(input({ endsAt: T0 + 48 * HOUR }));
    tmp.reopen();
    s = open();
    expect(s.mutedBy({ alertname: 'RunFailed' }).sort()).toEqual([id, kept].sort());
    time.advance(26 * HOUR);
    expect(s.gc()).toBe(1);
    tmp.reopen();
    s = open();
    expect(s.list().map((x) => x.id)).toEqual([kept]);
  });

  it('ignores, and names, stored silences it cannot read (from another version, or damaged), keeping the good ones', () => {
    let s = setup();
    const good = s.set(input());
    const insert = tmp.db.prepare('INSERT INTO silences (id, body, ends_ms) VALUES (?, ?, ?)');
    insert.run('torn', '{"id":"torn","matc', T0 + HOUR);
    insert.run('shape', JSON.stringify({ id: 'shape', matchers: 'alertname=RunFailed', startsAt: T0, endsAt: T0 + HOUR }), T0 + HOUR);
    insert.run('regex', JSON.stringify({ ...input({ matchers: [re('alertname', '(')] }), id: 'regex', updatedAt: T0 }), T0 + HOUR);
    tmp.reopen();
    const unreadable: string[] = [];
    s = new Silences({ db: tmp.db, clock: time.now, onUnreadable: (id) => unreadable.push(id) });
    expect(unreadable.sort()).toEqual(['regex', 'shape', 'torn']);
    expect(s.list().map((x) => x.id)).toEqual([good]);
    expect(s.mutedBy({ alertname: 'RunFailed' })).toEqual([good]);
  });
});
