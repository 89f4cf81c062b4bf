/**
 * Number literals of Go's templates (parse.Tree.newNumber): a literal is classified as int, uint,
 * float and/or complex at once, the way Go's untyped constants are, so that `1.0` can be passed
 * where an int is wanted and `'a'` prints as 97.
 */
import { floatToInt64 } from './gotime.ts';
import type { ItemType } from './lex.ts';
import type { NumberNode } from './nodes.ts';
import { parseFloat as goParseFloat, quote, unquoteChar } from './strconv.ts';

/** parseGoInt is strconv.ParseInt/ParseUint(text, 0, 64): base prefixes, underscores, octal `0` prefix. */
function parseGoInt(text: string, signed: boolean): bigint | undefined {
  let s = text;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    if (!signed) return undefined;
    neg = s[0] === '-';
    s = s.slice(1);
  }
  let base = 10;
  let digits = s;
  if (/^0[xX]/.test(s)) {
    base = 16;
    digits = s.slice(2);
  } else if (/^0[bB]/.test(s)) {
    base = 2;
    digits = s.slice(2);
  } else if (/^0[oO]/.test(s)) {
    base = 8;
    digits = s.slice(2);
  } else if (s.length > 1 && s[0] === '0') {
    base = 8;
    digits = s.slice(1);
  }
  if (digits.includes('_')) {
    // Underscores must separate digits (or follow the base prefix).
    const prefixed = base !== 10;
    if (!/^_?[0-9a-fA-F]+(_[0-9a-fA-F]+)*$/.test(digits) || (digits.startsWith('_') && !prefixed)) return undefined;
    digits = digits.replaceAll('_', '');
  }
  if (digits === '') return undefined;
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base as 2 | 8 | 10 | 16];
  if (!valid.test(digits)) return undefined;
  let v = 0n;
  const b = BigInt(base);
  for (const c of digits) v = v * b + BigInt(parseInt(c, 16));
  if (neg) v = -v;
  if (signed ? v < -(1n << 63n) || v >= 1n << 63n : v >= 1n << 64n) return undefined;
  return v;
}

function uintOfFloat(f: number): bigint | undefined {
  if (!Number.isFinite(f) || f < 0 || f >= 18446744073709551616 || f !== Math.trunc(f)) return undefined;
  return BigInt(f);
}

function simplifyComplex(n: NumberNode): void {
  n.isFloat = n.complex.im === 0;
  if (n.isFloat) {
    n.float64 = n.complex.re;
    n.isInt = Number(floatToInt64(n.float64)) === n.float64;
    if (n.isInt) n.int64 = floatToInt64(n.float64);
    const u = uintOfFloat(n.float64);
    n.isUint = u !== undefined;
    if (u !== undefined) n.uint64 = u;
  }
}

/** newNumber is parse.Tree.newNumber: classifies a literal as int, uint, float and/or complex. Returns Go's error text on failure. */
export function newNumber(pos: number, text: string, typ: ItemType): NumberNode | string {
  const n: NumberNode = {
    type: 'number',
    pos,
    text,
    isInt: false,
    isUint: false,
    isFloat: false,
    isComplex: false,
    int64: 0n,
    uint64: 0n,
    float64: 0,
    complex: { re: 0, im: 0 },
  };
  if (typ === 'charConstant') {
    let r: { cp: number; tail: string };
    try {
      r = unquoteChar(text.slice(1), "'");
    } catch {
      return 'invalid syntax';
    }
    if (r.tail !== "'") return `malformed character constant: ${text}`;
    n.int64 = BigInt(r.cp);
    n.isInt = true;
    n.uint64 = BigInt(r.cp);
    n.isUint = true;
    n.float64 = r.cp;
    n.isFloat = true;
    return n;
  }
  if (typ === 'complex') {
    const m = /^([+-]?[^+-]*(?:[eEpP][+-][^+-]*)?)([+-].*)i$/.exec(text);
    const re = m ? goParseFloat(m[1] as string) : undefined;
    const im = m ? goParseFloat(m[2] as string) : undefined;
    if (!re || !im || re.err || im.err) return 'expected integer';
    n.isComplex = true;
    n.complex = { re: re.value, im: im.value };
    simplifyComplex(n);
    return n;
  }
  if (text.endsWith('i')) {
    const f = goParseFloat(text.slice(0, -1));
    if (f.err === undefined) {
      n.isComplex = true;
      n.complex = { re: 0, im: f.value };
      simplifyComplex(n);
      return n;
    }
  }
  const u = parseGoInt(text, false);
  if (u !== undefined) {
    n.isUint = true;
    n.uint64 = u;
  }
  const i = parseGoInt(text, true);
  if (i !== undefined) {
    n.isInt = true;
    n.int64 = i;
    if (i === 0n) {
      n.isUint = true;
      n.uint64 = 0n;
    }
  }
  if (n.isInt) {
    n.isFloat = true;
    n.float64 = Number(n.int64);
  } else if (n.isUint) {
    n.isFloat = true;
    n.float64 = Number(n.uint64);
  } else {
    const f = goParseFloat(text);
    if (f.err === undefined) {
      if (!/[.eEpP]/.test(text)) return `integer overflow: ${quote(text)}`;
      n.isFloat = true;
      n.float64 = f.value;
      if (!n.isInt && Number(floatToInt64(f.value)) === f.value && Number.isFinite(f.value)) {
        n.isInt = true;
        n.int64 = floatToInt64(f.value);
      }
      const uf = uintOfFloat(f.value);
      if (!n.isUint && uf !== undefined) {
        n.isUint = true;
        n.uint64 = uf;
      }
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat) return `illegal number syntax: ${quote(text)}`;
  return n;
}
