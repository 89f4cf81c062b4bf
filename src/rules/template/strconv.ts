/**
 * Go's strconv, as templates need it: float formatting (FormatFloat's `e`, `f`, `g` with Go's
 * round-half-even on the exact binary value and Go's two-digit exponents), ParseFloat with Go's
 * syntax, and Quote/Unquote with Go's escapes.
 */

/** Digits is a decimal: digit string `d` (no trailing zeros) and decimal point position `dp`. */
interface Digits {
  d: string;
  dp: number;
}

const f64 = new DataView(new ArrayBuffer(8));

/** exactDigits is the exact decimal expansion of a positive finite double. */
function exactDigits(x: number): Digits {
  f64.setFloat64(0, x);
  const bits = f64.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (biased === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = biased - 1075;
  }
  let d: string;
  let dp: number;
  if (e2 >= 0) {
    d = (mant << BigInt(e2)).toString();
    dp = d.length;
  } else {
    // mant * 2^e2 = mant * 5^-e2 * 10^e2
    d = (mant * 5n ** BigInt(-e2)).toString();
    dp = d.length + e2;
  }
  return trimZeros({ d, dp });
}

function trimZeros(g: Digits): Digits {
  let end = g.d.length;
  while (end > 0 && g.d.charCodeAt(end - 1) === 48) end--;
  return end === g.d.length ? g : { d: g.d.slice(0, end), dp: end === 0 ? 0 : g.dp };
}

/** shortestDigits is the shortest decimal that reads back as x (x positive finite), as Go's 'g', -1. */
function shortestDigits(x: number): Digits {
  // Number#toString is specified to give the shortest round-tripping digits, closest on ties.
  const s = String(x);
  let mant = s;
  let exp = 0;
  const e = s.indexOf('e');
  if (e >= 0) {
    mant = s.slice(0, e);
    exp = Number(s.slice(e + 1));
  }
  const dot = mant.indexOf('.');
  const intPart = dot >= 0 ? mant.slice(0, dot) : mant;
  const frac = dot >= 0 ? mant.slice(dot + 1) : '';
  let d = intPart + frac;
  let dp = intPart.length + exp;
  let lead = 0;
  while (lead < d.length && d.charCodeAt(lead) === 48) lead++;
  d = d.slice(lead);
  dp -= lead;
  return trimZeros({ d, dp });
}

/** round is Go's decimal.Round: keep nd digits, rounding half to even on the exact value. */
function round(g: Digits, nd: number): Digits {
  if (nd < 0 || nd >= g.d.length) return g;
  const c = g.d.charCodeAt(nd);
  let up: boolean;
  if (c === 53 && nd + 1 === g.d.length) up = nd > 0 && (g.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  else up = c >= 53;
  if (!up) return trimZeros({ d: g.d.slice(0, nd), dp: g.dp });
  for (let i = nd - 1; i >= 0; i--) {
    const ci = g.d.charCodeAt(i);
    if (ci < 57) return { d: g.d.slice(0, i) + String.fromCharCode(ci + 1), dp: g.dp };
  }
  return { d: '1', dp: g.dp + 1 };
}

function fmtE(neg: boolean, g: Digits, prec: number, ch: 'e' | 'E'): string {
  let out = neg ? '-' : '';
  out += g.d.length ? g.d[0] : '0';
  if (prec > 0) {
    out += '.';
    const m = Math.min(g.d.length, prec + 1);
    if (m > 1) out += g.d.slice(1, m);
    for (let i = Math.max(m, 1); i <= prec; i++) out += '0';
  }
  let exp = g.d.length === 0 ? 0 : g.dp - 1;
  let sign = '+';
  if (exp < 0) {
    sign = '-';
    exp = -exp;
  }
  return `${out}${ch}${sign}${exp < 10 ? '0' : ''}${exp}`;
}

function fmtF(neg: boolean, g: Digits, prec: number): string {
  let out = neg ? '-' : '';
  if (g.dp > 0) {
    const m = Math.min(g.d.length, g.dp);
    out += g.d.slice(0, m) + '0'.repeat(g.dp - m);
  } else out += '0';
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      const j = g.dp + i;
      out += j >= 0 && j < g.d.length ? g.d[j] : '0';
    }
  }
  return out;
}

/** FloatFormat is a strconv.FormatFloat format byte this port supports. */
export type FloatFormat = 'e' | 'E' | 'f' | 'g' | 'G';

/**
 * formatFloat is strconv.FormatFloat(v, fmt, prec, 64). prec -1 means the fewest digits that
 * read back exactly.
 */
export function formatFloat(v: number, fmt: FloatFormat, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const x = Math.abs(v);
  const shortest = prec < 0;
  let g: Digits;
  if (shortest) {
    g = x === 0 ? { d: '', dp: 0 } : shortestDigits(x);
    if (fmt === 'e' || fmt === 'E') prec = Math.max(g.d.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(g.d.length - g.dp, 0);
    else prec = g.d.length;
  } else {
    g = x === 0 ? { d: '', dp: 0 } : exactDigits(x);
    if (fmt === 'e' || fmt === 'E') g = round(g, prec + 1);
    else if (fmt === 'f') g = round(g, g.dp + prec);
    else {
      if (prec === 0) prec = 1;
      g = round(g, prec);
    }
  }
  if (fmt === 'e' || fmt === 'E') return fmtE(neg, g, prec, fmt);
  if (fmt === 'f') return fmtF(neg, g, prec);
  let eprec = prec;
  if (eprec > g.d.length && g.d.length >= g.dp) eprec = g.d.length;
  if (shortest) eprec = 6;
  const exp = g.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > g.d.length) prec = g.d.length;
    return fmtE(neg, g, prec - 1, fmt === 'g' ? 'e' : 'E');
  }
  if (prec > g.dp) prec = g.d.length;
  return fmtF(neg, g, Math.max(prec - g.dp, 0));
}

/** ParseFloatResult is strconv.ParseFloat's answer: a value, or a syntax or range error. */
export type ParseFloatResult = { value: number; err?: undefined } | { value: number; err: 'syntax' | 'range' };

function lower(c: string): string {
  return c.toLowerCase();
}

function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(lower(s[1] as string))) {
    i = 2;
    saw = '0';
    hex = lower(s[1] as string) === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

function special(s: string): number | undefined {
  const m = /^([+-]?)(inf|infinity)$/i.exec(s);
  if (m) return m[1] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  return undefined;
}

/** parseFloat is strconv.ParseFloat(s, 64). */
export function parseFloat(s: string): ParseFloatResult {
  const sp = special(s);
  if (sp !== undefined) return { value: sp };
  let i = 0;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  let hex = false;
  if (i + 2 < s.length && s[i] === '0' && lower(s[i + 1] as string) === 'x') {
    hex = true;
    i += 2;
  }
  const isDigit = (c: string): boolean => (c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f');
  let sawDot = false;
  let sawDigits = false;
  let underscores = false;
  let mant = '';
  let fracDigits = 0;
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '_') {
      underscores = true;
      continue;
    }
    if (c === '.') {
      if (sawDot) break;
      sawDot = true;
      continue;
    }
    if (!isDigit(c)) break;
    sawDigits = true;
    mant += c;
    if (sawDot) fracDigits++;
  }
  if (!sawDigits) return { value: 0, err: 'syntax' };
  let exp = 0;
  const expChar = hex ? 'p' : 'e';
  if (i < s.length && lower(s[i] as string) === expChar) {
    i++;
    if (i >= s.length) return { value: 0, err: 'syntax' };
    let esign = 1;
    if (s[i] === '+' || s[i] === '-') {
      if (s[i] === '-') esign = -1;
      i++;
    }
    if (i >= s.length || s[i]! < '0' || s[i]! > '9') return { value: 0, err: 'syntax' };
    let e = 0;
    for (; i < s.length && ((s[i]! >= '0' && s[i]! <= '9') || s[i] === '_'); i++) {
      if (s[i] === '_') {
        underscores = true;
        continue;
      }
      if (e < 10000) e = e * 10 + (s.charCodeAt(i) - 48);
    }
    exp = e * esign;
  } else if (hex) return { value: 0, err: 'syntax' };
  if (i !== s.length) return { value: 0, err: 'syntax' };
  if (underscores && !underscoreOK(s)) return { value: 0, err: 'syntax' };
  let value: number;
  if (hex) {
    // mant is hex digits; value = mant * 16^-fracDigits * 2^exp.
    const m = BigInt(`0x${mant}`);
    const e2 = exp - 4 * fracDigits;
    value = m === 0n ? 0 : scaleBigInt(m, e2);
  } else {
    value = Number(`${mant.slice(0, mant.length - fracDigits) || '0'}.${mant.slice(mant.length - fracDigits)}e${exp}`);
  }
  if (neg) value = -value;
  if (!Number.isFinite(value)) return { value, err: 'range' };
  return { value };
}

/** scaleBigInt is m * 2^e2 rounded to the nearest double. */
function scaleBigInt(m: bigint, e2: number): number {
  // Normalise to 64 significant bits with a sticky bit so one final rounding is exact.
  const bitLen = m.toString(2).length;
  if (bitLen > 64) {
    const shift = bitLen - 64;
    const sticky = (m & ((1n << BigInt(shift)) - 1n)) !== 0n ? 1n : 0n;
    m = (m >> BigInt(shift)) | sticky;
    e2 += shift;
  }
  let v = Number(m);
  // Apply the exponent in steps that stay within range.
  while (e2 > 0) {
    const step = Math.min(e2, 1000);
    v *= 2 ** step;
    e2 -= step;
  }
  while (e2 < 0) {
    const step = Math.max(e2, -1000);
    v *= 2 ** step;
    e2 -= step;
  }
  return v;
}

/** isPrint is unicode.IsPrint (strconv.IsPrint): letters, marks, numbers, punctuation, symbols and ASCII space. */
export function isPrint(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(String.fromCodePoint(cp));
}

const LOWER_HEX = '0123456789abcdef';

function hex(n: number, width: number): string {
  let s = '';
  for (let shift = (width - 1) * 4; shift >= 0; shift -= 4) s += LOWER_HEX[(n >> shift) & 0xf];
  return s;
}

function escapeRune(cp: number, quote: string, asciiOnly: boolean): string {
  const ch = String.fromCodePoint(cp);
  if (ch === quote || ch === '\\') return `\\${ch}`;
  if (asciiOnly) {
    if (cp < 0x80 && isPrint(cp)) return ch;
  } else if (isPrint(cp)) return ch;
  switch (cp) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x10000) return `\\u${hex(cp, 4)}`;
  return `\\U${hex(cp, 8)}`;
}

/** quote is strconv.Quote (asciiOnly: strconv.QuoteToASCII). */
export function quote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0) as number, '"', asciiOnly);
  return `${out}"`;
}

/** quoteRune is strconv.QuoteRune (asciiOnly: QuoteRuneToASCII). */
export function quoteRune(cp: number, asciiOnly = false): string {
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0) cp = 0xfffd;
  return `'${escapeRune(cp, "'", asciiOnly)}'`;
}

/** canBackquote is strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (cp === 0xfeff) return false;
    if (cp < 0x80) {
      if ((cp < 0x20 && cp !== 9) || cp === 0x60 || cp === 0x7f) return false;
    } else if (cp === 0xfffd) return false;
  }
  return true;
}

/** UnquoteError is strconv.ErrSyntax. */
export class UnquoteError extends Error {
  constructor() {
    super('invalid syntax');
  }
}

const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

/**
 * unquoteChar is strconv.UnquoteChar: decodes the first character or escape of s (inside a
 * literal quoted with `quote`). Returns code point, whether it is a raw byte (\x, octal above
 * 0x7f, which Go keeps as a single byte), and the rest.
 */
export function unquoteChar(s: string, quoteCh: string): { cp: number; byte: boolean; tail: string } {
  const c = s[0];
  if (c === undefined) throw new UnquoteError();
  if (c === quoteCh && (quoteCh === "'" || quoteCh === '"')) throw new UnquoteError();
  if (c !== '\\') {
    const cp = s.codePointAt(0) as number;
    return { cp, byte: false, tail: s.slice(cp > 0xffff ? 2 : 1) };
  }
  if (s.length <= 1) throw new UnquoteError();
  const e = s[1] as string;
  let rest = s.slice(2);
  const simple = SIMPLE[e];
  if (simple !== undefined) return { cp: simple, byte: false, tail: rest };
  switch (e) {
    case 'x':
    case 'u':
    case 'U': {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const digits = rest.slice(0, n);
      if (digits.length < n || !/^[0-9a-fA-F]+$/.test(digits)) throw new UnquoteError();
      rest = rest.slice(n);
      const v = parseInt(digits, 16);
      if (e === 'x') return { cp: v, byte: true, tail: rest };
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new UnquoteError();
      return { cp: v, byte: false, tail: rest };
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      const digits = e + rest.slice(0, 2);
      if (!/^[0-7]{3}$/.test(digits)) throw new UnquoteError();
      const v = parseInt(digits, 8);
      if (v > 255) throw new UnquoteError();
      return { cp: v, byte: true, tail: rest.slice(2) };
    }
    case "'":
    case '"':
      if (e !== quoteCh) throw new UnquoteError();
      return { cp: e.charCodeAt(0), byte: false, tail: rest };
    default:
      throw new UnquoteError();
  }
}

/** bytesToString decodes a mix of code points and raw bytes (from \x and octal escapes) as Go's bytes would read. */
function assemble(parts: Array<{ cp: number; byte: boolean }>): string {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (const p of parts) {
    if (p.byte) bytes.push(p.cp);
    else for (const b of enc.encode(String.fromCodePoint(p.cp))) bytes.push(b);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** unquote is strconv.Unquote for "…", `…` and '…' literals. Throws UnquoteError. */
export function unquote(s: string): string {
  if (s.length < 2) throw new UnquoteError();
  const q = s[0] as string;
  if (q !== s[s.length - 1]) throw new UnquoteError();
  const body = s.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new UnquoteError();
    return body.replaceAll('\r', '');
  }
  if (q !== '"' && q !== "'") throw new UnquoteError();
  if (body.includes('\n')) throw new UnquoteError();
  if (!body.includes('\\') && !body.includes(q)) {
    if (q === '"') return body;
    if (q === "'" && [...body].length === 1) return body;
  }
  const parts: Array<{ cp: number; byte: boolean }> = [];
  let rest = body;
  while (rest.length > 0) {
    const r = unquoteChar(rest, q);
    parts.push({ cp: r.cp, byte: r.byte });
    rest = r.tail;
    if (q === "'" && rest.length > 0) throw new UnquoteError();
  }
  if (q === "'" && parts.length !== 1) throw new UnquoteError();
  return assemble(parts);
}
