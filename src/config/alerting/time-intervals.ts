/**
 * Named time intervals (`time_intervals:` and the older `mute_time_intervals:`), validated as
 * Alertmanager's `timeinterval` package does: `HH:MM` times (00:00–24:00) with the end after the
 * start, weekday and month names or numbers, days of the month from -31 to 31 (not 0), and a
 * `location` that is a real IANA zone.
 */
import type { Node } from 'yaml';
import type { InclusiveRange, TimeInterval } from '../../pipeline/types.ts';
import type { Reader } from './reader.ts';
import { join } from './reader.ts';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const TIME = /^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;
const INTEGER = /^[+-]?\d+$/;

/**
 * readTimeIntervals reads one top-level list (`time_intervals` or `mute_time_intervals`) into
 * `into`, reporting names defined twice (across both lists, as Alertmanager does).
 */
export function readTimeIntervals(r: Reader, node: Node | null, what: string, into: Map<string, TimeInterval[]>): void {
  r.walk.sequence(node, what).forEach((item, i) => {
    const at = `${what}[${i}]`;
    const fields = r.fields(item, at, ['name', 'time_intervals']);
    if (fields === undefined) return;
    const name = r.nonEmpty(fields, 'name', at);
    if (name === undefined) {
      if (!fields.has('name')) r.report(`${at}: missing name`, r.at(item));
    }
    const list = r.sequence(fields.get('time_intervals'), join(at, 'time_intervals')).map((n, j) => readInterval(r, n, `${at}.time_intervals[${j}]`));
    if (name === undefined) return;
    if (into.has(name)) {
      r.report(`${at}.name: time interval ${JSON.stringify(name)} is not unique`, r.atField(fields.get('name')!));
      return;
    }
    into.set(name, list.filter((t): t is TimeInterval => t !== undefined));
  });
}

function readInterval(r: Reader, node: Node, what: string): TimeInterval | undefined {
  const fields = r.fields(node, what, ['times', 'weekdays', 'days_of_month', 'months', 'years', 'location']);
  if (fields === undefined) return {};
  const out: TimeInterval = {};
  if (fields.has('times')) {
    out.times = [];
    r.sequence(fields.get('times'), join(what, 'times')).forEach((t, i) => {
      const range = readTimeRange(r, t, `${what}.times[${i}]`);
      if (range) out.times?.push(range);
    });
  }
  const ranges = (name: string, parse: (s: string) => number | string): InclusiveRange[] | undefined => {
    const list = r.strings(fields, name, what);
    if (list === undefined) return undefined;
    const result: InclusiveRange[] = [];
    list.forEach(({ value, node: n }, i) => {
      const range = readRange(value, parse, name);
      if (typeof range === 'string') r.report(`${join(what, name)}[${i}]: ${range}`, r.at(n));
      else result.push(range);
    });
    return result;
  };
  const weekdays = ranges('weekdays', weekday);
  const days = ranges('days_of_month', integer);
  const months = ranges('months', month);
  const years = ranges('years', integer);
  if (weekdays) out.weekdays = weekdays;
  if (days) out.daysOfMonth = days;
  if (months) out.months = months;
  if (years) out.years = years;
  const location = r.string(fields, 'location', what);
  if (location !== undefined) {
    // Go's `Local` is the machine's zone: resolved here, so the pipeline only ever sees IANA names.
    if (location === 'Local') out.location = Intl.DateTimeFormat().resolvedOptions().timeZone;
    else {
      const problem = zoneProblem(location);
      if (problem === undefined) out.location = location;
      else r.report(`${join(what, 'location')}: ${problem}`, r.atField(fields.get('location')!));
    }
  }
  return out;
}

function readTimeRange(r: Reader, node: Node, what: string): { startMinute: number; endMinute: number } | undefined {
  const fields = r.fields(node, what, ['start_time', 'end_time']);
  if (fields === undefined) return undefined;
  const start = r.string(fields, 'start_time', what);
  const end = r.string(fields, 'end_time', what);
  if (!start || !end) {
    r.report(`${what}: both start and end times must be provided`, r.at(node));
    return undefined;
  }
  const s = minutes(start);
  const e = minutes(end);
  if (s === undefined) r.report(`${what}.start_time: couldn't parse timestamp ${start}, invalid format (want HH:MM)`, r.atField(fields.get('start_time')!));
  if (e === undefined) r.report(`${what}.end_time: couldn't parse timestamp ${end}, invalid format (want HH:MM)`, r.atField(fields.get('end_time')!));
  if (s === undefined || e === undefined) return undefined;
  if (s >= e) {
    r.report(`${what}: start time cannot be equal or greater than end time`, r.at(node));
    return undefined;
  }
  return { startMinute: s, endMinute: e };
}

function minutes(text: string): number | undefined {
  if (!TIME.test(text)) return undefined;
  const [h, m] = text.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

// readRange parses `a` or `a:b` with `parse` for each end; a string result is the problem.
function readRange(text: string, parse: (s: string) => number | string, kind: string): InclusiveRange | string {
  const lower = text.toLowerCase();
  const parts = lower.split(':');
  if (parts.length > 2) return `couldn't parse range ${text}, invalid format`;
  const ends = parts.map(parse);
  const bad = ends.find((e) => typeof e === 'string');
  if (bad !== undefined) return bad as string;
  const [begin, end = begin] = ends as number[];
  const range = { begin: begin as number, end: end as number };
  return checkRange(range, kind, text) ?? range;
}

function checkRange({ begin, end }: InclusiveRange, kind: string, text: string): string | undefined {
  switch (kind) {
    case 'weekdays':
      return begin > end ? 'start day cannot be before end day' : undefined;
    case 'months':
      if (begin < 1 || begin > 12 || end < 1 || end > 12) return `${text} is not a valid month: out of range`;
      return begin > end ? `end month ${MONTHS[end - 1]} is before start month ${MONTHS[begin - 1]}` : undefined;
    case 'years':
      return begin > end ? `end year ${end} is before start year ${begin}` : undefined;
    case 'days_of_month': {
      for (const d of [begin, end]) if (d === 0 || d < -31 || d > 31) return `${d} is not a valid day of the month: out of range`;
      if (begin < 0 && end > 0) return 'end day must be negative if start day is negative';
      // Alertmanager compares negative days as if the month had 28 days: `-3:5` can never match.
      const b = begin < 0 ? 28 + begin : begin;
      const e = end < 0 ? 28 + end : end;
      return b > e ? `end day ${end} is always before start day ${begin}` : undefined;
    }
    default:
      return undefined;
  }
}

function weekday(s: string): number | string {
  const i = WEEKDAYS.indexOf(s);
  return i === -1 ? `${s} is not a valid weekday` : i;
}

function month(s: string): number | string {
  const i = MONTHS.indexOf(s);
  if (i !== -1) return i + 1;
  return INTEGER.test(s) ? Number(s) : `${s} is not a valid month`;
}

function integer(s: string): number | string {
  return INTEGER.test(s) ? Number(s) : `${s} is not a valid number`;
}

// zoneProblem asks Intl, which knows the IANA database Node ships with. Go's LoadLocation reads
// zone files by name, so it is case-sensitive where Intl is not: `europe/berlin` is refused here too.
function zoneProblem(name: string): string | undefined {
  const unknown = `unknown time zone ${JSON.stringify(name)}`;
  if (name === 'UTC') return undefined;
  // Intl also takes offsets (`+01:00`), which Go's LoadLocation does not.
  if (name === '' || /^[+-]/.test(name)) return unknown;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return unknown;
  }
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) return `${unknown} (did you mean ${JSON.stringify(resolved)}?)`;
  return undefined;
}
