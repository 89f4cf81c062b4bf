/**
 * Go's time.Time and time.Duration as templates print them, and Prometheus's duration syntax
 * (prometheus/common model.ParseDuration). Times are UTC nanoseconds since the Unix epoch.
 */

import { quote } from './strconv.ts';

const NS_PER_SEC = 1_000_000_000n;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** civil converts days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm). */
function civil(days: bigint): { y: bigint; m: number; d: number } {
  const z = days + 719468n;
  const era = floorDiv(z, 146097n);
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = Number(doy - (153n * mp + 2n) / 5n + 1n);
  const m = Number(mp < 10n ? mp + 3n : mp - 9n);
  const y = yoe + era * 400n + (m <= 2 ? 1n : 0n);
  return { y, m, d };
}

function pad(n: bigint | number, width: number): string {
  const neg = n < 0;
  const s = (neg ? -BigInt(n) : BigInt(n)).toString().padStart(width, '0');
  return neg ? `-${s}` : s;
}

/** TimeParts is a UTC time broken into its calendar fields. */
export interface TimeParts {
  year: bigint;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  weekday: number;
  yday: number;
}

/** timeParts breaks UTC nanoseconds into calendar fields. */
export function timeParts(ns: bigint): TimeParts {
  const secs = floorDiv(ns, NS_PER_SEC);
  const nanos = Number(ns - secs * NS_PER_SEC);
  const days = floorDiv(secs, 86400n);
  const sod = Number(secs - days * 86400n);
  const { y, m, d } = civil(days);
  const weekday = Number(((days % 7n) + 11n) % 7n); // 1970-01-01 was a Thursday (4)
  const jan1 = civilDays(y, 1, 1);
  return {
    year: y,
    month: m,
    day: d,
    hour: Math.floor(sod / 3600),
    minute: Math.floor((sod % 3600) / 60),
    second: sod % 60,
    nanos,
    weekday,
    yday: Number(days - jan1) + 1,
  };
}

function civilDays(y: bigint, m: number, d: number): bigint {
  const yy = m <= 2 ? y - 1n : y;
  const era = floorDiv(yy, 400n);
  const yoe = yy - era * 400n;
  const mm = BigInt(m > 2 ? m - 3 : m + 9);
  const doy = (153n * mm + 2n) / 5n + BigInt(d) - 1n;
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  return era * 146097n + doe - 719468n;
}

/** timeString is time.Time.String() for a UTC time: `2006-01-02 15:04:05.999999999 +0000 UTC`. */
export function timeString(ns: bigint): string {
  const p = timeParts(ns);
  let frac = '';
  if (p.nanos !== 0) frac = `.${String(p.nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)} ${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}${frac} +0000 UTC`;
}

function fmtFrac(v: bigint, prec: number): { s: string; v: bigint } {
  let s = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) s = digit.toString() + s;
    v /= 10n;
  }
  if (print) s = `.${s}`;
  return { s, v };
}

/** durationString is time.Duration.String(): `1h2m3.5s`, `1.5ms`, `0s`. */
export function durationString(d: bigint): string {
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < NS_PER_SEC) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < 1000n) {
      prec = 0;
      unit = 'ns';
    } else if (u < 1_000_000n) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const f = fmtFrac(u, prec);
    out = `${f.v}${f.s}${unit}`;
  } else {
    const f = fmtFrac(u, 9);
    u = f.v;
    out = `${u % 60n}${f.s}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);

/** wrapInt64 is two's-complement int64 overflow, as Go's integer arithmetic wraps. */
export function wrapInt64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/**
 * floatToInt64 is Go's int64(f) conversion on amd64: truncation toward zero, and the
 * "integer indefinite" value (math.MinInt64) for NaN and out-of-range values.
 */
export function floatToInt64(f: number): bigint {
  if (!Number.isFinite(f)) return MIN_INT64;
  const t = Math.trunc(f);
  if (t >= 9223372036854775808 || t < -9223372036854775808) return MIN_INT64;
  return BigInt(t);
}

const PROM_DURATION = /^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/;
const UNIT_MS = [365n * 86400000n, 7n * 86400000n, 86400000n, 3600000n, 60000n, 1000n, 1n];

/**
 * parsePromDuration is prometheus/common model.ParseDuration (v0.39, as Prometheus 2.42): `1h30m`,
 * units y w d h m s ms in that order, `0` alone allowed. Returns nanoseconds or Go's error text.
 */
export function parsePromDuration(s: string): { ns: bigint } | { error: string } {
  if (s === '0') return { ns: 0n };
  if (s === '') return { error: 'empty duration string' };
  const m = PROM_DURATION.exec(s);
  if (!m) return { error: `not a valid duration string: ${quote(s)}` };
  let dur = 0n;
  let overflow = false;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const text = m[2 + 2 * i];
    if (text === undefined || text === '') continue;
    const n = BigInt(text);
    const mult = UNIT_MS[i] as bigint;
    if (n > MAX_INT64 / mult / 1_000_000n) overflow = true;
    dur = wrapInt64(dur + wrapInt64(wrapInt64(n * 1_000_000n) * mult));
    if (dur < 0n) overflow = true;
  }
  if (overflow) return { error: 'duration out of range' };
  return { ns: dur };
}

/** MONTH_NAMES and DAY_NAMES are what time.Month and time.Weekday print. */
export const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
export const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function startsWithLowerCase(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 97 && c <= 122;
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** One layout element of Go's reference time, and the text before it. */
interface Chunk {
  prefix: string;
  std: string;
  suffix: string;
}

const ZERO_STD = ['01', '02', '03', '04', '05', '06'];
const TZ_FORMS = ['-070000', '-07:00:00', '-0700', '-07:00', '-07', 'Z070000', 'Z07:00:00', 'Z0700', 'Z07:00', 'Z07'];

/** nextStdChunk is Go's time.nextStdChunk: finds the next layout element. */
function nextStdChunk(layout: string): Chunk {
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    const rest = layout.slice(i);
    const cut = (std: string, len: number, prefixEnd = i): Chunk => ({ prefix: layout.slice(0, prefixEnd), std, suffix: layout.slice(i + len) });
    switch (c) {
      case 'J':
        if (rest.startsWith('January')) return cut('January', 7);
        if (rest.startsWith('Jan') && !startsWithLowerCase(rest.slice(3))) return cut('Jan', 3);
        break;
      case 'M':
        if (rest.startsWith('Monday')) return cut('Monday', 6);
        if (rest.startsWith('Mon') && !startsWithLowerCase(rest.slice(3))) return cut('Mon', 3);
        if (rest.startsWith('MST')) return cut('MST', 3);
        break;
      case '0':
        if (rest.length >= 2 && rest[1]! >= '1' && rest[1]! <= '6') return cut(ZERO_STD[rest.charCodeAt(1) - 49] as string, 2);
        if (rest.startsWith('002')) return cut('002', 3);
        break;
      case '1':
        if (rest.startsWith('15')) return cut('15', 2);
        return cut('1', 1);
      case '2':
        if (rest.startsWith('2006')) return cut('2006', 4);
        return cut('2', 1);
      case '_':
        if (rest.startsWith('_2')) {
          if (rest.startsWith('_2006')) return { prefix: layout.slice(0, i + 1), std: '2006', suffix: layout.slice(i + 5) };
          return cut('_2', 2);
        }
        if (rest.startsWith('__2')) return cut('__2', 3);
        break;
      case '3':
      case '4':
      case '5':
        return cut(c, 1);
      case 'P':
        if (rest.startsWith('PM')) return cut('PM', 2);
        break;
      case 'p':
        if (rest.startsWith('pm')) return cut('pm', 2);
        break;
      case '-':
      case 'Z':
        for (const tz of TZ_FORMS) if (rest.startsWith(tz)) return cut(tz, tz.length);
        break;
      case '.':
      case ',':
        if (rest[1] === '0' || rest[1] === '9') {
          const ch = rest[1];
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) return { prefix: layout.slice(0, i), std: `${c}${ch.repeat(j - i - 1)}`, suffix: layout.slice(j) };
        }
        break;
    }
  }
  return { prefix: layout, std: '', suffix: '' };
}

/** formatTime is time.Time.Format(layout) for a UTC time. */
export function formatTime(ns: bigint, layout: string): string {
  const p = timeParts(ns);
  let out = '';
  while (layout !== '') {
    const { prefix, std, suffix } = nextStdChunk(layout);
    out += prefix;
    if (std === '') break;
    layout = suffix;
    const hour12 = p.hour % 12 === 0 ? 12 : p.hour % 12;
    switch (std) {
      case 'January':
        out += MONTH_NAMES[p.month - 1];
        break;
      case 'Jan':
        out += (MONTH_NAMES[p.month - 1] as string).slice(0, 3);
        break;
      case 'Monday':
        out += DAY_NAMES[p.weekday];
        break;
      case 'Mon':
        out += (DAY_NAMES[p.weekday] as string).slice(0, 3);
        break;
      case 'MST':
        out += 'UTC';
        break;
      case '01':
        out += pad(p.month, 2);
        break;
      case '1':
        out += p.month;
        break;
      case '02':
        out += pad(p.day, 2);
        break;
      case '2':
        out += p.day;
        break;
      case '_2':
        out += String(p.day).padStart(2, ' ');
        break;
      case '002':
        out += pad(p.yday, 3);
        break;
      case '__2':
        out += String(p.yday).padStart(3, ' ');
        break;
      case '2006':
        out += pad(p.year, 4);
        break;
      case '06':
        out += pad(((p.year % 100n) + 100n) % 100n, 2);
        break;
      case '15':
        out += pad(p.hour, 2);
        break;
      case '03':
        out += pad(hour12, 2);
        break;
      case '3':
        out += hour12;
        break;
      case '04':
        out += pad(p.minute, 2);
        break;
      case '4':
        out += p.minute;
        break;
      case '05':
        out += pad(p.second, 2);
        break;
      case '5':
        out += p.second;
        break;
      case 'PM':
        out += p.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += p.hour >= 12 ? 'pm' : 'am';
        break;
      default:
        if (std.startsWith('Z')) out += 'Z';
        else if (std.startsWith('-')) out += { '-070000': '+000000', '-07:00:00': '+00:00:00', '-0700': '+0000', '-07:00': '+00:00', '-07': '+00' }[std] ?? '';
        else {
          // Fractional seconds: .000 keeps n digits; .999 trims trailing zeros (and the separator when zero).
          const n = std.length - 1;
          const digits = String(p.nanos).padStart(9, '0').slice(0, n);
          if (std[1] === '0') out += std[0] + digits;
          else {
            const trimmed = digits.replace(/0+$/, '');
            if (trimmed !== '') out += std[0] + trimmed;
          }
        }
    }
  }
  return out;
}
