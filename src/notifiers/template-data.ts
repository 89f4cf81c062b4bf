/**
 * Alertmanager's template data as Go values: `template.Data`, `Alert`, `Alerts`, `KV`, `Pairs`,
 * `Pair` and `Strings` with their methods (`.Alerts.Firing`, `.Labels.SortedPairs`,
 * `.CommonLabels.Remove`, `.Names`, `.Values`, `.Join`), so notification templates written for
 * Alertmanager behave the same here. Runwarden adds `.TraceURL` and `.Timeline` to each alert.
 */
import type { NotificationAlert, NotificationData } from '../pipeline/types.ts';
import { GoError, type GoFunc } from '../rules/template/func.ts';
import { T, compareCodePoints, str, type GoType, type GoValue, type StructField } from '../rules/template/values.ts';

type MethodTable = Record<string, (recv: GoValue) => GoFunc>;

/** The Go zero time (0001-01-01T00:00:00Z) in Unix nanoseconds, what an unset `EndsAt` holds. */
export const GO_ZERO_TIME_NS = -62135596800000000000n;

function method(call: (recv: GoValue, args: GoValue[]) => GoValue, params: GoType[] = []): (recv: GoValue) => GoFunc {
  return (recv) => ({ params, call: (args) => call(recv, args) });
}

function sliceItems(v: GoValue): readonly GoValue[] {
  if (v.k === 'slice') return v.v ?? [];
  throw new GoError(`expected a slice, got ${v.k === 'invalid' || v.k === 'iface' ? '<nil>' : v.t.name}`);
}

function mapEntries(v: GoValue): ReadonlyMap<string, GoValue> {
  if (v.k === 'map') return v.v ?? new Map();
  throw new GoError('expected a map');
}

function stringOf(v: GoValue | undefined): string {
  return v !== undefined && v.k === 'string' ? v.v : '';
}

/** stringsOf reads a []string-like argument (`[]string`, `template.Strings`). */
export function stringsOf(v: GoValue): string[] {
  if (v.k === 'invalid' || v.k === 'iface') return [];
  if (v.k !== 'slice' || v.t.elem?.kind !== 'string') throw new GoError(`wrong type for value; expected []string; got ${v.t.name}`);
  return (v.v ?? []).map((e) => stringOf(e));
}

const STRINGS_METHODS: MethodTable = {};
/** STRINGS is Alertmanager's `template.Strings` ([]string with `Join`). */
export const STRINGS: GoType = { name: 'template.Strings', kind: 'slice', elem: T.string, methods: STRINGS_METHODS };
/** STRING_SLICE is the unnamed `[]string`. */
export const STRING_SLICE: GoType = { name: '[]string', kind: 'slice', elem: T.string };

/** stringsValue makes a template.Strings (or another []string type). */
export function stringsValue(items: readonly string[], t: GoType = STRINGS): GoValue {
  return { k: 'slice', t, v: items.map((s) => str(s)) };
}

STRINGS_METHODS.Join = method((r, [sep]) => str(stringsOf(r).join(stringOf(sep))), [T.string]);

/** PAIR is `template.Pair{Name, Value string}`. */
export const PAIR: GoType = {
  name: 'template.Pair',
  kind: 'struct',
  fields: [
    { name: 'Name', type: T.string },
    { name: 'Value', type: T.string },
  ],
};

const PAIRS_METHODS: MethodTable = {};
/** PAIRS is `template.Pairs` ([]Pair with `Names`, `Values`, `String`). */
export const PAIRS: GoType = { name: 'template.Pairs', kind: 'slice', elem: PAIR, methods: PAIRS_METHODS };

function pairsOf(v: GoValue): { name: string; value: string }[] {
  return sliceItems(v).map((p) => (p.k === 'struct' ? { name: stringOf(p.v.get('Name')), value: stringOf(p.v.get('Value')) } : { name: '', value: '' }));
}

PAIRS_METHODS.Names = method((r) => stringsValue(pairsOf(r).map((p) => p.name)));
PAIRS_METHODS.Values = method((r) => stringsValue(pairsOf(r).map((p) => p.value)));
PAIRS_METHODS.String = method((r) => str(pairsOf(r).map((p) => `${p.name}=${p.value}`).join(', ')));

const KV_METHODS: MethodTable = {};
/** KV is `template.KV` (map[string]string with `SortedPairs`, `Remove`, `Names`, `Values`, `String`). */
export const KV: GoType = { name: 'template.KV', kind: 'map', elem: T.string, methods: KV_METHODS };

/** kvValue makes a template.KV. */
export function kvValue(rec: Readonly<Record<string, string>>): GoValue {
  const m = new Map<string, GoValue>();
  for (const [key, value] of Object.entries(rec)) m.set(key, str(value));
  return { k: 'map', t: KV, v: m };
}

/** sortedPairs orders a KV as Alertmanager does: `alertname` first, the rest by name. */
export function sortedPairs(rec: ReadonlyMap<string, string>): { name: string; value: string }[] {
  const names = [...rec.keys()].filter((k) => k !== 'alertname').sort(compareCodePoints);
  if (rec.has('alertname')) names.unshift('alertname');
  return names.map((name) => ({ name, value: rec.get(name) as string }));
}

function kvOf(v: GoValue): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, val] of mapEntries(v)) out.set(k, stringOf(val));
  return out;
}

function pairsValue(pairs: readonly { name: string; value: string }[]): GoValue {
  const items = pairs.map((p): GoValue => ({ k: 'struct', t: PAIR, v: new Map([['Name', str(p.name)], ['Value', str(p.value)]]) }));
  return { k: 'slice', t: PAIRS, v: items };
}

KV_METHODS.SortedPairs = method((r) => pairsValue(sortedPairs(kvOf(r))));
KV_METHODS.Names = method((r) => stringsValue(sortedPairs(kvOf(r)).map((p) => p.name)));
KV_METHODS.Values = method((r) => stringsValue(sortedPairs(kvOf(r)).map((p) => p.value)));
KV_METHODS.String = method((r) => str(sortedPairs(kvOf(r)).map((p) => `${p.name}=${p.value}`).join(', ')));
// Remove takes a []string; template.Strings is assignable to it (same underlying type).
KV_METHODS.Remove = method(
  (r, [keys]) => {
    const drop = new Set(stringsOf(keys as GoValue));
    const out: Record<string, string> = {};
    for (const [k, v] of kvOf(r)) if (!drop.has(k)) out[k] = v;
    return kvValue(out);
  },
  [STRING_SLICE],
);

const ALERT_FIELDS: StructField[] = [
  { name: 'Status', type: T.string },
  { name: 'Labels', type: KV },
  { name: 'Annotations', type: KV },
  { name: 'StartsAt', type: T.time },
  { name: 'EndsAt', type: T.time },
  { name: 'GeneratorURL', type: T.string },
  { name: 'Fingerprint', type: T.string },
  { name: 'TraceURL', type: T.string },
  { name: 'Timeline', type: STRINGS },
];
/** ALERT is `template.Alert`, plus Runwarden's `TraceURL` and `Timeline`. */
export const ALERT: GoType = { name: 'template.Alert', kind: 'struct', fields: ALERT_FIELDS };
/** ALERT_SLICE is `[]template.Alert`, what `Firing` and `Resolved` return. */
export const ALERT_SLICE: GoType = { name: '[]template.Alert', kind: 'slice', elem: ALERT };

const ALERTS_METHODS: MethodTable = {};
/** ALERTS is `template.Alerts` ([]Alert with `Firing` and `Resolved`). */
export const ALERTS: GoType = { name: 'template.Alerts', kind: 'slice', elem: ALERT, methods: ALERTS_METHODS };

function withStatus(status: string): (recv: GoValue) => GoFunc {
  return method((r) => ({ k: 'slice', t: ALERT_SLICE, v: sliceItems(r).filter((a) => a.k === 'struct' && stringOf(a.v.get('Status')) === status) }));
}
ALERTS_METHODS.Firing = withStatus('firing');
ALERTS_METHODS.Resolved = withStatus('resolved');

/** DATA is `template.Data`, the dot of a notification template. */
export const DATA: GoType = {
  name: 'template.Data',
  kind: 'struct',
  fields: [
    { name: 'Receiver', type: T.string },
    { name: 'Status', type: T.string },
    { name: 'Alerts', type: ALERTS },
    { name: 'GroupLabels', type: KV },
    { name: 'CommonLabels', type: KV },
    { name: 'CommonAnnotations', type: KV },
    { name: 'ExternalURL', type: T.string },
  ],
};

/** timeFromMs makes a time.Time; 0 ms is Go's zero time, as Alertmanager's unset `EndsAt`. */
export function timeFromMs(ms: number): GoValue {
  return { k: 'time', t: T.time, ns: ms === 0 ? GO_ZERO_TIME_NS : BigInt(Math.trunc(ms)) * 1_000_000n };
}

/** alertValue makes one template.Alert. */
export function alertValue(a: NotificationAlert): GoValue {
  const fields = new Map<string, GoValue>([
    ['Status', str(a.status)],
    ['Labels', kvValue(a.labels)],
    ['Annotations', kvValue(a.annotations)],
    ['StartsAt', timeFromMs(a.startsAt)],
    ['EndsAt', timeFromMs(a.endsAt)],
    ['GeneratorURL', str(a.generatorURL)],
    ['Fingerprint', str(a.fingerprint)],
    ['TraceURL', str(a.traceURL ?? '')],
    ['Timeline', stringsValue(a.timeline ?? [])],
  ]);
  return { k: 'struct', t: ALERT, v: fields };
}

/** quoteMeta is Go's regexp.QuoteMeta; Alertmanager puts the receiver's name through it. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** notificationDataValue makes the template dot for a notification, as Alertmanager's `Template.Data`. */
export function notificationDataValue(data: NotificationData): GoValue {
  const fields = new Map<string, GoValue>([
    ['Receiver', str(quoteMeta(data.receiver))],
    ['Status', str(data.status)],
    ['Alerts', { k: 'slice', t: ALERTS, v: data.alerts.map(alertValue) }],
    ['GroupLabels', kvValue(data.groupLabels)],
    ['CommonLabels', kvValue(data.commonLabels)],
    ['CommonAnnotations', kvValue(data.commonAnnotations)],
    ['ExternalURL', str(data.externalURL)],
  ]);
  return { k: 'struct', t: DATA, v: fields };
}
