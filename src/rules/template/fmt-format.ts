/**
 * Go's fmt.fmt: flags, width and precision, and the primitives that format one integer, float,
 * string or rune under them (padding, zero padding, signs, `#` forms). fmt-print.ts builds the
 * verb dispatch on top.
 */
import { canBackquote, formatFloat, quote, quoteRune, isPrint, type FloatFormat } from './strconv.ts';
import { utf8Bytes } from './values.ts';

/** LDIGITS and UDIGITS are fmt's digit sets; index 16 is the `x` of a 0x prefix. */
export const LDIGITS = '0123456789abcdefx';
export const UDIGITS = '0123456789ABCDEFX';

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Formatter is Go's fmt.fmt: an output buffer, the current verb's flags, and the formatting primitives. */
export class Formatter {
  buf = '';
  // fmt.fmtFlags
  plus = false;
  minus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  widPresent = false;
  precPresent = false;
  wid = 0;
  prec = 0;

  clearFlags(): void {
    this.plus = this.minus = this.sharp = this.space = this.zero = false;
    this.plusV = this.sharpV = this.widPresent = this.precPresent = false;
    this.wid = this.prec = 0;
  }

  protected writePadding(n: number): void {
    if (n <= 0) return;
    this.buf += (this.zero ? '0' : ' ').repeat(n);
  }

  protected pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  protected padString(s: string): void {
    this.pad(s);
  }

  protected truncate(s: string): string {
    if (this.precPresent) {
      let n = this.prec;
      let i = 0;
      for (const ch of s) {
        n--;
        if (n < 0) return s.slice(0, i);
        i += ch.length;
      }
    }
    return s;
  }

  // --- fmt.fmt formatting primitives ---

  protected fmtBoolean(v: boolean): void {
    this.padString(v ? 'true' : 'false');
  }

  protected fmtUnicode(u: bigint): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    let tail = '';
    if (this.sharp && u <= 0x10ffffn && isPrint(Number(u))) tail = ` '${String.fromCodePoint(Number(u))}'`;
    let hex = u.toString(16).toUpperCase();
    if (hex.length < prec) hex = '0'.repeat(prec - hex.length) + hex;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(`U+${hex}${tail}`);
    this.zero = oldZero;
  }

  protected fmtInteger(u: bigint, base: number, isSigned: boolean, verb: string, digits: string): void {
    const negative = isSigned && u < 0n;
    if (negative) u = -u;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let s = u.toString(base);
    if (digits === UDIGITS) s = s.toUpperCase();
    if (s.length < prec) s = '0'.repeat(prec - s.length) + s;
    if (this.sharp) {
      if (base === 2) s = `0b${s}`;
      else if (base === 8) {
        if (s[0] !== '0') s = `0${s}`;
      } else if (base === 16) s = `0${digits[16]}${s}`;
    }
    if (verb === 'O') s = `0o${s}`;
    if (negative) s = `-${s}`;
    else if (this.plus) s = `+${s}`;
    else if (this.space) s = ` ${s}`;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  protected fmtFloatNum(v: number, verb: string, prec: number): void {
    if (this.precPresent) prec = this.prec;
    let num = strconvFloat(v, verb, prec);
    if (num[0] === '-' || num[0] === '+') {
      // keep
    } else num = `+${num}`;
    if (this.space && num[0] === '+' && !this.plus) num = ` ${num.slice(1)}`;
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== 'b') {
      let digits = 0;
      if (verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x') {
        digits = prec;
        if (digits === -1) digits = 6;
      }
      let tail = '';
      let body = num;
      let hasDecimalPoint = false;
      let sawNonzeroDigit = false;
      for (let i = 1; i < body.length; i++) {
        const c = body[i] as string;
        if (c === '.') {
          hasDecimalPoint = true;
          continue;
        }
        if (c === 'p' || c === 'P' || ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X')) {
          tail = body.slice(i);
          body = body.slice(0, i);
          break;
        }
        if (c !== '0') sawNonzeroDigit = true;
        if (sawNonzeroDigit) digits--;
      }
      if (!hasDecimalPoint) {
        if (body.length === 2 && body[1] === '0') digits--;
        body += '.';
      }
      while (digits > 0) {
        body += '0';
        digits--;
      }
      num = body + tail;
    }
    if (this.plus || num[0] !== '+') {
      if (this.zero && this.widPresent && this.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  protected fmtS(s: string): void {
    this.padString(this.truncate(s));
  }

  protected fmtSx(s: string, digits: string): void {
    let bytes = utf8Bytes(s);
    let length = bytes.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    bytes = bytes.subarray(0, length);
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) width += 2;
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    let out = '';
    if (this.sharp) out += `0${digits[16]}`;
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += ' ';
        if (this.sharp) out += `0${digits[16]}`;
      }
      const c = bytes[i] as number;
      out += (digits[c >> 4] as string) + (digits[c & 0xf] as string);
    }
    this.buf += out;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  protected fmtQ(s: string): void {
    s = this.truncate(s);
    if (this.sharp && canBackquote(s)) {
      this.padString(`\`${s}\``);
      return;
    }
    this.pad(quote(s, this.plus));
  }

  protected fmtC(c: bigint): void {
    const cp = c < 0n || c > 0x10ffffn || (c >= 0xd800n && c <= 0xdfffn) ? 0xfffd : Number(c);
    this.pad(String.fromCodePoint(cp));
  }

  protected fmtQc(c: bigint): void {
    const cp = c < 0n || c > 0x10ffffn ? 0xfffd : Number(c);
    this.pad(quoteRune(cp, this.plus));
  }
}

/** strconvFloat is strconv.AppendFloat for the float verbs fmt passes it. */
function strconvFloat(v: number, verb: string, prec: number): string {
  if (verb === 'b') return formatFloatB(v);
  if (verb === 'x' || verb === 'X') return formatFloatX(v, prec, verb);
  return formatFloat(v, verb as FloatFormat, prec);
}

const f64 = new DataView(new ArrayBuffer(8));

function floatBits(v: number): { neg: boolean; mant: bigint; exp: number; special: boolean } {
  f64.setFloat64(0, v);
  const bits = f64.getBigUint64(0);
  const neg = bits >> 63n === 1n;
  let exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (exp === 0x7ff) return { neg, mant, exp, special: true };
  if (exp === 0) exp++;
  else mant |= 1n << 52n;
  exp += -1023;
  return { neg, mant, exp, special: false };
}

/** formatFloatB is strconv's 'b' format: decimal mantissa, binary exponent. */
function formatFloatB(v: number): string {
  if (!Number.isFinite(v)) return formatFloat(v, 'g', -1);
  const b = floatBits(v);
  const e = b.exp - 52;
  return `${b.neg ? '-' : ''}${b.mant}p${e >= 0 ? '+' : ''}${e}`;
}

/** formatFloatX is strconv's 'x' format: hexadecimal mantissa, binary exponent. */
function formatFloatX(v: number, prec: number, fmt: 'x' | 'X'): string {
  if (!Number.isFinite(v)) return formatFloat(v, 'g', -1);
  const b = floatBits(v);
  let mant = b.mant;
  let exp = b.exp;
  if (mant === 0n) exp = 0;
  const ONE = 1n << 60n;
  mant <<= 8n;
  while (mant !== 0n && (mant & ONE) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & (ONE - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const digits = fmt === 'x' ? LDIGITS : UDIGITS;
  let out = `${b.neg ? '-' : ''}0${fmt}${(mant >> 60n) & 1n}`;
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  if (prec < 0 && mant !== 0n) {
    out += '.';
    while (mant !== 0n) {
      out += digits[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  } else if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      out += digits[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  }
  out += fmt === 'x' ? 'p' : 'P';
  const sign = exp < 0 ? '-' : '+';
  const e = Math.abs(exp);
  return `${out}${sign}${e < 10 ? '0' : ''}${e}`;
}

