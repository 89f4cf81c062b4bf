/**
 * Prometheus's template functions (template/template.go), with Prometheus 2.42's output formats:
 * humanize and friends print with Go's `%.4g`, convertToFloat accepts float64, int and numeric
 * strings, the query helpers work on []*sample. Prometheus 3's additions (toDuration, now,
 * urlQueryEscape) are here too, and so are trimSpace and urlUnescape (Alertmanager's, not
 * Prometheus's: a template using them does not load in Prometheus).
 */
import { isIP } from 'node:net';
import { groupNamesOf } from '../promql/go-math.ts';
import { translateRE2, RegexSyntaxError } from '../promql/regex.ts';
import { queryEscape } from './builtins.ts';
import { sprintf } from './fmt.ts';
import { GoError, type CallContext, type GoFunc } from './func.ts';
import { floatToInt64, parsePromDuration, timeString } from './gotime.ts';
import { durationFromSeconds } from './methods.ts';
import { parseFloat as goParseFloat, quote, canBackquote } from './strconv.ts';
import {
  DURATION_PTR,
  INVALID,
  MAP_STRING_IFACE,
  QUERY_RESULT,
  SAMPLE_PTR,
  T,
  TIME_PTR,
  bool,
  float,
  sampleValue,
  str,
  typeName,
  utf8Bytes,
  fromUtf8,
  type GoType,
  type GoValue,
} from './values.ts';

const NIL_DEREF = 'runtime error: invalid memory address or nil pointer dereference';

function s(v: GoValue | undefined): string {
  return (v as { v: string }).v;
}

/** convertToFloat is Prometheus's: float64, integers, and strings through strconv.ParseFloat. */
function convertToFloat(v: GoValue): number {
  switch (v.k) {
    case 'float':
      return v.v;
    case 'string':
      if (v.t === T.string) {
        const r = goParseFloat(v.v);
        if (r.err === 'syntax') throw new GoError(`strconv.ParseFloat: parsing ${quote(v.v)}: invalid syntax`);
        if (r.err === 'range') throw new GoError(`strconv.ParseFloat: parsing ${quote(v.v)}: value out of range`);
        return r.value;
      }
      break;
    case 'int':
    case 'uint':
      if (['int', 'uint', 'int64', 'uint64'].includes(v.t.name)) return Number(v.v);
      break;
  }
  throw new GoError(`can't convert ${typeName(v)} to float`);
}

const g4 = (v: number): string => sprintf('%.4g', [float(v)]);

/** humanize is Prometheus's humanize: SI prefixes, four significant digits. */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  if (Math.abs(v) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v) + prefix;
}

/** humanize1024 is Prometheus's humanize1024: binary prefixes. */
export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

/** humanizeDuration is Prometheus's humanizeDuration: `1d 1h 1m 1s`, `1.5s`, `10ms`. */
export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return `${g4(v)}s`;
  if (Math.abs(v) >= 1) {
    let sign = '';
    if (v < 0) {
      sign = '-';
      v = -v;
    }
    const duration = floatToInt64(v);
    const seconds = duration % 60n;
    const minutes = (duration / 60n) % 60n;
    const hours = (duration / 60n / 60n) % 24n;
    const days = duration / 60n / 60n / 24n;
    if (days !== 0n) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0n) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0n) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(v)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}s`;
}

/** floatToTime is Prometheus's floatToTime: seconds to a time with millisecond precision. */
function floatToTime(v: number): bigint | 'nan-or-inf' {
  if (!Number.isFinite(v)) return 'nan-or-inf';
  const timestamp = v * 1e9;
  if (timestamp > 9223372036854775807 || timestamp < -9223372036854775808) {
    throw new GoError(`${sprintf('%v', [float(v)])} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  }
  // model.TimeFromUnixNano truncates to milliseconds.
  const ms = floatToInt64(timestamp) / 1_000_000n;
  return ms * 1_000_000n;
}

/** splitHostPort is net.SplitHostPort; returns Go's error text on failure. */
export function splitHostPort(hostport: string): { host: string; port: string } | { error: string } {
  const fail = (why: string): { error: string } => ({ error: `address ${hostport}: ${why}` });
  const i = hostport.lastIndexOf(':');
  if (i < 0) return fail('missing port in address');
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return fail("missing ']' in address");
    if (end + 1 === hostport.length) return fail('missing port in address');
    if (end + 1 !== i) return fail(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return fail('too many colons in address');
  }
  if (hostport.indexOf('[', j) >= 0) return fail("unexpected '[' in address");
  if (hostport.indexOf(']', k) >= 0) return fail("unexpected ']' in address");
  return { host, port: hostport.slice(i + 1) };
}

function isGoIP(host: string): boolean {
  return !host.includes('%') && isIP(host) !== 0;
}

/** stripDomain is Prometheus's stripDomain: the first label of a host name, port kept, IPs untouched. */
export function stripDomain(hostPort: string): string {
  const split = splitHostPort(hostPort);
  let host = 'error' in split ? hostPort : split.host;
  const port = 'error' in split ? '' : split.port;
  if (isGoIP(host)) return hostPort;
  host = host.split('.')[0] as string;
  if (port !== '') return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return host;
}

/** title is strings.Title: upper-cases the first letter of each word. */
export function title(text: string): string {
  let prev = 32;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    out += isSeparator(prev) ? toTitleRune(ch) : ch;
    prev = cp;
  }
  return out;
}

function isSeparator(r: number): boolean {
  if (r <= 0x7f) {
    if ((r >= 48 && r <= 57) || (r >= 97 && r <= 122) || (r >= 65 && r <= 90) || r === 95) return false;
    return true;
  }
  const ch = String.fromCodePoint(r);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
}

/** Go maps rune by rune (simple case mapping); JavaScript's full mappings that change length are not used. */
function mapRunes(s: string, f: (ch: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = f(ch);
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

function toTitleRune(ch: string): string {
  const special: Record<string, string> = { ǆ: 'ǅ', Ǆ: 'ǅ', ǅ: 'ǅ', ǉ: 'ǈ', Ǉ: 'ǈ', ǈ: 'ǈ', ǌ: 'ǋ', Ǌ: 'ǋ', ǋ: 'ǋ', ǳ: 'ǲ', Ǳ: 'ǲ', ǲ: 'ǲ' };
  return special[ch] ?? mapRunes(ch, (c) => c.toUpperCase());
}

/** Go's unicode.ToLower('İ') is 'i' (simple mapping); JavaScript's is the two-rune 'i̇'. */
function toLowerGo(s: string): string {
  return mapRunes(s, (c) => (c === 'İ' ? 'i' : c.toLowerCase()));
}

const regexCache = new Map<string, RegExp | GoError>();
const REGEX_CACHE_MAX = 256;

/** compileRE2 compiles a Go regexp (unanchored) or throws GoError with regexp's error text. Cached: rules render often. */
function compileRE2(pattern: string): RegExp {
  let hit = regexCache.get(pattern);
  if (hit === undefined) {
    try {
      hit = new RegExp(translateRE2(pattern, false), 'v');
    } catch (e) {
      if (e instanceof RegexSyntaxError) hit = new GoError(e.message);
      else hit = new GoError(`error parsing regexp: invalid or unsupported Perl syntax: \`${pattern}\``);
    }
    if (regexCache.size >= REGEX_CACHE_MAX) regexCache.delete(regexCache.keys().next().value as string);
    regexCache.set(pattern, hit);
  }
  if (hit instanceof GoError) throw new GoError(hit.message);
  return hit;
}

/** expand is regexp.Regexp.ExpandString: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(template: string, match: RegExpExecArray, names: readonly string[]): string {
  let out = '';
  let rest = template;
  for (;;) {
    const d = rest.indexOf('$');
    if (d < 0) break;
    out += rest.slice(0, d);
    rest = rest.slice(d + 1);
    if (rest[0] === '$') {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ex = /^(\{)?([\p{L}\p{Nd}_]+)/u.exec(rest);
    if (!ex || (ex[1] === '{' && rest[ex[0].length] !== '}')) {
      out += '$';
      continue;
    }
    const name = ex[2] as string;
    rest = rest.slice(ex[0].length + (ex[1] === '{' ? 1 : 0));
    let n = -1;
    if (/^[0-9]+$/.test(name) && !(name[0] === '0' && name.length > 1) && name.length <= 8) n = Number(name);
    if (n >= 0) out += match[n] ?? '';
    else {
      const idx = names.indexOf(name);
      if (idx > 0) out += match[idx] ?? '';
    }
  }
  return out + rest;
}

/** reReplaceAll is Regexp.ReplaceAllString, with Go's rule that an empty match right after a match is not replaced. */
export function reReplaceAll(pattern: string, repl: string, text: string): string {
  const source = compileRE2(pattern).source;
  const re = new RegExp(source, 'gv');
  const names = groupNamesOf(source);
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= text.length) {
    re.lastIndex = searchPos;
    const m = re.exec(text);
    if (m === null) break;
    const a0 = m.index;
    const a1 = a0 + m[0].length;
    out += text.slice(lastMatchEnd, a0);
    if (a1 > lastMatchEnd || a0 === 0) out += expand(repl, m, names);
    lastMatchEnd = a1;
    const cp = text.codePointAt(searchPos);
    const width = cp === undefined ? 0 : cp > 0xffff ? 2 : 1;
    if (searchPos + width > a1) searchPos += width;
    else if (searchPos + 1 > a1) searchPos++;
    else searchPos = a1;
  }
  return out + text.slice(lastMatchEnd);
}

function sampleOf(v: GoValue | undefined): Map<string, GoValue> {
  if (v === undefined || v.k !== 'ptr' || v.v === null || v.v.k !== 'struct') throw new GoError(NIL_DEREF);
  return v.v.v as Map<string, GoValue>;
}

function labelOf(sample: Map<string, GoValue>, name: string): string {
  const labels = sample.get('Labels');
  if (labels?.k !== 'map' || labels.v === null) return '';
  const l = labels.v.get(name);
  return l?.k === 'string' ? l.v : '';
}

function queryResult(v: GoValue | undefined): readonly GoValue[] {
  return v?.k === 'slice' ? (v.v ?? []) : [];
}

function toTime(v: number): GoValue {
  const ns = floatToTime(v);
  if (ns === 'nan-or-inf') throw new GoError('value is NaN or Inf');
  return { k: 'ptr', t: TIME_PTR, v: { k: 'time', t: T.time, ns } };
}

/** queryUnescape is url.QueryUnescape. */
function queryUnescape(text: string): string {
  const bytes: number[] = [];
  const src = utf8Bytes(text);
  for (let i = 0; i < src.length; i++) {
    const b = src[i] as number;
    if (b === 0x25) {
      const h = String.fromCharCode(src[i + 1] ?? 0, src[i + 2] ?? 0);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) {
        const bad = fromUtf8(src.subarray(i, Math.min(i + 3, src.length)));
        throw new GoError(`invalid URL escape ${quote(bad)}`);
      }
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (b === 0x2b) bytes.push(0x20);
    else bytes.push(b);
  }
  return fromUtf8(new Uint8Array(bytes));
}

function pathOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(url);
    return m ? (m[1] as string) : '';
  }
}

const unary = (param: GoType, f: (v: GoValue) => GoValue): GoFunc => ({ params: [param], call: ([a]) => f(a as GoValue) });
const numeric = (f: (v: number) => GoValue): GoFunc => unary(T.iface, (v) => f(convertToFloat(v)));
const stringFn = (f: (v: string) => string): GoFunc => unary(T.string, (v) => str(f(s(v))));

/** PROMETHEUS_FUNCS are Prometheus's template functions by name. */
export const PROMETHEUS_FUNCS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  [
    'query',
    {
      params: [T.string],
      call: ([q], ctx: CallContext) => {
        if (!ctx.query) throw new GoError('query: no query engine available to this template');
        let rows;
        try {
          rows = ctx.query(s(q));
        } catch (e) {
          throw new GoError(e instanceof Error ? e.message : String(e));
        }
        return { k: 'slice', t: QUERY_RESULT, v: rows.map((r) => sampleValue(r.labels, r.value)) };
      },
    },
  ],
  [
    'first',
    unary(QUERY_RESULT, (v) => {
      const rows = queryResult(v);
      if (rows.length === 0) throw new GoError('first() called on vector with no elements');
      return rows[0] as GoValue;
    }),
  ],
  ['label', { params: [T.string, SAMPLE_PTR], call: ([l, smpl]) => str(labelOf(sampleOf(smpl), s(l))) }],
  ['value', unary(SAMPLE_PTR, (smpl) => sampleOf(smpl).get('Value') ?? float(0))],
  ['strvalue', unary(SAMPLE_PTR, (smpl) => str(labelOf(sampleOf(smpl), '__value__')))],
  [
    'args',
    {
      params: [],
      variadic: T.iface,
      call: (args) => {
        const m = new Map<string, GoValue>();
        args.forEach((a, i) => m.set(`arg${i}`, a));
        return { k: 'map', t: MAP_STRING_IFACE, v: m };
      },
    },
  ],
  [
    'reReplaceAll',
    {
      params: [T.string, T.string, T.string],
      call: ([p, r, t]) => {
        const pattern = s(p);
        try {
          compileRE2(pattern);
        } catch (e) {
          // regexp.MustCompile panics with the pattern quoted.
          const q = canBackquote(pattern) ? `\`${pattern}\`` : quote(pattern);
          throw new GoError(`regexp: Compile(${q}): ${(e as Error).message}`);
        }
        return str(reReplaceAll(pattern, s(r), s(t)));
      },
    },
  ],
  ['safeHtml', unary(T.string, (v) => str(s(v), T.html))],
  ['match', { params: [T.string, T.string], call: ([p, t]) => bool(compileRE2(s(p)).test(s(t))) }],
  ['title', stringFn(title)],
  ['toUpper', stringFn((v) => mapRunes(v, (c) => c.toUpperCase()))],
  ['toLower', stringFn(toLowerGo)],
  ['graphLink', stringFn((e) => `/graph?g0.expr=${queryEscape(e)}&g0.tab=0`)],
  ['tableLink', stringFn((e) => `/graph?g0.expr=${queryEscape(e)}&g0.tab=1`)],
  [
    'sortByLabel',
    {
      params: [T.string, QUERY_RESULT],
      call: ([l, v]) => {
        const label = s(l);
        const rows = [...queryResult(v)];
        const key = (r: GoValue): string => labelOf(sampleOf(r), label);
        rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
        return { k: 'slice', t: QUERY_RESULT, v: rows };
      },
    },
  ],
  [
    'stripPort',
    stringFn((hp) => {
      const r = splitHostPort(hp);
      return 'error' in r ? hp : r.host;
    }),
  ],
  ['stripDomain', stringFn(stripDomain)],
  ['humanize', numeric((v) => str(humanize(v)))],
  ['humanize1024', numeric((v) => str(humanize1024(v)))],
  ['humanizeDuration', numeric((v) => str(humanizeDuration(v)))],
  ['humanizePercentage', numeric((v) => str(`${g4(v * 100)}%`))],
  [
    'humanizeTimestamp',
    numeric((v) => {
      const ns = floatToTime(v);
      return str(ns === 'nan-or-inf' ? g4(v) : timeString(ns));
    }),
  ],
  ['toTime', numeric(toTime)],
  ['toDuration', numeric((v) => ({ k: 'ptr', t: DURATION_PTR, v: durationFromSeconds(v) }))],
  [
    'now',
    {
      params: [],
      call: (_args, ctx) => {
        if (ctx.nowMs === undefined) throw new GoError('now: no evaluation time given to this template');
        return float(ctx.nowMs / 1000);
      },
    },
  ],
  ['pathPrefix', { params: [], call: (_a, ctx) => str(pathOf(ctx.externalURL)) }],
  ['externalURL', { params: [], call: (_a, ctx) => str(ctx.externalURL) }],
  [
    'parseDuration',
    unary(T.string, (d) => {
      const r = parsePromDuration(s(d));
      if ('error' in r) throw new GoError(r.error);
      return float(Number(r.ns) / 1e9);
    }),
  ],
  ['urlQueryEscape', stringFn(queryEscape)],
  ['urlUnescape', stringFn(queryUnescape)],
  ['trimSpace', stringFn((v) => v.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, ''))],
  [
    'tmpl',
    {
      params: [T.string, T.iface],
      call: ([name, data], ctx) => str(ctx.executeTemplate(s(name), data ?? INVALID), T.html),
    },
  ],
]);
