/**
 * Go values, as much of `reflect` as Prometheus's templates can observe. Go's template engine
 * behaves differently by type (an int and a float64 do not compare; a missing key of a
 * map[string]string is "" but of a map[string]interface{} is `<no value>`; printf's `%T` names
 * types), so every value carries its Go type.
 *
 * Interface values are unwrapped: a non-nil interface is represented by the value inside it, and
 * a nil interface is `{ k: 'iface' }`. `{ k: 'invalid' }` is the zero reflect.Value (Go's
 * "no value").
 */
import type { GoFunc } from './func.ts';

/** Kind is a reflect.Kind, reduced to the kinds templates meet. */
export type Kind =
  | 'bool'
  | 'int'
  | 'int32'
  | 'int64'
  | 'uint'
  | 'uint8'
  | 'uint64'
  | 'float64'
  | 'complex128'
  | 'string'
  | 'map'
  | 'slice'
  | 'struct'
  | 'ptr'
  | 'interface';

/** GoType is a reflect.Type: `name` is what reflect.Type.String() prints. */
export interface GoType {
  readonly name: string;
  readonly kind: Kind;
  /** Map value, slice element or pointer target. */
  readonly elem?: GoType;
  /** Struct fields in declaration order. */
  readonly fields?: readonly StructField[];
  /**
   * Methods of a named type defined outside this package (Alertmanager's `template.KV`, `Alerts`),
   * by name: each binds a receiver to a callable GoFunc. methodOf consults it.
   */
  readonly methods?: Readonly<Record<string, (recv: GoValue) => GoFunc>>;
}

/** StructField is one field of a struct type. */
export interface StructField {
  readonly name: string;
  readonly type: GoType;
}

/** GoValue is a Go value with its type; see the file comment for interfaces. */
export type GoValue =
  | { readonly k: 'invalid' }
  | { readonly k: 'iface'; readonly t: GoType }
  | { readonly k: 'bool'; readonly t: GoType; readonly v: boolean }
  | { readonly k: 'int'; readonly t: GoType; readonly v: bigint }
  | { readonly k: 'uint'; readonly t: GoType; readonly v: bigint }
  | { readonly k: 'float'; readonly t: GoType; readonly v: number }
  | { readonly k: 'complex'; readonly t: GoType; readonly re: number; readonly im: number }
  | { readonly k: 'string'; readonly t: GoType; readonly v: string }
  | { readonly k: 'map'; readonly t: GoType; readonly v: ReadonlyMap<string, GoValue> | null }
  | { readonly k: 'slice'; readonly t: GoType; readonly v: readonly GoValue[] | null }
  | { readonly k: 'struct'; readonly t: GoType; readonly v: ReadonlyMap<string, GoValue> }
  | { readonly k: 'ptr'; readonly t: GoType; readonly v: GoValue | null }
  | { readonly k: 'time'; readonly t: GoType; readonly ns: bigint };

function basic(name: string, kind: Kind): GoType {
  return { name, kind };
}

/** The Go types templates meet. */
export const T = {
  bool: basic('bool', 'bool'),
  int: basic('int', 'int'),
  int32: basic('int32', 'int32'),
  int64: basic('int64', 'int64'),
  uint: basic('uint', 'uint'),
  uint8: basic('uint8', 'uint8'),
  uint64: basic('uint64', 'uint64'),
  float64: basic('float64', 'float64'),
  complex128: basic('complex128', 'complex128'),
  string: basic('string', 'string'),
  html: basic('template.HTML', 'string'),
  iface: basic('interface {}', 'interface'),
  duration: basic('time.Duration', 'int64'),
  time: { name: 'time.Time', kind: 'struct', fields: [] } as GoType,
  /** reflect.Value as a parameter type: accepts anything (Go's builtins take reflect.Value). */
  reflectValue: { name: 'reflect.Value', kind: 'struct', fields: [] } as GoType,
} as const;

/** mapOf is the type map[string]elem. */
export function mapOf(elem: GoType): GoType {
  return { name: `map[string]${elem.name}`, kind: 'map', elem };
}

/** ptrTo is the type *elem. */
export function ptrTo(elem: GoType): GoType {
  return { name: `*${elem.name}`, kind: 'ptr', elem };
}

/** MAP_STRING_STRING (labels) and MAP_STRING_IFACE (what `args` returns). */
export const MAP_STRING_STRING = mapOf(T.string);
export const MAP_STRING_IFACE = mapOf(T.iface);

/** SAMPLE is Prometheus's template.sample: one element of a query result. */
export const SAMPLE: GoType = {
  name: 'template.sample',
  kind: 'struct',
  fields: [
    { name: 'Labels', type: MAP_STRING_STRING },
    { name: 'Value', type: T.float64 },
  ],
};
/** SAMPLE_PTR is *template.sample, what `first` returns and a query result holds. */
export const SAMPLE_PTR = ptrTo(SAMPLE);
/** QUERY_RESULT is Prometheus's template.queryResult, a []*sample. */
export const QUERY_RESULT: GoType = { name: 'template.queryResult', kind: 'slice', elem: SAMPLE_PTR };
/** TIME_PTR and DURATION_PTR are what `toTime` and `toDuration` return. */
export const TIME_PTR = ptrTo(T.time);
export const DURATION_PTR = ptrTo(T.duration);

/** ALERT_DATA is the anonymous struct Prometheus's AlertTemplateData returns. */
export const ALERT_DATA: GoType = (() => {
  const fields: StructField[] = [
    { name: 'Labels', type: MAP_STRING_STRING },
    { name: 'ExternalLabels', type: MAP_STRING_STRING },
    { name: 'ExternalURL', type: T.string },
    { name: 'Value', type: T.float64 },
  ];
  return { name: `struct { ${fields.map((f) => `${f.name} ${f.type.name}`).join('; ')} }`, kind: 'struct', fields };
})();

/** INVALID is the zero reflect.Value: no value at all (prints `<no value>`). */
export const INVALID: GoValue = { k: 'invalid' };

/** str makes a Go string (or a value of a named string type). */
export function str(v: string, t: GoType = T.string): GoValue {
  return { k: 'string', t, v };
}

/** int makes a Go int (or another signed integer type). */
export function int(v: bigint | number, t: GoType = T.int): GoValue {
  return { k: 'int', t, v: typeof v === 'bigint' ? v : BigInt(v) };
}

/** uint makes an unsigned Go integer. */
export function uint(v: bigint | number, t: GoType = T.uint): GoValue {
  return { k: 'uint', t, v: typeof v === 'bigint' ? v : BigInt(v) };
}

/** float makes a Go float64. */
export function float(v: number): GoValue {
  return { k: 'float', t: T.float64, v };
}

/** bool makes a Go bool. */
export function bool(v: boolean): GoValue {
  return { k: 'bool', t: T.bool, v };
}

/** stringMap makes a map[string]string. */
export function stringMap(rec: Readonly<Record<string, string>>): GoValue {
  const m = new Map<string, GoValue>();
  for (const [key, value] of Object.entries(rec)) m.set(key, str(value));
  return { k: 'map', t: MAP_STRING_STRING, v: m };
}

/** sampleValue makes a *template.sample. */
export function sampleValue(labels: Readonly<Record<string, string>>, value: number): GoValue {
  const fields = new Map<string, GoValue>([
    ['Labels', stringMap(labels)],
    ['Value', float(value)],
  ]);
  return { k: 'ptr', t: SAMPLE_PTR, v: { k: 'struct', t: SAMPLE, v: fields } };
}

/** typeName is `%T`: the type's name, `<nil>` for no value or a nil interface. */
export function typeName(v: GoValue): string {
  return v.k === 'invalid' || v.k === 'iface' ? '<nil>' : v.t.name;
}

/** zeroOf is reflect.Zero(t). */
export function zeroOf(t: GoType): GoValue {
  switch (t.kind) {
    case 'bool':
      return { k: 'bool', t, v: false };
    case 'int':
    case 'int32':
    case 'int64':
      return { k: 'int', t, v: 0n };
    case 'uint':
    case 'uint8':
    case 'uint64':
      return { k: 'uint', t, v: 0n };
    case 'float64':
      return { k: 'float', t, v: 0 };
    case 'complex128':
      return { k: 'complex', t, re: 0, im: 0 };
    case 'string':
      return { k: 'string', t, v: '' };
    case 'map':
      return { k: 'map', t, v: null };
    case 'slice':
      return { k: 'slice', t, v: null };
    case 'ptr':
      return { k: 'ptr', t, v: null };
    case 'interface':
      return { k: 'iface', t };
    case 'struct': {
      if (t === T.time) return { k: 'time', t, ns: -62135596800000000000n };
      const fields = new Map<string, GoValue>();
      for (const f of t.fields ?? []) fields.set(f.name, zeroOf(f.type));
      return { k: 'struct', t, v: fields };
    }
  }
}

/** canBeNil is Go's canBeNil: whether an untyped nil can be assigned to t. */
export function canBeNil(t: GoType): boolean {
  if (t === T.reflectValue) return true;
  return t.kind === 'map' || t.kind === 'slice' || t.kind === 'ptr' || t.kind === 'interface';
}

/** assignableTo is reflect's AssignableTo for the types templates meet (identity, or to interface{}). */
export function assignableTo(from: GoType, to: GoType): boolean {
  if (to.kind === 'interface') return true;
  if (from.name === to.name) return true;
  // Go also assigns between a named and an unnamed type with the same underlying type
  // (Alertmanager's `template.Strings` to a `[]string` parameter).
  const unnamed = (t: GoType): boolean => t.name.startsWith('[]') || t.name.startsWith('map[');
  return from.kind === to.kind && (from.kind === 'slice' || from.kind === 'map') && (unnamed(from) || unnamed(to)) && from.elem?.name === to.elem?.name;
}

/** indirect follows pointers (Go's indirect): the value at the end and whether a nil stopped it. */
export function indirect(v: GoValue): { v: GoValue; isNil: boolean } {
  let cur = v;
  while (cur.k === 'ptr' || cur.k === 'iface') {
    if (cur.k === 'iface' || cur.v === null) return { v: cur, isNil: true };
    cur = cur.v;
  }
  return { v: cur, isNil: false };
}

/** isTrue is text/template's truth: the zero value of a type is false. ok is false for no truth value. */
export function isTrue(v: GoValue): { truth: boolean; ok: boolean } {
  switch (v.k) {
    case 'invalid':
      return { truth: false, ok: true };
    case 'iface':
      return { truth: false, ok: true };
    case 'bool':
      return { truth: v.v, ok: true };
    case 'int':
    case 'uint':
      return { truth: v.v !== 0n, ok: true };
    case 'float':
      return { truth: v.v !== 0, ok: true };
    case 'complex':
      return { truth: v.re !== 0 || v.im !== 0, ok: true };
    case 'string':
      return { truth: v.v.length > 0, ok: true };
    case 'map':
      return { truth: v.v !== null && v.v.size > 0, ok: true };
    case 'slice':
      return { truth: v.v !== null && v.v.length > 0, ok: true };
    case 'ptr':
      return { truth: v.v !== null, ok: true };
    case 'struct':
    case 'time':
      return { truth: true, ok: true };
  }
}

/** truth is isTrue without the ok. */
export function truth(v: GoValue): boolean {
  return isTrue(v).truth;
}

/** compareCodePoints orders strings as Go does (by bytes of UTF-8, i.e. by code points). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Surrogates (astral code points) sort above the whole BMP in code point order.
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1;
    return ca < cb ? -1 : 1;
  }
  return a.length - b.length;
}

/** sortedKeys lists a map's keys in Go's (fmtsort) order. */
export function sortedKeys(m: ReadonlyMap<string, GoValue>): string[] {
  return [...m.keys()].sort(compareCodePoints);
}

const encoder = new TextEncoder();

/** utf8Bytes is the UTF-8 encoding of s (Go strings are bytes). */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** utf8Len is len(s) in Go. */
export function utf8Len(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** fromUtf8 decodes bytes back into a string (invalid sequences become U+FFFD). */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
