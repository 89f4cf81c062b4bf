/**
 * Methods templates can call on the values Prometheus's functions return: time.Time (from
 * `toTime`), time.Duration (from `toDuration`), time.Month and time.Weekday. `{{ (toTime 0).Format
 * "2006-01-02" }}`, `{{ (toDuration 90).Minutes }}`.
 */
import { GoError, type GoFunc } from './func.ts';
import { DAY_NAMES, MONTH_NAMES, durationString, formatTime, timeParts, timeString, wrapInt64, floatToInt64 } from './gotime.ts';
import { T, float, int, str, bool, type GoType, type GoValue } from './values.ts';

/** MONTH and WEEKDAY are time.Month and time.Weekday: ints that print as names. */
export const MONTH: GoType = { name: 'time.Month', kind: 'int' };
export const WEEKDAY: GoType = { name: 'time.Weekday', kind: 'int' };

function timeNs(v: GoValue): bigint {
  if (v.k === 'time') return v.ns;
  if (v.k === 'ptr' && v.v !== null) return timeNs(v.v);
  throw new GoError('runtime error: invalid memory address or nil pointer dereference');
}

function durNs(v: GoValue): bigint {
  if (v.k === 'int') return v.v;
  if (v.k === 'ptr' && v.v !== null) return durNs(v.v);
  throw new GoError('runtime error: invalid memory address or nil pointer dereference');
}

function timeValue(ns: bigint): GoValue {
  return { k: 'time', t: T.time, ns };
}

function durValue(ns: bigint): GoValue {
  return { k: 'int', t: T.duration, v: wrapInt64(ns) };
}

function m(params: GoType[], call: (recv: GoValue, args: GoValue[]) => GoValue): (recv: GoValue) => GoFunc {
  return (recv) => ({ params, call: (args) => call(recv, args) });
}

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
};

const TIME_METHODS: Record<string, (recv: GoValue) => GoFunc> = {
  String: m([], (r) => str(timeString(timeNs(r)))),
  Format: m([T.string], (r, [layout]) => str(formatTime(timeNs(r), (layout as { v: string }).v))),
  Unix: m([], (r) => int(floorDiv(timeNs(r), 1_000_000_000n), T.int64)),
  UnixMilli: m([], (r) => int(floorDiv(timeNs(r), 1_000_000n), T.int64)),
  UnixMicro: m([], (r) => int(floorDiv(timeNs(r), 1_000n), T.int64)),
  UnixNano: m([], (r) => int(timeNs(r), T.int64)),
  Year: m([], (r) => int(timeParts(timeNs(r)).year)),
  Month: m([], (r) => int(timeParts(timeNs(r)).month, MONTH)),
  Day: m([], (r) => int(timeParts(timeNs(r)).day)),
  Hour: m([], (r) => int(timeParts(timeNs(r)).hour)),
  Minute: m([], (r) => int(timeParts(timeNs(r)).minute)),
  Second: m([], (r) => int(timeParts(timeNs(r)).second)),
  Nanosecond: m([], (r) => int(timeParts(timeNs(r)).nanos)),
  YearDay: m([], (r) => int(timeParts(timeNs(r)).yday)),
  Weekday: m([], (r) => int(timeParts(timeNs(r)).weekday, WEEKDAY)),
  UTC: m([], (r) => timeValue(timeNs(r))),
  IsZero: m([], (r) => bool(timeNs(r) === -62135596800000000000n)),
  Add: m([T.duration], (r, [d]) => timeValue(timeNs(r) + durNs(d as GoValue))),
  Sub: m([T.time], (r, [u]) => durValue(timeNs(r) - timeNs(u as GoValue))),
  Before: m([T.time], (r, [u]) => bool(timeNs(r) < timeNs(u as GoValue))),
  After: m([T.time], (r, [u]) => bool(timeNs(r) > timeNs(u as GoValue))),
  Equal: m([T.time], (r, [u]) => bool(timeNs(r) === timeNs(u as GoValue))),
};

const DURATION_METHODS: Record<string, (recv: GoValue) => GoFunc> = {
  String: m([], (r) => str(durationString(durNs(r)))),
  Nanoseconds: m([], (r) => int(durNs(r), T.int64)),
  Microseconds: m([], (r) => int(durNs(r) / 1_000n, T.int64)),
  Milliseconds: m([], (r) => int(durNs(r) / 1_000_000n, T.int64)),
  Seconds: m([], (r) => {
    const d = durNs(r);
    const sec = d / 1_000_000_000n;
    const nsec = d % 1_000_000_000n;
    return float(Number(sec) + Number(nsec) / 1e9);
  }),
  Minutes: m([], (r) => {
    const d = durNs(r);
    const min = d / 60_000_000_000n;
    const nsec = d % 60_000_000_000n;
    return float(Number(min) + Number(nsec) / (60 * 1e9));
  }),
  Hours: m([], (r) => {
    const d = durNs(r);
    const hour = d / 3_600_000_000_000n;
    const nsec = d % 3_600_000_000_000n;
    return float(Number(hour) + Number(nsec) / (60 * 60 * 1e9));
  }),
  Abs: m([], (r) => {
    const d = durNs(r);
    return durValue(d >= 0n ? d : d === -(1n << 63n) ? (1n << 63n) - 1n : -d);
  }),
  Truncate: m([T.duration], (r, [mm]) => {
    const d = durNs(r);
    const u = durNs(mm as GoValue);
    return durValue(u <= 0n ? d : d - (d % u));
  }),
  Round: m([T.duration], (r, [mm]) => {
    const d = durNs(r);
    const u = durNs(mm as GoValue);
    if (u <= 0n) return durValue(d);
    let rem = d % u;
    if (d < 0n) {
      rem = -rem;
      return durValue(rem + rem < u ? d + rem : d + rem - u);
    }
    return durValue(rem + rem < u ? d - rem : d + u - rem);
  }),
};

const NAMED_INT_STRINGS: Record<string, (v: bigint) => string> = {
  'time.Month': (v) => (v >= 1n && v <= 12n ? (MONTH_NAMES[Number(v) - 1] as string) : `%!Month(${v})`),
  'time.Weekday': (v) => (v >= 0n && v <= 6n ? (DAY_NAMES[Number(v)] as string) : `%!Weekday(${v})`),
};

/**
 * methodOf is reflect's MethodByName on a value (pointer receivers see value methods): the bound
 * method, or undefined when the type has no such method.
 */
export function methodOf(v: GoValue, name: string): GoFunc | undefined {
  if (v.k === 'invalid' || v.k === 'iface') return undefined;
  const own = v.t.methods?.[name];
  if (own) return own(v);
  const tn = v.t.name;
  if (tn === 'time.Time' || tn === '*time.Time') return TIME_METHODS[name]?.(v);
  if (tn === 'time.Duration' || tn === '*time.Duration') return DURATION_METHODS[name]?.(v);
  const named = NAMED_INT_STRINGS[tn];
  if (named && name === 'String' && v.k === 'int') {
    const n = v.v;
    return { params: [], call: () => str(named(n)) };
  }
  return undefined;
}

/** stringMethod returns what a value's String method returns, when its type has one. */
export function stringMethod(v: GoValue): string | undefined {
  if (v.k === 'ptr' && v.v === null) return undefined;
  const method = methodOf(v, 'String');
  if (!method) return undefined;
  const r = method.call([], { executeTemplate: () => '', query: undefined, nowMs: undefined, externalURL: '' });
  return r.k === 'string' ? r.v : undefined;
}

/** hasStringMethod reports whether a value's type has a String method (nil pointers included). */
export function hasStringMethod(v: GoValue): boolean {
  if (v.k === 'invalid' || v.k === 'iface') return false;
  if (v.t.methods?.String !== undefined) return true;
  const tn = v.t.name;
  return tn === 'time.Time' || tn === '*time.Time' || tn === 'time.Duration' || tn === '*time.Duration' || tn in NAMED_INT_STRINGS;
}

/** durationFromSeconds is time.Duration(v * float64(time.Second)). */
export function durationFromSeconds(v: number): GoValue {
  return durValue(floatToInt64(v * 1e9));
}
