/**
 * The notification log's decision, as Alertmanager's `TestDedupStageNeedsUpdate`, and the log's
 * persistence and expiry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NotificationLog, notifyReason } from '../../src/pipeline/dedup.ts';
import type { LogEntry, NotifyReason } from '../../src/pipeline/dedup.ts';
import { createTempDb, HOUR, MINUTE, T0 } from './pipeline-fakes.ts';
import type { TempDb } from './pipeline-fakes.ts';

const s = (...fps: string[]) => new Set(fps);
const entry = (firing: string[], resolved: string[], sentAt = T0): LogEntry => ({ firing: s(...firing), resolved: s(...resolved), sentAt });
const REPEAT = 4 * HOUR;

describe('notifyReason', () => {
  it.each([
    ['no entry, something fires', undefined, ['a'], [], false, T0, 'first_notification'],
    ['no entry, only resolved alerts: nothing to say', undefined, [], ['a'], true, T0, undefined],
    ['a new firing alert', entry(['a'], []), ['a', 'b'], [], false, T0 + MINUTE, 'new_alerts_in_group'],
    ['firing again after the group had all resolved', entry([], ['a']), ['a'], [], true, T0 + MINUTE, 'first_notification'],
    ['the same firing set, within the repeat interval', entry(['a', 'b'], []), ['a', 'b'], [], false, T0 + MINUTE, undefined],
    ['a firing alert resolved, send_resolved off: firing is a subset, wait', entry(['a', 'b'], []), ['a'], ['b'], false, T0 + MINUTE, undefined],
    ['a firing alert resolved, send_resolved on: the resolved set grew', entry(['a', 'b'], []), ['a'], ['b'], true, T0 + MINUTE, 'new_resolved_alerts'],
    ['all resolved: notify (clears the log) even without send_resolved', entry(['a'], []), [], ['a'], false, T0 + MINUTE, 'all_alerts_resolved'],
    ['all resolved and already said so', entry([], ['a']), [], ['a'], true, T0 + MINUTE, undefined],
    ['fired and resolved between flushes, never notified', entry([], []), [], ['a'], true, T0 + MINUTE, undefined],
    ['resolved set unchanged', entry(['a'], ['b']), ['a'], ['b'], true, T0 + MINUTE, undefined],
    ['the repeat interval passed', entry(['a'], []), ['a'], [], false, T0 + REPEAT + 1, 'repeat_interval_elapsed'],
    ['the repeat interval just reached', entry(['a'], []), ['a'], [], false, T0 + REPEAT, undefined],
  ] as [string, LogEntry | undefined, string[], string[], boolean, number, NotifyReason | undefined][])('%s', (_name, e, firing, resolved, sendResolved, now, expected) => {
    expect(notifyReason(e, s(...firing), s(...resolved), sendResolved, REPEAT, now)).toBe(expected);
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

  it.each([
    ['firing that does not parse', '["a"', '[]'],
    ['firing of another shape', '{"a":true}', '[]'],
    ['resolved with a non-string', '["a"]', '[1]'],
  ])('an entry it cannot read (%s) counts as none, so the group is notified again', (_name, firing, resolved) => {
    tmp = createTempDb();
    const key = { groupKey: '{}:{}', receiver: 'slack', integration: 'slack/0' };
    tmp.db
      .prepare('INSERT INTO notification_log (group_key, receiver, integration, firing, resolved, sent_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(key.groupKey, key.receiver, key.integration, firing, resolved, T0, T0 + HOUR);
    const entry = new NotificationLog(tmp.db).get(key, T0 + MINUTE);
    expect(entry).toBeUndefined();
    expect(notifyReason(entry, s('a'), s(), true, REPEAT, T0 + MINUTE)).toBe('first_notification');
  });
});
