/**
 * Times in a zone for Alertmanager's `tz` template function (`{{ .StartsAt | tz "Europe/Berlin" |
 * date "15:04 MST" }}`). The Go template port's times are UTC; a zoned time is the same instant
 * with a type of its own whose methods shift the wall clock by the zone's offset at that instant
 * (from the platform's IANA data through Intl) and print the zone's offset and abbreviation.
 * Abbreviations come from Intl and may differ from Go's tzdata for zones that have none there
 * (Go prints `+04` where Intl may say `GST`).
 */
import { GoError, type GoFunc } from '../rules/template/func.ts';
import { formatTime, timeString } from '../rules/template/gotime.ts';
import { methodOf } from '../rules/template/methods.ts';
import { T, str, type GoType, type GoValue } from '../rules/template/values.ts';

interface Zone {
  name: string;
  formatter: Intl.DateTimeFormat;
  type: GoType;
}

const zones = new Map<string, Zone>();
const NS_PER_S = 1_000_000_000n;

/** ZONE_TOKEN finds the zone parts of a Go layout, longest first as Go's layout parser takes them. */
const ZONE_TOKEN = /Z070000|Z07:00:00|Z0700|Z07:00|Z07|-070000|-07:00:00|-0700|-07:00|-07|MST/g;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** offsetSeconds is the zone's UTC offset at the instant, in seconds east of UTC. */
function offsetSeconds(zone: Zone, ns: bigint): number {
  const ms = Number(ns / 1_000_000n);
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return 0;
  const parts = zone.formatter.formatToParts(new Date(ms));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  const instant = Math.floor(ms / 1000) * 1000;
  return Math.round((wall - instant) / 1000);
}

function numericOffset(offset: number, withColon: boolean, withSeconds: boolean, short: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const h = pad2(Math.floor(abs / 3600));
  const m = pad2(Math.floor((abs % 3600) / 60));
  const s = pad2(abs % 60);
  if (short) return `${sign}${h}`;
  const sep = withColon ? ':' : '';
  return withSeconds ? `${sign}${h}${sep}${m}${sep}${s}` : `${sign}${h}${sep}${m}`;
}

const ABBREVIATION_LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-IN', 'ja-JP'];

/** abbreviation is the zone's short name at the instant, or Go's numeric form (`+0530`, `-03`) when there is none. */
function abbreviation(zone: Zone, ns: bigint, offset: number): string {
  if (zone.name === 'UTC') return 'UTC';
  const date = new Date(Number(ns / 1_000_000n));
  for (const locale of ABBREVIATION_LOCALES) {
    const name = new Intl.DateTimeFormat(locale, { timeZone: zone.name, timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (/^[A-Z]{2,5}$/.test(name) && (name !== 'GMT' || offset === 0)) return name;
  }
  return offset % 3600 === 0 ? numericOffset(offset, false, false, true) : numericOffset(offset, false, false, false);
}

function zoneText(token: string, zone: Zone, ns: bigint, offset: number): string {
  if (token === 'MST') return abbreviation(zone, ns, offset);
  if (token.startsWith('Z') && offset === 0) return 'Z';
  const t = token.slice(1);
  return numericOffset(offset, t.includes(':'), t.length >= 6, t === '07');
}

/** formatZoned is time.Time.Format for a time in `zone`. */
function formatZoned(zone: Zone, ns: bigint, layout: string): string {
  const offset = offsetSeconds(zone, ns);
  const wall = ns + BigInt(offset) * NS_PER_S;
  let out = '';
  let last = 0;
  for (const m of layout.matchAll(ZONE_TOKEN)) {
    out += formatTime(wall, layout.slice(last, m.index));
    out += zoneText(m[0], zone, ns, offset);
    last = m.index + m[0].length;
  }
  return out + formatTime(wall, layout.slice(last));
}

function stringZoned(zone: Zone, ns: bigint): string {
  const offset = offsetSeconds(zone, ns);
  const utc = timeString(ns + BigInt(offset) * NS_PER_S);
  return `${utc.slice(0, utc.length - ' +0000 UTC'.length)} ${numericOffset(offset, false, false, false)} ${abbreviation(zone, ns, offset)}`;
}

const WALL_CLOCK = new Set(['Year', 'Month', 'Day', 'Hour', 'Minute', 'Second', 'Nanosecond', 'YearDay', 'Weekday']);

function zonedMethods(zone: Zone): Record<string, (recv: GoValue) => GoFunc> {
  const ns = (v: GoValue): bigint => (v.k === 'time' ? v.ns : 0n);
  const utc = (n: bigint): GoValue => ({ k: 'time', t: T.time, ns: n });
  const methods: Record<string, (recv: GoValue) => GoFunc> = {
    String: (r) => ({ params: [], call: () => str(stringZoned(zone, ns(r))) }),
    Format: (r) => ({ params: [T.string], call: ([layout]) => str(formatZoned(zone, ns(r), layout?.k === 'string' ? layout.v : '')) }),
    UTC: (r) => ({ params: [], call: () => utc(ns(r)) }),
  };
  // Wall-clock fields read the shifted instant; everything else (Unix, Sub, Before, IsZero…) the instant itself.
  for (const name of WALL_CLOCK) {
    methods[name] = (r) => {
      const n = ns(r);
      return methodOf(utc(n + BigInt(offsetSeconds(zone, n)) * NS_PER_S), name) as GoFunc;
    };
  }
  for (const name of ['Unix', 'UnixMilli', 'UnixMicro', 'UnixNano', 'IsZero', 'Sub', 'Before', 'After', 'Equal']) {
    methods[name] = (r) => methodOf(utc(ns(r)), name) as GoFunc;
  }
  methods.Add = (r) => {
    const add = methodOf(utc(ns(r)), 'Add') as GoFunc;
    return { params: add.params, call: (args, ctx) => inZone(zone, add.call(args, ctx)) };
  };
  return methods;
}

function inZone(zone: Zone, v: GoValue): GoValue {
  return v.k === 'time' ? { k: 'time', t: zone.type, ns: v.ns } : v;
}

function loadZone(name: string): Zone {
  let zone = zones.get(name);
  if (zone === undefined) {
    let formatter: Intl.DateTimeFormat;
    try {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    } catch {
      throw new GoError(`unknown time zone ${name}`);
    }
    const z: Zone = { name, formatter, type: { name: 'time.Time', kind: 'struct', fields: [] } };
    z.type = { name: 'time.Time', kind: 'struct', fields: [], methods: zonedMethods(z) };
    zone = z;
    zones.set(name, zone);
  }
  return zone;
}

/** inTimeZone is `t.In(time.LoadLocation(name))`: "" and "UTC" give UTC; an unknown zone is Go's error. */
export function inTimeZone(name: string, t: GoValue): GoValue {
  if (t.k !== 'time') throw new GoError('runtime error: invalid memory address or nil pointer dereference');
  if (name === '' || name === 'UTC') return { k: 'time', t: T.time, ns: t.ns };
  // Go's Local is the machine's zone.
  const zone = name === 'Local' ? new Intl.DateTimeFormat().resolvedOptions().timeZone : name;
  return zone === 'UTC' ? { k: 'time', t: T.time, ns: t.ns } : inZone(loadZone(zone), t);
}

/** formatIn is `t.Format(layout)` for a UTC or zoned time (what `date` does). */
export function formatIn(t: GoValue, layout: string): string {
  if (t.k !== 'time') throw new GoError('runtime error: invalid memory address or nil pointer dereference');
  const format = t.t.methods?.Format;
  if (format) {
    const r = format(t).call([str(layout)], { executeTemplate: () => '', query: undefined, nowMs: undefined, externalURL: '' });
    return r.k === 'string' ? r.v : '';
  }
  return formatTime(t.ns, layout);
}
