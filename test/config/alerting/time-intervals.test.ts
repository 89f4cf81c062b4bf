/**
 * Named time intervals as Alertmanager's timeinterval package reads them: HH:MM times, weekday and
 * month names (any case) or numbers, days of the month from the end, years, IANA locations.
 */
import { describe, expect, it } from 'vitest';
import { parse, problems, yaml } from './parse-helper.ts';

const HEAD = yaml('route: {receiver: r}', 'receivers: [{name: r}]');

function intervals(...lines: string[]) {
  return parse(HEAD + yaml('time_intervals:', '  - name: t', '    time_intervals:', ...lines)).timeIntervals.get('t');
}

describe('time intervals', () => {
  it('reads every field', () => {
    expect(
      intervals(
        '      - times: [{start_time: "09:00", end_time: "17:30"}, {start_time: "23:00", end_time: "24:00"}]',
        '        weekdays: [monday:friday, Sunday]',
        '        days_of_month: ["1:5", "-3:-1", "15"]',
        '        months: [january:march, "12"]',
        '        years: ["2026:2027"]',
        '        location: Europe/Berlin',
        '      - {}',
      ),
    ).toEqual([
      {
        times: [
          { startMinute: 540, endMinute: 1050 },
          { startMinute: 1380, endMinute: 1440 },
        ],
        weekdays: [
          { begin: 1, end: 5 },
          { begin: 0, end: 0 },
        ],
        daysOfMonth: [
          { begin: 1, end: 5 },
          { begin: -3, end: -1 },
          { begin: 15, end: 15 },
        ],
        months: [
          { begin: 1, end: 3 },
          { begin: 12, end: 12 },
        ],
        years: [{ begin: 2026, end: 2027 }],
        location: 'Europe/Berlin',
      },
      {},
    ]);
  });

  it('merges the older mute_time_intervals with time_intervals', () => {
    const config = parse(HEAD + yaml('mute_time_intervals: [{name: old, time_intervals: [{weekdays: [saturday]}]}]', 'time_intervals: [{name: new, time_intervals: []}]'));
    expect([...config.timeIntervals.keys()]).toEqual(['old', 'new']);
  });

  it.each([
    { line: '      - times: [{start_time: "10:00", end_time: "09:00"}]', want: 'am.yml:6:17: time_intervals[0].time_intervals[0].times[0]: start time cannot be equal or greater than end time' },
    { line: '      - times: [{start_time: "10:00", end_time: "10:00"}]', want: 'am.yml:6:17: time_intervals[0].time_intervals[0].times[0]: start time cannot be equal or greater than end time' },
    { line: '      - times: [{start_time: "10:00"}]', want: 'am.yml:6:17: time_intervals[0].time_intervals[0].times[0]: both start and end times must be provided' },
    { line: '      - times: [{start_time: "9:00", end_time: "10:00"}]', want: 'am.yml:6:30: time_intervals[0].time_intervals[0].times[0].start_time: couldn\'t parse timestamp 9:00, invalid format (want HH:MM)' },
    { line: '      - times: [{start_time: "00:00", end_time: "24:01"}]', want: 'am.yml:6:49: time_intervals[0].time_intervals[0].times[0].end_time: couldn\'t parse timestamp 24:01, invalid format (want HH:MM)' },
    { line: '      - weekdays: [funday]', want: 'am.yml:6:20: time_intervals[0].time_intervals[0].weekdays[0]: funday is not a valid weekday' },
    { line: '      - weekdays: ["friday:monday"]', want: 'am.yml:6:20: time_intervals[0].time_intervals[0].weekdays[0]: start day cannot be before end day' },
    { line: '      - weekdays: ["mon:tue:wed"]', want: 'am.yml:6:20: time_intervals[0].time_intervals[0].weekdays[0]: couldn\'t parse range mon:tue:wed, invalid format' },
    { line: '      - days_of_month: ["0"]', want: 'am.yml:6:25: time_intervals[0].time_intervals[0].days_of_month[0]: 0 is not a valid day of the month: out of range' },
    { line: '      - days_of_month: ["32"]', want: 'am.yml:6:25: time_intervals[0].time_intervals[0].days_of_month[0]: 32 is not a valid day of the month: out of range' },
    { line: '      - days_of_month: ["-3:5"]', want: 'am.yml:6:25: time_intervals[0].time_intervals[0].days_of_month[0]: end day must be negative if start day is negative' },
    { line: '      - days_of_month: ["10:-25"]', want: 'am.yml:6:25: time_intervals[0].time_intervals[0].days_of_month[0]: end day -25 is always before start day 10' },
    { line: '      - months: [smarch]', want: 'am.yml:6:18: time_intervals[0].time_intervals[0].months[0]: smarch is not a valid month' },
    { line: '      - months: ["13"]', want: 'am.yml:6:18: time_intervals[0].time_intervals[0].months[0]: 13 is not a valid month: out of range' },
    { line: '      - months: ["may:april"]', want: 'am.yml:6:18: time_intervals[0].time_intervals[0].months[0]: end month april is before start month may' },
    { line: '      - years: ["2027:2026"]', want: 'am.yml:6:17: time_intervals[0].time_intervals[0].years[0]: end year 2026 is before start year 2027' },
    { line: '      - location: Mars/Olympus_Mons', want: 'am.yml:6:19: time_intervals[0].time_intervals[0].location: unknown time zone "Mars/Olympus_Mons"' },
    { line: '      - location: "+01:00"', want: 'am.yml:6:19: time_intervals[0].time_intervals[0].location: unknown time zone "+01:00"' },
    { line: '      - location: europe/berlin', want: 'am.yml:6:19: time_intervals[0].time_intervals[0].location: unknown time zone "europe/berlin" (did you mean "Europe/Berlin"?)' },
    { line: '      - hours: [1]', want: 'am.yml:6:9: time_intervals[0].time_intervals[0]: unknown field "hours"' },
  ])('refuses $line', ({ line, want }) => {
    expect(problems(HEAD + yaml('time_intervals:', '  - name: t', '    time_intervals:', line))).toEqual([want]);
  });

  it('refuses a name defined twice, across both lists', () => {
    expect(problems(HEAD + yaml('mute_time_intervals: [{name: t, time_intervals: []}]', 'time_intervals: [{name: t, time_intervals: []}]'))).toEqual([
      'am.yml:4:25: time_intervals[0].name: time interval "t" is not unique',
    ]);
  });

  it('accepts zone aliases Go knows too', () => {
    expect(intervals('      - location: US/Eastern', '      - location: Asia/Calcutta')).toEqual([{ location: 'US/Eastern' }, { location: 'Asia/Calcutta' }]);
  });

  it('accepts UTC, and Local as the machine\'s own zone, as Go does', () => {
    expect(intervals('      - location: UTC', '      - location: Local')).toEqual([{ location: 'UTC' }, { location: Intl.DateTimeFormat().resolvedOptions().timeZone }]);
  });
});
