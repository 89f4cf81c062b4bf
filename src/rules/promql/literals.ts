/**
 * PromQL literals as Prometheus reads them: quoted strings (Prometheus' strutil.Unquote), numbers
 * (Go's ParseInt with base prefixes, then ParseFloat) and durations (model.ParseDuration).
 */
import { parseDuration } from '../../config/duration.ts';

/** unquoteString returns the value of a PromQL string literal, or an error message. */
export function unquoteString(text: string): { value: string } | { error: string } {
  const quote = text[0];
  if (text.length < 2 || text[text.length - 1] !== quote) return { error: 'unterminated quoted string' };
  const body = text.slice(1, -1);
  if (quote === '`') return body.includes('`') ? { error: 'invalid syntax' } : { value: body };
  if (body.includes('\n')) return { error: 'newline in string' };
  if (!body.includes('\\') && !body.includes(quote as string)) return { value: body };
  // \x and octal escapes produce raw bytes, so build UTF-8 and decode once at the end.
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < body.length; ) {
    const c = body[i] as string;
    if (c === quote) return { error: 'invalid syntax' };
    if (c !== '\\') {
      const cp = body.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      for (const b of enc.encode(ch)) bytes.push(b);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
    if (e !== undefined && simple[e] !== undefined) {
      bytes.push(simple[e] as number);
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i, i + n);
      if (hex.length < n || !/^[0-9a-fA-F]+$/.test(hex)) return { error: 'invalid syntax' };
      const v = parseInt(hex, 16);
      i += n;
      if (e === 'x') bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return { error: 'invalid syntax' };
        for (const b of enc.encode(String.fromCodePoint(v))) bytes.push(b);
      }
    } else if (e !== undefined && e >= '0' && e <= '7') {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) return { error: 'invalid syntax' };
      const v = parseInt(oct, 8);
      if (v > 255) return { error: 'invalid syntax' };
      bytes.push(v);
      i += 2;
    } else if ((e === "'" || e === '"') && e === quote) {
      bytes.push(e.charCodeAt(0));
    } else {
      return { error: `unknown escape sequence ${e === undefined ? 'at end of string' : JSON.stringify('\\' + e)}` };
    }
  }
  return { value: new TextDecoder().decode(new Uint8Array(bytes)) };
}

const DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_FLOAT = /^[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+$/;

/**
 * goParseFloat parses as Go's strconv.ParseFloat(s, 64): decimal and hex floats, `Inf`,
 * `Infinity` and `NaN` in any case with an optional sign. Returns undefined when Go would fail.
 */
export function goParseFloat(text: string): number | undefined {
  const lower = text.toLowerCase();
  const unsigned = lower.replace(/^[+-]/, '');
  if (unsigned === 'inf' || unsigned === 'infinity') return lower.startsWith('-') ? -Infinity : Infinity;
  if (unsigned === 'nan') return lower === 'nan' ? NaN : undefined;
  // Go reports a finite literal that rounds to ±Inf as out of range (an error, not a value).
  if (DECIMAL_FLOAT.test(text)) return finiteOrUndefined(Number(text));
  if (HEX_FLOAT.test(text)) return finiteOrUndefined(parseHexFloat(text));
  return undefined;
}

function finiteOrUndefined(v: number): number | undefined {
  return Number.isFinite(v) ? v : undefined;
}

function parseHexFloat(text: string): number {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(text) as RegExpExecArray;
  const [, sign, int, frac, exp] = m as unknown as [string, string, string, string, string];
  const mantissa = parseInt(int + frac || '0', 16);
  const value = mantissa * 2 ** (Number(exp) - 4 * frac.length);
  return sign === '-' ? -value : value;
}

/**
 * parseNumber reads a PromQL number literal as Prometheus' parser does: first Go's
 * ParseInt(s, 0, 64) (so `0x1f` is hex and `010` is octal 8), else ParseFloat. Digit separators
 * (`1_000`) are allowed as the grammar allows them.
 */
export function parseNumber(text: string): number | undefined {
  const t = text.replace(/_/g, '');
  const sign = t.startsWith('-') ? -1 : 1;
  const u = t.replace(/^[+-]/, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(u)) return sign * Number(BigInt.asIntN(64, BigInt(u)));
  if (/^0[0-7]+$/.test(u)) return sign * parseInt(u, 8);
  return goParseFloat(t);
}

/**
 * parseDurationLiteral reads a duration in PromQL (a range, an offset): Prometheus' duration
 * syntax, or a plain number of seconds as Prometheus 3 accepts. Returns milliseconds.
 */
export function parseDurationLiteral(text: string): number | undefined {
  const d = parseDuration(text);
  if (d !== undefined) return d;
  if (/^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) {
    const ms = Math.round(Number(text) * 1000);
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  return undefined;
}
