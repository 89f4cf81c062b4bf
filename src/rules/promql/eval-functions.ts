/**
 * Functions over instant vectors and scalars (math, clamp, round, label manipulation, sort,
 * histogram_quantile, vector/scalar/time/absent), as Prometheus' promql/functions.go computes
 * them. Math functions drop the metric name; label_replace, label_join and sort keep it.
 */
import type { Labels, Sample } from '../types.ts';
import type { CallNode, Expr } from './ast.ts';
import { unwrapParens } from './ast.ts';
import { PromQLEvalError } from './errors.ts';
import type { EvalContext } from './eval-context.ts';
import { expandTemplate } from './go-math.ts';
import { compareLabels, dropMetricName, fromEntries, METRIC_NAME, sortedNames, withLabel, withoutLabels } from './labels.ts';
import { goParseFloat } from './literals.ts';
import { bucketQuantile, type Bucket } from './quantile.ts';

/** FunctionArg is an evaluated argument: an instant vector, a scalar or a string. */
export type FunctionArg = Sample[] | number | string;

/** LEGACY_LABEL_NAME is Prometheus 2's label name syntax. */
export const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** goMax and goMin are Go's math.Max/Min: an infinity wins over NaN. */
function goMax(a: number, b: number): number {
  if (a === Infinity || b === Infinity) return Infinity;
  return Math.max(a, b);
}
function goMin(a: number, b: number): number {
  if (a === -Infinity || b === -Infinity) return -Infinity;
  return Math.min(a, b);
}

function simple(v: Sample[], f: (x: number) => number): Sample[] {
  const out: Sample[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const s = v[i] as Sample;
    out[i] = { labels: dropMetricName(s.labels), value: f(s.value) };
  }
  return out;
}

const SIMPLE: Readonly<Record<string, (x: number) => number>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
};

/** createLabelsForAbsent returns the labels absent() reports: the selector's equality matchers. */
export function createLabelsForAbsent(arg: Expr): Labels {
  const e = unwrapParens(arg);
  const sel = e.kind === 'vector' ? e : e.kind === 'matrix' ? e.selector : undefined;
  if (!sel) return {};
  const has = new Set<string>();
  const out = new Map<string, string>();
  for (const m of sel.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !has.has(m.name)) {
      out.set(m.name, m.value);
      has.add(m.name);
    } else {
      out.delete(m.name);
    }
  }
  return fromEntries(out);
}

/**
 * A bucket series' histogram: its key (every label but `le`) and its labels without `le` and the
 * name, kept per label object so that the same series gives the same result labels every tick.
 */
const bucketGroups = new WeakMap<Labels, { key: string; labels: Labels }>();

function bucketGroup(l: Labels): { key: string; labels: Labels } {
  let g = bucketGroups.get(l);
  if (g === undefined) {
    // Joined, not concatenated: the key is kept, and a flat string is one object, not a rope.
    const parts: string[] = [];
    for (const n of sortedNames(l)) if (n !== 'le') parts.push(n, l[n] as string);
    parts.push('');
    g = { key: parts.join('\xff'), labels: withoutLabels(l, [METRIC_NAME, 'le']) };
    bucketGroups.set(l, g);
  }
  return g;
}

function histogramQuantile(q: number, v: Sample[], ctx: EvalContext): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const s of v) {
    const le = s.labels.le;
    const upperBound = le === undefined ? undefined : goParseFloat(le);
    if (upperBound === undefined) continue;
    const { key, labels } = bucketGroup(s.labels);
    let g = groups.get(key);
    if (!g) {
      g = { labels, buckets: [] };
      groups.set(key, g);
    }
    g.buckets.push({ upperBound, count: s.value });
  }
  const out: Sample[] = [];
  for (const g of groups.values()) out.push({ labels: g.labels, value: bucketQuantile(q, g.buckets, ctx.compat) });
  return out;
}

function labelReplace(node: CallNode, v: Sample[], dst: string, repl: string, src: string, ctx: EvalContext): Sample[] {
  if (ctx.compat === 2 && !LEGACY_LABEL_NAME.test(dst)) {
    throw new PromQLEvalError(`invalid destination label name in label_replace(): ${dst}`);
  }
  const rx = node.regex as NonNullable<CallNode['regex']>;
  const re = ctx.dotAll ? rx.re3 : rx.re2;
  const cache = new Map<Labels, Labels>();
  return v.map((s) => {
    let labels = cache.get(s.labels);
    if (labels === undefined) {
      const m = re.exec(s.labels[src] ?? '');
      labels = m ? withLabel(s.labels, dst, expandTemplate(repl, m, rx.names)) : s.labels;
      cache.set(s.labels, labels);
    }
    return { labels, value: s.value };
  });
}

function labelJoin(v: Sample[], dst: string, sep: string, srcs: string[], ctx: EvalContext): Sample[] {
  if (ctx.compat === 2) {
    for (const src of srcs) {
      if (!LEGACY_LABEL_NAME.test(src)) throw new PromQLEvalError(`invalid source label name in label_join(): ${src}`);
    }
    if (!LEGACY_LABEL_NAME.test(dst)) throw new PromQLEvalError(`invalid destination label name in label_join(): ${dst}`);
  }
  return v.map((s) => ({ labels: withLabel(s.labels, dst, srcs.map((n) => s.labels[n] ?? '').join(sep)), value: s.value }));
}

/** sortAsc orders ascending with NaN last; sortDesc descending with NaN last (stable). */
function sortBy(v: Sample[], desc: boolean): Sample[] {
  return [...v].sort((a, b) => {
    const an = Number.isNaN(a.value);
    const bn = Number.isNaN(b.value);
    if (an || bn) return an === bn ? 0 : an ? 1 : -1;
    return desc ? b.value - a.value || 0 : a.value - b.value || 0;
  });
}

/** natCompare is a natural-order string comparison (digit runs compare as numbers). */
function natCompare(a: string, b: string): number {
  const ra = a.match(/\d+|\D+/g) ?? [];
  const rb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i] as string;
    const y = rb[i] as string;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return ra.length - rb.length;
}

function sortByLabel(v: Sample[], names: string[], desc: boolean): Sample[] {
  const sign = desc ? -1 : 1;
  return [...v].sort((a, b) => {
    for (const n of names) {
      const x = a.labels[n] ?? '';
      const y = b.labels[n] ?? '';
      if (x !== y) return sign * natCompare(x, y);
    }
    return sign * compareLabels(a.labels, b.labels);
  });
}

/**
 * callInstantFunction evaluates a function whose arguments are instant vectors, scalars and
 * strings (already evaluated), returning a vector, or a number for scalar-valued functions.
 */
export function callInstantFunction(node: CallNode, args: FunctionArg[], ctx: EvalContext): Sample[] | number {
  const name = node.name;
  const vec = args[0] as Sample[];
  const simpleFn = SIMPLE[name];
  if (simpleFn) return simple(vec, simpleFn);
  switch (name) {
    case 'time':
      return ctx.t / 1000;
    case 'vector':
      return [{ labels: {}, value: args[0] as number }];
    case 'scalar':
      return vec.length === 1 ? (vec[0] as Sample).value : NaN;
    case 'absent':
      return vec.length > 0 ? [] : [{ labels: createLabelsForAbsent(node.args[0] as Expr), value: 1 }];
    case 'clamp': {
      const min = args[1] as number;
      const max = args[2] as number;
      if (max < min) return [];
      return simple(vec, (x) => goMax(min, goMin(max, x)));
    }
    case 'clamp_min': {
      const min = args[1] as number;
      return simple(vec, ctx.compat === 2 ? (x) => goMax(min, x) : (x) => goMax(min, goMin(Infinity, x)));
    }
    case 'clamp_max': {
      const max = args[1] as number;
      return simple(vec, ctx.compat === 2 ? (x) => goMin(max, x) : (x) => goMax(-Infinity, goMin(max, x)));
    }
    case 'round': {
      const toNearest = args.length >= 2 ? (args[1] as number) : 1;
      const inv = 1 / toNearest;
      return simple(vec, (x) => Math.floor(x * inv + 0.5) / inv);
    }
    case 'histogram_quantile':
      return histogramQuantile(args[0] as number, args[1] as Sample[], ctx);
    case 'label_replace':
      return labelReplace(node, vec, args[1] as string, args[2] as string, args[3] as string, ctx);
    case 'label_join':
      return labelJoin(vec, args[1] as string, args[2] as string, args.slice(3) as string[], ctx);
    case 'sort':
      return sortBy(vec, false);
    case 'sort_desc':
      return sortBy(vec, true);
    case 'sort_by_label':
      return sortByLabel(vec, args.slice(1) as string[], false);
    case 'sort_by_label_desc':
      return sortByLabel(vec, args.slice(1) as string[], true);
  }
  throw new PromQLEvalError(`function ${name} is not an instant-vector function`);
}
