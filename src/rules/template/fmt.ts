/**
 * Go's fmt package over GoValues: Sprint, Sprintln and Sprintf with Go's verbs, flags, widths,
 * precisions, argument indexes and error strings (`%!d(string=x)`, `%!d(MISSING)`,
 * `%!(EXTRA int=2)`).
 *
 * Not reproducible: pointer addresses (a pointer nested in a value prints as a fixed
 * `0xc000010000`), and `%#v` Go-syntax for composite values.
 */
import { Printer, isNilArg } from './fmt-print.ts';
import type { GoValue } from './values.ts';

function tooLarge(x: number): boolean {
  return x > 1e6 || x < -1e6;
}

function parsenum(s: string, start: number, end: number): { num: number; isnum: boolean; newi: number } {
  if (start >= end) return { num: 0, isnum: false, newi: end };
  let num = 0;
  let isnum = false;
  let i = start;
  for (; i < end && s[i]! >= '0' && s[i]! <= '9'; i++) {
    if (tooLarge(num)) return { num: 0, isnum: false, newi: end };
    num = num * 10 + (s.charCodeAt(i) - 48);
    isnum = true;
  }
  return { num, isnum, newi: i };
}

function parseArgNumber(format: string): { index: number; wid: number; ok: boolean } {
  if (format.length < 3) return { index: 0, wid: 1, ok: false };
  for (let i = 1; i < format.length; i++) {
    if (format[i] === ']') {
      const { num, isnum, newi } = parsenum(format, 1, i);
      if (!isnum || newi !== i) return { index: 0, wid: i + 1, ok: false };
      return { index: num - 1, wid: i + 1, ok: true };
    }
  }
  return { index: 0, wid: 1, ok: false };
}

function intFromArg(a: readonly GoValue[], argNum: number): { num: number; isInt: boolean; newArgNum: number } {
  let num = 0;
  let isInt = false;
  let newArgNum = argNum;
  if (argNum < a.length) {
    const v = a[argNum] as GoValue;
    if ((v.k === 'int' || v.k === 'uint') && v.v >= -(1n << 63n) && v.v < 1n << 63n) {
      num = Number(v.v);
      isInt = true;
    }
    newArgNum = argNum + 1;
    if (tooLarge(num)) {
      num = 0;
      isInt = false;
    }
  }
  return { num, isInt, newArgNum };
}

/** sprintf is fmt.Sprintf. Arguments are interface{} values: a nil interface prints as `<nil>`. */
export function sprintf(format: string, a: readonly GoValue[]): string {
  const p = new Printer();
  const end = format.length;
  let argNum = 0;
  let afterIndex = false;
  const argNumber = (i: number): { argNum: number; i: number; found: boolean } => {
    if (format.length <= i || format[i] !== '[') return { argNum, i, found: false };
    p.reordered = true;
    const { index, wid, ok } = parseArgNumber(format.slice(i));
    if (ok && index >= 0 && index < a.length) return { argNum: index, i: i + wid, found: true };
    p.goodArgNum = false;
    return { argNum, i: i + wid, found: ok };
  };
  let i = 0;
  formatLoop: while (i < end) {
    p.goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) p.buf += format.slice(lasti, i);
    if (i >= end) break;
    i++;
    p.clearFlags();
    simple: for (; i < end; i++) {
      const c = format[i] as string;
      switch (c) {
        case '#':
          p.sharp = true;
          break;
        case '0':
          p.zero = !p.minus;
          break;
        case '+':
          p.plus = true;
          break;
        case '-':
          p.minus = true;
          p.zero = false;
          break;
        case ' ':
          p.space = true;
          break;
        default:
          if (c >= 'a' && c <= 'z' && argNum < a.length) {
            if (c === 'v') {
              p.sharpV = p.sharp;
              p.sharp = false;
              p.plusV = p.plus;
              p.plus = false;
            }
            p.printArg(a[argNum] as GoValue, c);
            argNum++;
            i++;
            continue formatLoop;
          }
          break simple;
      }
    }
    let r = argNumber(i);
    argNum = r.argNum;
    i = r.i;
    afterIndex = r.found;
    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg(a, argNum);
      p.wid = w.num;
      p.widPresent = w.isInt;
      argNum = w.newArgNum;
      if (!p.widPresent) p.buf += '%!(BADWIDTH)';
      if (p.wid < 0) {
        p.wid = -p.wid;
        p.minus = true;
        p.zero = false;
      }
      afterIndex = false;
    } else {
      const n = parsenum(format, i, end);
      p.wid = n.num;
      p.widPresent = n.isnum;
      i = n.newi;
      if (afterIndex && p.widPresent) p.goodArgNum = false;
    }
    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) p.goodArgNum = false;
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
      if (i < end && format[i] === '*') {
        i++;
        const w = intFromArg(a, argNum);
        p.prec = w.num;
        p.precPresent = w.isInt;
        argNum = w.newArgNum;
        if (p.prec < 0) {
          p.prec = 0;
          p.precPresent = false;
        }
        if (!p.precPresent) p.buf += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const n = parsenum(format, i, end);
        p.prec = n.num;
        p.precPresent = n.isnum;
        i = n.newi;
        if (!p.precPresent) {
          p.prec = 0;
          p.precPresent = true;
        }
      }
    }
    if (!afterIndex) {
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
    }
    if (i >= end) {
      p.buf += '%!(NOVERB)';
      break;
    }
    const cp = format.codePointAt(i) as number;
    const verb = String.fromCodePoint(cp);
    i += verb.length;
    if (verb === '%') p.buf += '%';
    else if (!p.goodArgNum) p.buf += `%!${verb}(BADINDEX)`;
    else if (argNum >= a.length) p.buf += `%!${verb}(MISSING)`;
    else {
      if (verb === 'v') {
        p.sharpV = p.sharp;
        p.sharp = false;
        p.plusV = p.plus;
        p.plus = false;
      }
      p.printArg(a[argNum] as GoValue, verb);
      argNum++;
    }
  }
  if (!p.reordered && argNum < a.length) {
    p.clearFlags();
    p.buf += '%!(EXTRA ';
    a.slice(argNum).forEach((arg, k) => {
      if (k > 0) p.buf += ', ';
      if (isNilArg(arg)) p.buf += '<nil>';
      else {
        p.buf += `${(arg as { t: { name: string } }).t.name}=`;
        p.printArg(arg, 'v');
      }
    });
    p.buf += ')';
  }
  return p.buf;
}

function isStringKind(v: GoValue): boolean {
  return v.k === 'string';
}

/** sprint is fmt.Sprint: spaces between operands when neither is a string. */
export function sprint(a: readonly GoValue[]): string {
  const p = new Printer();
  let prevString = false;
  a.forEach((arg, n) => {
    const isString = isStringKind(arg);
    if (n > 0 && !isString && !prevString) p.buf += ' ';
    p.printArg(arg, 'v');
    prevString = isString;
  });
  return p.buf;
}

/** sprintln is fmt.Sprintln: spaces between all operands and a newline. */
export function sprintln(a: readonly GoValue[]): string {
  const p = new Printer();
  a.forEach((arg, n) => {
    if (n > 0) p.buf += ' ';
    p.printArg(arg, 'v');
  });
  return `${p.buf}\n`;
}
