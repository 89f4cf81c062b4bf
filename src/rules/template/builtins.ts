/**
 * Go's text/template builtin functions (funcs.go, go1.19): and or not len index slice print
 * printf println html js urlquery eq ne lt le gt ge call, with Go's comparison rules (basic kinds
 * only; an int never equals a float64) and Go's error texts.
 */
import { sprint, sprintf, sprintln } from './fmt.ts';
import { GoError, type GoFunc } from './func.ts';
import { isPrint } from './strconv.ts';
import { INVALID, T, bool, fromUtf8, indirect, int, isTrue, utf8Bytes, utf8Len, zeroOf, type GoType, type GoValue } from './values.ts';

const RV = T.reflectValue;

/** indirectInterface: a nil interface is no value. */
function unwrapIface(v: GoValue): GoValue {
  return v.k === 'iface' ? INVALID : v;
}

type BasicKind = 'invalid' | 'bool' | 'complex' | 'int' | 'float' | 'string' | 'uint';

function basicKind(v: GoValue): BasicKind {
  switch (v.k) {
    case 'bool':
    case 'complex':
    case 'int':
    case 'float':
    case 'string':
    case 'uint':
      return v.k;
    default:
      return 'invalid';
  }
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';
const errNoComparison = 'missing argument for comparison';

function comparable(v: GoValue): boolean {
  return v.k !== 'map' && v.k !== 'slice' && v.k !== 'struct';
}

function num(v: GoValue): bigint {
  return (v as { v: bigint }).v;
}

function identical(a: GoValue, b: GoValue): boolean {
  if (a.k === 'invalid' || b.k === 'invalid') return a.k === b.k;
  if (a.k === 'ptr' && b.k === 'ptr') return a.t.name === b.t.name && a.v === b.v;
  if (a.k === 'time' && b.k === 'time') return a.ns === b.ns;
  return false;
}

function isNilValue(v: GoValue): boolean {
  if (v.k === 'invalid' || v.k === 'iface') return true;
  if (v.k === 'map' || v.k === 'slice' || v.k === 'ptr') return v.v === null;
  return false;
}

/** eq is Go's eq: arg1 == arg2 || arg1 == arg3 … Non-basic values compare only when of one kind and comparable. */
export function goEq(arg1: GoValue, rest: readonly GoValue[]): boolean {
  arg1 = unwrapIface(arg1);
  if (rest.length === 0) throw new GoError(errNoComparison);
  const k1 = basicKind(arg1);
  for (let arg of rest) {
    arg = unwrapIface(arg);
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (k1 === 'int' && k2 === 'uint') truth = num(arg1) >= 0n && num(arg1) === num(arg);
      else if (k1 === 'uint' && k2 === 'int') truth = num(arg) >= 0n && num(arg1) === num(arg);
      else if (arg1.k !== 'invalid' && arg.k !== 'invalid') throw new GoError(errBadComparison);
    } else {
      switch (k1) {
        case 'bool':
          truth = (arg1 as { v: boolean }).v === (arg as { v: boolean }).v;
          break;
        case 'complex':
          truth = (arg1 as { re: number }).re === (arg as { re: number }).re && (arg1 as { im: number }).im === (arg as { im: number }).im;
          break;
        case 'float':
          truth = (arg1 as { v: number }).v === (arg as { v: number }).v;
          break;
        case 'int':
        case 'uint':
          truth = num(arg1) === num(arg);
          break;
        case 'string':
          truth = (arg1 as { v: string }).v === (arg as { v: string }).v;
          break;
        default: {
          const kind1 = arg1.k === 'invalid' ? 'invalid' : arg1.t.kind;
          const kind2 = arg.k === 'invalid' ? 'invalid' : arg.t.kind;
          if (kind1 !== kind2 && kind1 !== 'invalid' && kind2 !== 'invalid') {
            const a = arg1 as Exclude<GoValue, { k: 'invalid' }>;
            const b = arg as Exclude<GoValue, { k: 'invalid' }>;
            throw new GoError(`non-comparable types ${sprintf('%s', [a])}: ${a.t.name}, ${b.t.name}: ${sprintf('%v', [b])}`);
          }
          if (isNilValue(arg1) || isNilValue(arg)) truth = isNilValue(arg) === isNilValue(arg1);
          else {
            const b = arg as Exclude<GoValue, { k: 'invalid' }>;
            if (!comparable(b)) throw new GoError(`non-comparable type ${sprintf('%s', [b])}: ${b.t.name}`);
            truth = arg1.k !== 'invalid' && arg1.t.name === b.t.name && identical(arg1, b);
          }
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

/** lt is Go's lt on basic kinds. */
export function goLt(arg1: GoValue, arg2: GoValue): boolean {
  arg1 = unwrapIface(arg1);
  const k1 = basicKind(arg1);
  if (k1 === 'invalid') throw new GoError(errBadComparisonType);
  arg2 = unwrapIface(arg2);
  const k2 = basicKind(arg2);
  if (k2 === 'invalid') throw new GoError(errBadComparisonType);
  if (k1 !== k2) {
    if (k1 === 'int' && k2 === 'uint') return num(arg1) < 0n || num(arg1) < num(arg2);
    if (k1 === 'uint' && k2 === 'int') return num(arg2) >= 0n && num(arg1) < num(arg2);
    throw new GoError(errBadComparison);
  }
  switch (k1) {
    case 'bool':
    case 'complex':
      throw new GoError(errBadComparisonType);
    case 'float':
      return (arg1 as { v: number }).v < (arg2 as { v: number }).v;
    case 'string': {
      const a = (arg1 as { v: string }).v;
      const b = (arg2 as { v: string }).v;
      return compareBytes(a, b) < 0;
    }
    default:
      return num(arg1) < num(arg2);
  }
}

function compareBytes(a: string, b: string): number {
  const x = utf8Bytes(a);
  const y = utf8Bytes(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

function goLe(a: GoValue, b: GoValue): boolean {
  return goLt(a, b) || goEq(a, [b]);
}

function indexArg(index: GoValue, cap: number): number {
  let x: bigint;
  if (index.k === 'int' || index.k === 'uint') x = index.v;
  else if (index.k === 'invalid') throw new GoError('cannot index slice/array with nil');
  else throw new GoError(`cannot index slice/array with type ${index.t.name}`);
  if (x < 0n || x > BigInt(cap)) throw new GoError(`index out of range: ${x}`);
  return Number(x);
}

function prepareMapKey(value: GoValue, keyType: GoType): string {
  if (value.k === 'invalid') throw new GoError(`value is nil; should be of type ${keyType.name}`);
  if (value.k === 'string' && value.t.name === keyType.name) return value.v;
  throw new GoError(`value has type ${value.t.name}; should be ${keyType.name}`);
}

/** goIndex is Go's index builtin. */
function goIndex(item: GoValue, indexes: readonly GoValue[]): GoValue {
  item = unwrapIface(item);
  if (item.k === 'invalid') throw new GoError('index of untyped nil');
  for (let index of indexes) {
    index = unwrapIface(index);
    const ind = indirect(item);
    if (ind.isNil) throw new GoError('index of nil pointer');
    item = ind.v;
    switch (item.k) {
      case 'slice': {
        const len = item.v?.length ?? 0;
        const x = indexArg(index, len);
        if (x >= len) throw new GoError('reflect: slice index out of range');
        item = (item.v as GoValue[])[x] as GoValue;
        break;
      }
      case 'string': {
        const bytes = utf8Bytes(item.v);
        const x = indexArg(index, bytes.length);
        if (x >= bytes.length) throw new GoError('reflect: string index out of range');
        item = { k: 'uint', t: T.uint8, v: BigInt(bytes[x] as number) };
        break;
      }
      case 'map': {
        const key = prepareMapKey(index, T.string);
        item = item.v?.get(key) ?? zeroOf(item.t.elem as GoType);
        break;
      }
      default:
        throw new GoError(`can't index item of type ${(item as { t: GoType }).t.name}`);
    }
  }
  return item;
}

/** goSlice is Go's slice builtin. */
function goSlice(item: GoValue, indexes: readonly GoValue[]): GoValue {
  item = unwrapIface(item);
  if (item.k === 'invalid') throw new GoError('slice of untyped nil');
  if (indexes.length > 3) throw new GoError(`too many slice indexes: ${indexes.length}`);
  let cap: number;
  let len: number;
  if (item.k === 'string') {
    if (indexes.length === 3) throw new GoError('cannot 3-index slice a string');
    cap = len = utf8Len(item.v);
  } else if (item.k === 'slice') cap = len = item.v?.length ?? 0;
  else throw new GoError(`can't slice item of type ${item.t.name}`);
  const idx = [0, len, 0];
  indexes.forEach((index, i) => {
    idx[i] = indexArg(unwrapIface(index), cap);
  });
  if ((idx[0] as number) > (idx[1] as number)) throw new GoError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && (idx[1] as number) > (idx[2] as number)) throw new GoError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (item.k === 'string') return { k: 'string', t: item.t, v: fromUtf8(utf8Bytes(item.v).subarray(idx[0], idx[1])) };
  return { k: 'slice', t: item.t, v: (item.v ?? []).slice(idx[0], idx[1]) };
}

function goLen(item: GoValue): GoValue {
  const ind = indirect(item);
  if (ind.isNil) throw new GoError('len of nil pointer');
  const v = ind.v;
  switch (v.k) {
    case 'map':
      return int(v.v?.size ?? 0);
    case 'slice':
      return int(v.v?.length ?? 0);
    case 'string':
      return int(utf8Len(v.v));
    case 'invalid':
      throw new GoError('reflect: call of reflect.Value.Type on zero Value');
    default:
      throw new GoError(`len of type ${v.t.name}`);
  }
}

/** evalArgs is text/template's evalArgs: one string, or the printable values fmt.Sprint'ed. */
export function evalArgs(args: readonly GoValue[]): string {
  if (args.length === 1 && args[0]?.k === 'string' && args[0].t === T.string) return args[0].v;
  const printable = args.map((a): GoValue => {
    if (a.k === 'iface' || a.k === 'invalid') return { k: 'string', t: T.string, v: '<no value>' };
    if (a.k === 'ptr') {
      const ind = indirect(a).v;
      return ind;
    }
    return a;
  });
  return sprint(printable);
}

/** htmlEscape is template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);
}

/** jsEscape is template.JSEscapeString. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) {
      switch (ch) {
        case '\\':
          out += '\\\\';
          continue;
        case "'":
          out += "\\'";
          continue;
        case '"':
          out += '\\"';
          continue;
        case '<':
          out += '\\u003C';
          continue;
        case '>':
          out += '\\u003E';
          continue;
        case '&':
          out += '\\u0026';
          continue;
        case '=':
          out += '\\u003D';
          continue;
      }
      if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, '0')}`;
      else out += ch;
    } else if (isPrint(cp)) out += ch;
    else out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

/** queryEscape is url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8Bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function stringArg(v: GoValue | undefined): string {
  return (v as { v: string }).v;
}

/** BUILTINS are Go's builtin template functions by name. */
export const BUILTINS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ['and', { params: [RV], variadic: RV, shortCircuit: 'and', call: () => INVALID }],
  ['or', { params: [RV], variadic: RV, shortCircuit: 'or', call: () => INVALID }],
  ['not', { params: [RV], call: ([a]) => bool(!isTrue(unwrapIface(a as GoValue)).truth) }],
  ['len', { params: [RV], call: ([a]) => goLen(a as GoValue) }],
  ['index', { params: [RV], variadic: RV, call: ([item, ...idx]) => goIndex(item as GoValue, idx) }],
  ['slice', { params: [RV], variadic: RV, call: ([item, ...idx]) => goSlice(item as GoValue, idx) }],
  ['print', { params: [], variadic: T.iface, call: (a) => ({ k: 'string', t: T.string, v: sprint(a) }) }],
  ['println', { params: [], variadic: T.iface, call: (a) => ({ k: 'string', t: T.string, v: sprintln(a) }) }],
  ['printf', { params: [T.string], variadic: T.iface, call: ([f, ...a]) => ({ k: 'string', t: T.string, v: sprintf(stringArg(f), a) }) }],
  ['html', { params: [], variadic: T.iface, call: (a) => ({ k: 'string', t: T.string, v: htmlEscape(evalArgs(a)) }) }],
  ['js', { params: [], variadic: T.iface, call: (a) => ({ k: 'string', t: T.string, v: jsEscape(evalArgs(a)) }) }],
  ['urlquery', { params: [], variadic: T.iface, call: (a) => ({ k: 'string', t: T.string, v: queryEscape(evalArgs(a)) }) }],
  ['eq', { params: [RV], variadic: RV, call: ([a, ...rest]) => bool(goEq(a as GoValue, rest)) }],
  ['ne', { params: [RV, RV], call: ([a, b]) => bool(!goEq(a as GoValue, [b as GoValue])) }],
  ['lt', { params: [RV, RV], call: ([a, b]) => bool(goLt(a as GoValue, b as GoValue)) }],
  ['le', { params: [RV, RV], call: ([a, b]) => bool(goLe(a as GoValue, b as GoValue)) }],
  ['gt', { params: [RV, RV], call: ([a, b]) => bool(!goLe(a as GoValue, b as GoValue)) }],
  ['ge', { params: [RV, RV], call: ([a, b]) => bool(!goLt(a as GoValue, b as GoValue)) }],
  [
    'call',
    {
      params: [RV],
      variadic: RV,
      call: ([fn]) => {
        const f = unwrapIface(fn as GoValue);
        if (f.k === 'invalid') throw new GoError('call of nil');
        throw new GoError(`non-function of type ${f.t.name}`);
      },
    },
  ],
]);
