/**
 * The notification log's decision, as Alertmanager's `TestDedupStageNeedsUpdate`, and the log's
 * persistence and expiry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { needsUpdate, NotificationLog } from '../../src/pipeline/dedup.ts';
import type { LogEntry } from '../../src/pipeline/dedup.ts';
import { createTempDb, HOUR, MINUTE, T0 } from './pipeline-fakes.ts';
import type { TempDb } from './pipeline-fakes.ts';

const s = (...fps: string[]) => new Set(fps);
const entry = (firing: string[], resolved: string[], sentAt = T0): LogEntry => ({ firing: s(...firing), resolved: s(...resolved), sentAt });
const REPEAT = 4 * HOUR;

describe('needsUpdate', () => {
  it.each([
    ['no entry, something fires: notify', undefined, ['a'], [], false, T0, true],
    ['no entry, only resolved alerts: nothing to say', undefined, [], ['a'], true, T0, false],
    ['a new firing alert', entry(['a'], []), ['a', 'b'], [], false, T0 + MINUTE, true],
    ['the same firing set, within the repeat interval', entry(['a', 'b'], []), ['a', 'b'], [], false, T0 + MINUTE, false],
    ['a firing alert resolved, send_resolved off: firing is a subset, wait', entry(['a', 'b'], []), ['a'], ['b'], false, T0 + MINUTE, false],
    ['a firing alert resolved, send_resolved on: the resolved set grew', entry(['a', 'b'], []), ['a'], ['b'], true, T0 + MINUTE, true],
    ['all resolved: notify (clears the log) even without send_resolved', entry(['a'], []), [], ['a'], false, T0 + MINUTE, true],
    ['all resolved and already said so', entry([], ['a']), [], ['a'], true, T0 + MINUTE, false],
    ['fired and resolved between flushes, never notified', entry([], []), [], ['a'], true, T0 + MINUTE, false],
    ['resolved set unchanged', entry(['a'], ['b']), ['a'], ['b'], true, T0 + MINUTE, false],
    ['the repeat interval passed', entry(['a'], []), ['a'], [], false, T0 + REPEAT + 1, true],
    ['the repeat interval just reached', entry(['a'], []), ['a'], [], false, T0 + REPEAT, false],
  ] as [string, LogEntry | undefined, string[], string[], boolean, number, boolean][])('%s', (_name, e, firing, resolved, sendResolved, now, expected) => {
    expect(needsUpdate(e, s(...firing), s(...resolved), sendResolved, REPEAT, now)).toBe(expected);
  });
});

describe('NotificationLog', () => {
  let tmp: TempDb | undefined;
  afterEach(() => {
    tmp?.close();
    tmp = undefined;
  });

  it('keeps entries across a reopen until they expire', () => {
    tmp = createTempDb();
    const key = { groupKey: '{}:{}', receiver: 'slack', integration: 'slack/0' };
    new NotificationLog(tmp.db).log(key, ['b', 'a'], ['c'], T0, T0 + HOUR);
    const log = new NotificationLog(tmp.reopen());
    expect(log.get(key, T0 + MINUTE)).toEqual({ firing: s('a', 'b'), resolved: s('c'), sentAt: T0 });
    expect(log.get({ ...key, integration: 'slack/1' }, T0 + MINUTE)).toBeUndefined();
    expect(log.get(key, T0 + HOUR)).toBeUndefined();
    expect(log.gc(T0 + HOUR)).toBe(1);
  });
});
