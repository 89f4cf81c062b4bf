/**
 * Go's fmt.pp: printing one operand under one verb. Basic kinds go to the Formatter's primitives,
 * values with a String method (time.Time, time.Duration) print through it, and maps, structs,
 * slices and pointers print as Go prints them (`map[k:v]`, `{a b}`, `[x y]`, `&{...}`), with Go's
 * bad-verb texts (`%!d(string=x)`).
 */
import { Formatter, LDIGITS, UDIGITS } from './fmt-format.ts';
import { hasStringMethod, stringMethod } from './methods.ts';
import { T, sortedKeys, type GoValue } from './values.ts';

const FAKE_ADDRESS = 0xc000010000n;
const LOCATION_PTR = { name: '*time.Location', kind: 'ptr' } as const;

/** isNilArg: a nil interface{} operand. */
export function isNilArg(v: GoValue): boolean {
  return v.k === 'invalid' || v.k === 'iface';
}

/** Printer is Go's fmt.pp: one Sprint/Sprintf run. */
export class Printer extends Formatter {
  private arg: GoValue | undefined;
  private value: GoValue | undefined;
  private erroring = false;
  reordered = false;
  goodArgNum = true;


  private badVerb(verb: string): void {
    this.erroring = true;
    this.buf += `%!${verb}(`;
    if (this.arg !== undefined && !isNilArg(this.arg)) {
      const a = this.arg as Exclude<GoValue, { k: 'invalid' } | { k: 'iface' }>;
      this.buf += `${a.t.name}=`;
      this.printArg(a, 'v');
    } else if (this.value !== undefined && this.value.k !== 'invalid') {
      const v = this.value;
      this.buf += `${v.t.name}=`;
      this.printValue(v, 'v', 0);
    } else this.buf += '<nil>';
    this.buf += ')';
    this.erroring = false;
  }

  private fmtBool(v: boolean, verb: string): void {
    if (verb === 't' || verb === 'v') this.fmtBoolean(v);
    else this.badVerb(verb);
  }

  private fmt0x64(v: bigint, leading0x: boolean): void {
    const sharp = this.sharp;
    this.sharp = leading0x;
    this.fmtInteger(v, 16, false, 'v', LDIGITS);
    this.sharp = sharp;
  }

  private fmtIntegerVerb(v: bigint, isSigned: boolean, verb: string): void {
    const u64 = v;
    switch (verb) {
      case 'v':
        if (this.sharpV && !isSigned) this.fmt0x64(u64, true);
        else this.fmtInteger(u64, 10, isSigned, verb, LDIGITS);
        return;
      case 'd':
        return this.fmtInteger(u64, 10, isSigned, verb, LDIGITS);
      case 'b':
        return this.fmtInteger(u64, 2, isSigned, verb, LDIGITS);
      case 'o':
      case 'O':
        return this.fmtInteger(u64, 8, isSigned, verb, LDIGITS);
      case 'x':
        return this.fmtInteger(u64, 16, isSigned, verb, LDIGITS);
      case 'X':
        return this.fmtInteger(u64, 16, isSigned, verb, UDIGITS);
      case 'c':
        return this.fmtC(BigInt.asUintN(64, v));
      case 'q':
        return this.fmtQc(BigInt.asUintN(64, v));
      case 'U':
        return this.fmtUnicode(BigInt.asUintN(64, v));
      default:
        this.badVerb(verb);
    }
  }

  private fmtFloatVerb(v: number, verb: string): void {
    switch (verb) {
      case 'v':
        return this.fmtFloatNum(v, 'g', -1);
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        return this.fmtFloatNum(v, verb, -1);
      case 'f':
      case 'e':
      case 'E':
        return this.fmtFloatNum(v, verb, 6);
      case 'F':
        return this.fmtFloatNum(v, 'f', 6);
      default:
        this.badVerb(verb);
    }
  }

  private fmtComplex(re: number, im: number, verb: string): void {
    if (!'vbgGxXfFeE'.includes(verb)) {
      this.badVerb(verb);
      return;
    }
    const oldPlus = this.plus;
    this.buf += '(';
    this.fmtFloatVerb(re, verb);
    this.plus = true;
    this.fmtFloatVerb(im, verb);
    this.buf += 'i)';
    this.plus = oldPlus;
  }

  private fmtString(v: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.sharpV) this.fmtQ(v);
        else this.fmtS(v);
        return;
      case 's':
        return this.fmtS(v);
      case 'x':
        return this.fmtSx(v, LDIGITS);
      case 'X':
        return this.fmtSx(v, UDIGITS);
      case 'q':
        return this.fmtQ(v);
      default:
        this.badVerb(verb);
    }
  }

  private fmtPointer(v: GoValue, verb: string): void {
    let u: bigint;
    if (v.k === 'ptr') u = v.v === null ? 0n : FAKE_ADDRESS;
    else if (v.k === 'map') u = v.v === null ? 0n : FAKE_ADDRESS;
    else if (v.k === 'slice') u = v.v === null ? 0n : FAKE_ADDRESS;
    else {
      this.badVerb(verb);
      return;
    }
    switch (verb) {
      case 'v':
        if (u === 0n) this.padString('<nil>');
        else this.fmt0x64(u, !this.sharp);
        return;
      case 'p':
        return this.fmt0x64(u, !this.sharp);
      case 'b':
      case 'o':
      case 'd':
      case 'x':
      case 'X':
        return this.fmtIntegerVerb(u, false, verb);
      default:
        this.badVerb(verb);
    }
  }

  private handleMethods(v: GoValue, verb: string): boolean {
    if (this.erroring || this.sharpV) return false;
    if (!'vsxXq'.includes(verb) || !hasStringMethod(v)) return false;
    if (v.k === 'ptr' && v.v === null) {
      // A nil pointer's String method panics; fmt prints <nil> for it.
      this.padString('<nil>');
      return true;
    }
    this.fmtString(stringMethod(v) as string, verb);
    return true;
  }

  printArg(arg: GoValue, verb: string): void {
    this.arg = arg;
    this.value = undefined;
    if (isNilArg(arg)) {
      if (verb === 'T' || verb === 'v') this.padString('<nil>');
      else this.badVerb(verb);
      return;
    }
    const a = arg as Exclude<GoValue, { k: 'invalid' } | { k: 'iface' }>;
    if (verb === 'T') {
      this.fmtS(a.t.name);
      return;
    }
    if (verb === 'p') {
      this.fmtPointer(a, 'p');
      return;
    }
    if (this.handleMethods(a, verb)) return;
    this.printValue(a, verb, 0);
  }

  printValue(v: GoValue, verb: string, depth: number): void {
    if (depth > 0 && v.k !== 'invalid' && this.handleMethods(v, verb)) return;
    this.arg = undefined;
    this.value = v;
    switch (v.k) {
      case 'invalid':
        if (depth === 0) this.buf += '<invalid reflect.Value>';
        else if (verb === 'v') this.buf += '<nil>';
        else this.badVerb(verb);
        return;
      case 'iface':
        this.buf += '<nil>';
        return;
      case 'bool':
        return this.fmtBool(v.v, verb);
      case 'int':
        return this.fmtIntegerVerb(v.v, true, verb);
      case 'uint':
        return this.fmtIntegerVerb(v.v, false, verb);
      case 'float':
        return this.fmtFloatVerb(v.v, verb);
      case 'complex':
        return this.fmtComplex(v.re, v.im, verb);
      case 'string':
        return this.fmtString(v.v, verb);
      case 'map': {
        this.buf += 'map[';
        if (v.v !== null) {
          let first = true;
          for (const key of sortedKeys(v.v)) {
            if (!first) this.buf += ' ';
            first = false;
            this.printValue({ k: 'string', t: T.string, v: key }, verb, depth + 1);
            this.buf += ':';
            this.printValue(v.v.get(key) as GoValue, verb, depth + 1);
          }
        }
        this.buf += ']';
        return;
      }
      case 'struct': {
        this.buf += '{';
        let i = 0;
        for (const [name, field] of v.v) {
          if (i++ > 0) this.buf += ' ';
          if (this.plusV) this.buf += `${name}:`;
          this.printValue(field, verb, depth + 1);
        }
        this.buf += '}';
        return;
      }
      case 'time': {
        // Only reached for verbs the String method does not serve: Go prints time.Time's private
        // fields {wall ext loc}; for a UTC time without monotonic reading that is
        // {nanoseconds, seconds since year 1, nil}.
        const secs = v.ns >= 0n ? v.ns / 1_000_000_000n : -((-v.ns + 999_999_999n) / 1_000_000_000n);
        const fields = new Map<string, GoValue>([
          ['wall', { k: 'uint', t: T.uint64, v: v.ns - secs * 1_000_000_000n }],
          ['ext', { k: 'int', t: T.int64, v: secs + 62135596800n }],
          ['loc', { k: 'ptr', t: LOCATION_PTR, v: null }],
        ]);
        this.printValue({ k: 'struct', t: v.t, v: fields }, verb, depth);
        return;
      }
      case 'slice': {
        this.buf += '[';
        (v.v ?? []).forEach((el, i) => {
          if (i > 0) this.buf += ' ';
          this.printValue(el, verb, depth + 1);
        });
        this.buf += ']';
        return;
      }
      case 'ptr':
        if (depth === 0 && v.v !== null) {
          const el = v.v;
          if (el.k === 'slice' || el.k === 'struct' || el.k === 'map' || el.k === 'time') {
            this.buf += '&';
            this.printValue(el, verb, depth + 1);
            return;
          }
        }
        this.fmtPointer(v, verb);
        return;
    }
  }
}
