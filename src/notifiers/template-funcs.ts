/**
 * Alertmanager's template functions (template.DefaultFuncs as of 0.25–0.27) on top of Go's
 * builtins. Where Alertmanager and Prometheus share a function (`toUpper`, `match`,
 * `reReplaceAll`, `humanizeDuration`) the Prometheus port is reused: same Go code underneath.
 * Left out: `toDate`, `mustToDate`, `toJson`, `list`, `dict`, `append` (newer
 * than 0.27) and `routeLabels`.
 */
import { BUILTINS } from '../rules/template/builtins.ts';
import { GoError, type GoFunc } from '../rules/template/func.ts';
import { PROMETHEUS_FUNCS } from '../rules/template/prometheus-funcs.ts';
import { T, str, type GoType, type GoValue } from '../rules/template/values.ts';
import { STRING_SLICE, stringsOf, stringsValue } from './template-data.ts';
import { formatIn, inTimeZone } from './template-tz.ts';

/** URL_TYPE is html/template's `template.URL`, what `safeUrl` returns. */
const URL_TYPE: GoType = { name: 'template.URL', kind: 'string' };

function s(v: GoValue | undefined): string {
  return v !== undefined && v.k === 'string' ? v.v : '';
}

function timeNs(v: GoValue | undefined): bigint {
  if (v !== undefined && v.k === 'time') return v.ns;
  throw new GoError('runtime error: invalid memory address or nil pointer dereference');
}

function shared(name: string): GoFunc {
  const fn = PROMETHEUS_FUNCS.get(name);
  if (!fn) throw new Error(`internal: Prometheus template function ${name} missing`);
  return fn;
}

function stringFn(f: (v: string) => string, result: GoType = T.string): GoFunc {
  return { params: [T.string], call: ([v]) => str(f(s(v)), result) };
}

/**
 * titleCase is golang.org/x/text/cases.Title (American English): the first letter of each word
 * upper-cased and the rest lower-cased ("hELLO wORLD" → "Hello World"), unlike Prometheus's
 * strings.Title, which leaves the rest alone.
 */
export function titleCase(text: string): string {
  return text.replace(/[\p{L}\p{M}\p{N}'’_]+/gu, (word) => {
    const [first = '', ...rest] = [...word];
    return first.toUpperCase() + rest.join('').toLowerCase();
  });
}

/** base64UrlDecode is base64.URLEncoding.DecodeString (padded URL alphabet) with Go's error text. */
function base64UrlDecode(text: string): string {
  const bad = /[^A-Za-z0-9\-_=]/.exec(text);
  if (bad) throw new GoError(`illegal base64 data at input byte ${bad.index}`);
  const pad = text.indexOf('=');
  if (text.length % 4 !== 0 || (pad >= 0 && (pad < text.length - 2 || /[^=]/.test(text.slice(pad))))) {
    throw new GoError(`illegal base64 data at input byte ${pad >= 0 ? pad : text.length - (text.length % 4)}`);
  }
  return Buffer.from(text, 'base64url').toString('utf8');
}

/** goTrimSpace is strings.TrimSpace (Unicode white space). */
function goTrimSpace(text: string): string {
  return text.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '');
}

/** urlUnescape is url.QueryUnescape: `+` is a space; a bad escape is an error with Go's text. */
function urlUnescape(text: string): string {
  const bad = /%(?![0-9A-Fa-f]{2})(.{0,2})/s.exec(text);
  if (bad) throw new GoError(`invalid URL escape ${JSON.stringify(`%${bad[1]}`)}`);
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '%') {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '+') bytes.push(0x20);
    else bytes.push(...enc.encode(c));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function durationSince(nowMs: number | undefined, ns: bigint): GoValue {
  const now = BigInt(Math.trunc(nowMs ?? Date.now())) * 1_000_000n;
  return { k: 'int', t: T.duration, v: now - ns };
}

/** ALERTMANAGER_FUNCS are the functions notification templates may call, builtins included. */
export const ALERTMANAGER_FUNCS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ...BUILTINS,
  ['toUpper', shared('toUpper')],
  ['toLower', shared('toLower')],
  ['title', stringFn(titleCase)],
  ['trimSpace', stringFn(goTrimSpace)],
  ['join', { params: [T.string, STRING_SLICE], call: ([sep, items]) => str(stringsOf(items as GoValue).join(s(sep))) }],
  ['match', shared('match')],
  ['safeHtml', stringFn((v) => v, T.html)],
  ['safeUrl', stringFn((v) => v, URL_TYPE)],
  ['urlUnescape', stringFn(urlUnescape)],
  ['reReplaceAll', shared('reReplaceAll')],
  ['stringSlice', { params: [], variadic: T.string, call: (items) => stringsValue(items.map(s), STRING_SLICE) }],
  ['date', { params: [T.string, T.time], call: ([layout, t]) => str(formatIn(t as GoValue, s(layout))) }],
  ['tz', { params: [T.string, T.time], call: ([name, t]) => inTimeZone(s(name), t as GoValue) }],
  ['now', { params: [], call: (_args, ctx) => ({ k: 'time', t: T.time, ns: BigInt(Math.trunc(ctx.nowMs ?? Date.now())) * 1_000_000n }) }],
  ['since', { params: [T.time], call: ([t], ctx) => durationSince(ctx.nowMs, timeNs(t)) }],
  ['humanizeDuration', shared('humanizeDuration')],
  ['base64decode', stringFn(base64UrlDecode)],
  ['base64encode', stringFn((v) => Buffer.from(v, 'utf8').toString('base64url').padEnd(Math.ceil(Buffer.byteLength(v) / 3) * 4, '='))],
]);
