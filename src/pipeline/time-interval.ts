/**
 * Time intervals as Alertmanager's `timeinterval` package decides them: a time is in an interval
 * when every field the interval sets matches the time in the interval's location (UTC by default):
 * `times` as `[start, end)` minutes of the day, `weekdays`, `days_of_month` (negative counts from
 * the month's end, clamped to the month), `months` and `years` as inclusive ranges. Pure: the
 * time is an argument; IANA zones come from Intl.
 */
import type { InclusiveRange, TimeInterval } from './types.ts';

/** CivilTime is a moment as a wall clock in some zone shows it. */
export interface CivilTime {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  /** Minutes since midnight. */
  minute: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** civilTime converts epoch ms to the wall clock of the IANA zone `zone`; throws RangeError for an unknown zone. */
export function civilTime(ms: number, zone = 'UTC'): CivilTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts['year']),
    month: Number(parts['month']),
    day: Number(parts['day']),
    weekday: WEEKDAYS[parts['weekday']!]!,
    minute: Number(parts['hour']) * 60 + Number(parts['minute']),
  };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function inRanges(ranges: readonly InclusiveRange[], v: number): boolean {
  return ranges.some((r) => v >= r.begin && v <= r.end);
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(Math.max(n, min), max);
}

function dayOfMonthMatches(ranges: readonly InclusiveRange[], t: CivilTime): boolean {
  const days = daysInMonth(t.year, t.month);
  for (const r of ranges) {
    let begin = r.begin < 0 ? days + r.begin + 1 : r.begin;
    let end = r.end < 0 ? days + r.end + 1 : r.end;
    // A range starting after this month's last day (31 in a 30-day month) matches nothing in it.
    if (begin > days) continue;
    begin = clamp(begin, -days, days);
    end = clamp(end, -days, days);
    if (t.day >= begin && t.day <= end) return true;
  }
  return false;
}

/** intervalContains tells whether the moment `now` is in one time interval entry. */
export function intervalContains(interval: TimeInterval, now: number): boolean {
  const t = civilTime(now, interval.location ?? 'UTC');
  if (interval.times !== undefined && !interval.times.some((r) => t.minute >= r.startMinute && t.minute < r.endMinute)) return false;
  if (interval.daysOfMonth !== undefined && !dayOfMonthMatches(interval.daysOfMonth, t)) return false;
  if (interval.months !== undefined && !inRanges(interval.months, t.month)) return false;
  if (interval.weekdays !== undefined && !inRanges(interval.weekdays, t.weekday)) return false;
  if (interval.years !== undefined && !inRanges(interval.years, t.year)) return false;
  return true;
}

/** intervalsContain tells whether `now` is in any of the entries of a named time interval. */
export function intervalsContain(intervals: readonly TimeInterval[], now: number): boolean {
  return intervals.some((i) => intervalContains(i, now));
}

/**
 * timeMuteReason applies a route's `mute_time_intervals` and `active_time_intervals` at `now`, as
 * Alertmanager's TimeMuteStage and TimeActiveStage: muted when in any mute interval, or when
 * active intervals are set and `now` is in none of them. Unknown names match nothing (the config
 * loader rejects them). Returns why it is muted, or undefined.
 */
export function timeMuteReason(
  route: { activeTimeIntervals: readonly string[]; muteTimeIntervals: readonly string[] },
  intervals: ReadonlyMap<string, TimeInterval[]>,
  now: number,
): 'active_time_interval' | 'mute_time_interval' | undefined {
  if (route.activeTimeIntervals.length > 0 && !route.activeTimeIntervals.some((n) => intervalsContain(intervals.get(n) ?? [], now))) {
    return 'active_time_interval';
  }
  if (route.muteTimeIntervals.some((n) => intervalsContain(intervals.get(n) ?? [], now))) return 'mute_time_interval';
  return undefined;
}
