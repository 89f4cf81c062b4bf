/**
 * Time intervals, with cases from Alertmanager's `timeinterval` tests and docs: business hours in
 * a zone with daylight saving time, `[start, end)` times, weekday ranges, negative days of the
 * month counted from its end and clamped to it, months, years; and the route stage that mutes
 * outside `active_time_intervals` or inside `mute_time_intervals`.
 */
import { describe, expect, it } from 'vitest';
import { civilTime, intervalContains, intervalsContain, timeMuteReason } from '../../src/pipeline/time-interval.ts';
import type { TimeInterval } from '../../src/pipeline/types.ts';

const at = (iso: string) => Date.parse(iso);
const BUSINESS_HOURS: TimeInterval = { times: [{ startMinute: 9 * 60, endMinute: 17 * 60 }], weekdays: [{ begin: 1, end: 5 }], location: 'Europe/Berlin' };

describe('intervalContains', () => {
  it.each([
    ['Monday 08:30 in Berlin (07:30Z, winter) is before business hours', BUSINESS_HOURS, '2026-01-05T07:30:00Z', false],
    ['Monday 09:00 in Berlin (08:00Z, winter) starts them', BUSINESS_HOURS, '2026-01-05T08:00:00Z', true],
    ['16:59 in Berlin is inside', BUSINESS_HOURS, '2026-01-05T15:59:00Z', true],
    ['17:00 in Berlin is outside: the end is exclusive', BUSINESS_HOURS, '2026-01-05T16:00:00Z', false],
    ['in summer 07:30Z is 09:30 in Berlin (CEST)', BUSINESS_HOURS, '2026-07-06T07:30:00Z', true],
    ['in summer 15:30Z is 17:30 in Berlin', BUSINESS_HOURS, '2026-07-06T15:30:00Z', false],
    ['Saturday is outside', BUSINESS_HOURS, '2026-01-10T10:00:00Z', false],
    ['Friday 23:30Z is Saturday 00:30 in Berlin', { weekdays: [{ begin: 6, end: 6 }], location: 'Europe/Berlin' }, '2026-01-09T23:30:00Z', true],
    ['the same moment is Friday in UTC', { weekdays: [{ begin: 6, end: 6 }] }, '2026-01-09T23:30:00Z', false],
    ['weekday range monday:wednesday includes Tuesday', { weekdays: [{ begin: 1, end: 3 }] }, '2026-01-06T12:00:00Z', true],
    ['weekday range monday:wednesday excludes Thursday', { weekdays: [{ begin: 1, end: 3 }] }, '2026-01-08T12:00:00Z', false],
    ['weekend as two entries includes Sunday', { weekdays: [{ begin: 6, end: 6 }, { begin: 0, end: 0 }] }, '2026-01-11T12:00:00Z', true],
    ['-1 is the last day of a leap February', { daysOfMonth: [{ begin: -1, end: -1 }] }, '2024-02-29T12:00:00Z', true],
    ['-1 is not the 28th of a leap February', { daysOfMonth: [{ begin: -1, end: -1 }] }, '2024-02-28T12:00:00Z', false],
    ['-1 is the 31st of January', { daysOfMonth: [{ begin: -1, end: -1 }] }, '2026-01-31T12:00:00Z', true],
    ['-3:-1 in February 2025 starts on the 26th', { daysOfMonth: [{ begin: -3, end: -1 }] }, '2025-02-26T00:00:00Z', true],
    ['-3:-1 in February 2025 excludes the 25th', { daysOfMonth: [{ begin: -3, end: -1 }] }, '2025-02-25T23:59:00Z', false],
    ['1:5 includes the 5th', { daysOfMonth: [{ begin: 1, end: 5 }] }, '2026-03-05T12:00:00Z', true],
    ['1:5 excludes the 6th', { daysOfMonth: [{ begin: 1, end: 5 }] }, '2026-03-06T12:00:00Z', false],
    ['31 matches nothing in a 30-day month', { daysOfMonth: [{ begin: 31, end: 31 }] }, '2026-04-30T12:00:00Z', false],
    ['28:31 is clamped to the end of February', { daysOfMonth: [{ begin: 28, end: 31 }] }, '2025-02-28T12:00:00Z', true],
    ['months november:december include December', { months: [{ begin: 11, end: 12 }] }, '2026-12-24T12:00:00Z', true],
    ['months november:december exclude January', { months: [{ begin: 11, end: 12 }] }, '2026-01-24T12:00:00Z', false],
    ['years 2025:2026 include 2026', { years: [{ begin: 2025, end: 2026 }] }, '2026-06-01T00:00:00Z', true],
    ['years 2025:2026 exclude 2027', { years: [{ begin: 2025, end: 2026 }] }, '2027-01-01T00:00:00Z', false],
    ['the year is the local one: New Year in Berlin is still 2026 in UTC', { years: [{ begin: 2027, end: 2027 }], location: 'Europe/Berlin' }, '2026-12-31T23:30:00Z', true],
    ['an interval setting nothing matches always', {}, '2026-01-05T03:00:00Z', true],
    ['times and day of month must both match', { times: [{ startMinute: 0, endMinute: 60 }], daysOfMonth: [{ begin: 1, end: 1 }] }, '2026-02-01T01:00:00Z', false],
  ] as [string, TimeInterval, string, boolean][])('%s', (_name, interval, iso, expected) => {
    expect(intervalContains(interval, at(iso))).toBe(expected);
  });

  it('any entry of a named interval is enough', () => {
    const offhours: TimeInterval[] = [
      { times: [{ startMinute: 0, endMinute: 9 * 60 }] },
      { times: [{ startMinute: 17 * 60, endMinute: 24 * 60 }] },
    ];
    expect(intervalsContain(offhours, at('2026-01-05T08:59:00Z'))).toBe(true);
    expect(intervalsContain(offhours, at('2026-01-05T09:00:00Z'))).toBe(false);
    expect(intervalsContain(offhours, at('2026-01-05T23:59:00Z'))).toBe(true);
    expect(intervalsContain([], at('2026-01-05T23:59:00Z'))).toBe(false);
  });

  it('reads wall clocks through Intl', () => {
    expect(civilTime(at('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toEqual({ year: 2026, month: 3, day: 29, weekday: 0, minute: 3 * 60 + 30 });
    expect(civilTime(at('2026-01-01T00:00:00Z'))).toEqual({ year: 2026, month: 1, day: 1, weekday: 4, minute: 0 });
  });
});

describe('timeMuteReason', () => {
  const intervals = new Map([['business-hours', [BUSINESS_HOURS]]]);
  const inHours = at('2026-01-05T10:00:00Z');
  const outOfHours = at('2026-01-05T20:00:00Z');
  it.each([
    ['no intervals: never muted', [], [], inHours, undefined],
    ['active in business hours, inside', ['business-hours'], [], inHours, undefined],
    ['active in business hours, outside', ['business-hours'], [], outOfHours, 'active_time_interval'],
    ['muted in business hours, inside', [], ['business-hours'], inHours, 'mute_time_interval'],
    ['muted in business hours, outside', [], ['business-hours'], outOfHours, undefined],
  ] as const)('%s', (_name, active, mute, now, expected) => {
    expect(timeMuteReason({ activeTimeIntervals: [...active], muteTimeIntervals: [...mute] }, intervals, now)).toBe(expected);
  });
});
