/**
 * Go's numeric and text behaviour where JavaScript differs and PromQL results depend on it:
 * math.Pow (special cases and its repeated-squaring algorithm, so integer powers round the same),
 * strconv.FormatFloat(f, 'f', -1, 64), Kahan-Neumaier summation as Prometheus writes it, and
 * regexp.Expand for label_replace templates.
 */

const view = new DataView(new ArrayBuffer(8));

/** frexp splits x into a fraction in [0.5, 1) and a power of two, as Go's math.Frexp. */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let e = 0;
  let v = x;
  if (Math.abs(v) < 2.2250738585072014e-308) {
    v *= 2 ** 52;
    e = -52;
  }
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  e += ((hi >>> 20) & 0x7ff) - 1022;
  view.setUint32(0, (hi & 0x800fffff) | (1022 << 20));
  return [view.getFloat64(0), e];
}

/** ldexp is frac × 2^exp. */
export function ldexp(frac: number, exp: number): number {
  let x = frac;
  let e = exp;
  while (e > 1023) {
    x *= 2 ** 1023;
    e -= 1023;
    if (!Number.isFinite(x)) return x;
  }
  while (e < -1022) {
    // Scale in two steps so that only the last multiplication can round.
    if (e < -1022 - 52) {
      x *= 2 ** -1022;
      e += 1022;
    } else {
      return x * 2 ** (e + 52) * 2 ** -52;
    }
    if (x === 0) return x;
  }
  return x * 2 ** e;
}

function isOddInt(x: number): boolean {
  if (Math.abs(x) >= 2 ** 53) return false;
  return Number.isInteger(x) && Math.abs(x % 2) === 1;
}

/** goPow is Go's math.Pow: its special cases (1^NaN = 1, (-1)^±Inf = 1) and its algorithm. */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (y === 1) return x;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === 0) {
    if (y < 0) {
      if (Object.is(x, -0) && isOddInt(y)) return -Infinity;
      return Infinity;
    }
    if (y > 0) return isOddInt(y) ? x : 0;
  }
  if (!Number.isFinite(y)) {
    if (x === -1) return 1;
    if ((Math.abs(x) < 1) === (y > 0)) return 0;
    return Infinity;
  }
  if (!Number.isFinite(x)) {
    if (x < 0) return goPow(1 / x, -y); // Pow(-0, -y)
    return y < 0 ? 0 : Infinity;
  }
  if (y === 0.5) return Math.sqrt(x);
  if (y === -0.5) return 1 / Math.sqrt(x);
  const ay = Math.abs(y);
  let yi = Math.trunc(ay);
  let yf = ay - yi;
  if (yf !== 0 && x < 0) return NaN;
  if (yi >= 2 ** 63) {
    if (x === -1) return 1;
    if ((Math.abs(x) < 1) === (y > 0)) return 0;
    return Infinity;
  }
  let a1 = 1;
  let ae = 0;
  if (yf !== 0) {
    if (yf > 0.5) {
      yf--;
      yi++;
    }
    a1 = Math.exp(yf * Math.log(x));
  }
  let [x1, xe] = frexp(x);
  for (let i = BigInt(yi); i !== 0n; i >>= 1n) {
    if (xe < -(1 << 12) || 1 << 12 < xe) {
      ae += xe;
      break;
    }
    if ((i & 1n) === 1n) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe <<= 1;
    if (x1 < 0.5) {
      x1 += x1;
      xe--;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  return ldexp(a1, ae);
}

/** formatFloatF is Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits, no exponent. */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, d0, rest = '', expText] = m as unknown as [string, string, string, string | undefined, string];
  const digits = d0 + rest;
  const exp = Number(expText);
  if (exp >= 0) {
    const intLen = exp + 1;
    return sign + (digits.length <= intLen ? digits + '0'.repeat(intLen - digits.length) : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`);
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/**
 * Kahan is a Kahan-Neumaier sum as Prometheus writes it (kahanSumInc): `sum` and the
 * compensation `c` are read at the end as `sum + c`. Prometheus 3's version (kahansum.Inc) resets
 * the compensation when the sum overflows to an infinity; Prometheus 2's does not.
 */
export class Kahan {
  sum: number;
  c: number;
  private readonly resetOnInf: boolean;
  constructor(resetOnInf: boolean, sum = 0, c = 0) {
    this.resetOnInf = resetOnInf;
    this.sum = sum;
    this.c = c;
  }

  /** add is one step of the summation. */
  add(inc: number): void {
    const sum = this.sum;
    const t = sum + inc;
    if (this.resetOnInf && (t === Infinity || t === -Infinity)) this.c = 0;
    else if (Math.abs(sum) >= Math.abs(inc)) this.c += sum - t + inc;
    else this.c += inc - t + sum;
    this.sum = t;
  }
}

/**
 * expandTemplate is Go's regexp.Expand: `$1`, `${1}`, `$name`, `${name}`; a name is the longest
 * run of letters, digits and underscores (so `$1x` means group "1x", which is empty); `$$` is `$`.
 */
export function expandTemplate(template: string, match: RegExpExecArray, groupNames: readonly string[]): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const d = template.indexOf('$', i);
    if (d < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, d);
    i = d + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    if (template[i] === '{') {
      const end = template.indexOf('}', i);
      const inner = end < 0 ? '' : template.slice(i + 1, end);
      if (end >= 0 && /^[A-Za-z0-9_]+$/.test(inner)) {
        name = inner;
        i = end + 1;
      }
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(template.slice(i));
      if (m) {
        name = m[0];
        i += name.length;
      }
    }
    if (name === undefined) {
      out += '$';
      continue;
    }
    if (/^[0-9]+$/.test(name)) {
      const n = Number(name);
      if (n < match.length) out += match[n] ?? '';
    } else {
      const idx = groupNames.indexOf(name);
      if (idx >= 0) out += match[idx] ?? '';
    }
  }
  return out;
}

/** groupNamesOf lists a pattern's capture group names by group index (index 0 is the whole match). */
export function groupNamesOf(pattern: string): string[] {
  const names = [''];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      // Skip a class (translated patterns escape every literal bracket).
      let depth = 1;
      for (i++; i < pattern.length && depth > 0; i++) {
        if (pattern[i] === '\\') i++;
        else if (pattern[i] === '[') depth++;
        else if (pattern[i] === ']') depth--;
      }
      i--;
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] !== '?') names.push('');
      else {
        const m = /^\(\?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(pattern.slice(i));
        if (m) names.push(m[1] as string);
      }
    }
  }
  return names;
}
