/**
 * Aggregation operators with `by`/`without`, as Prometheus' engine computes them. Groups come
 * out in the order their first member appears. sum/avg/stddev follow each Prometheus version's
 * arithmetic (2: plain sums and an incremental mean; 3: Kahan sums and a direct mean), and
 * topk/bottomk run Go's container/heap exactly so that ties pick the same series.
 */
import type { Labels, Sample } from '../types.ts';
import type { AggregateNode } from './ast.ts';
import { PromQLEvalError } from './errors.ts';
import type { EvalContext } from './eval-context.ts';
import { avgKahan3 } from './eval-range-functions.ts';
import { LEGACY_LABEL_NAME } from './eval-functions.ts';
import { formatFloatF, Kahan } from './go-math.ts';
import { keepLabels, METRIC_NAME, sortedNames, withLabel, withoutLabels } from './labels.ts';
import { byValueNaNFirst, quantile } from './quantile.ts';

const SEP = '\xff';

function groupKey(l: Labels, grouping: readonly string[], without: boolean): string {
  let k = '';
  if (without) {
    for (const n of sortedNames(l)) {
      if (n === METRIC_NAME || grouping.includes(n)) continue;
      k += n + SEP + l[n] + SEP;
    }
    return k;
  }
  for (const n of grouping) k += (l[n] ?? '') + SEP;
  return k;
}

function groupLabels(l: Labels, grouping: readonly string[], without: boolean): Labels {
  if (without) return withoutLabels(l, [...grouping, METRIC_NAME]);
  if (grouping.length > 0) return keepLabels(l, grouping);
  return {};
}

interface Group {
  labels: Labels;
  members: Sample[];
}

/**
 * Group label sets are kept per aggregation node from one evaluation to the next, so that the
 * same group yields the same label object (cheaper, and it keeps the label caches warm).
 */
const groupLabelCache = new WeakMap<object, Map<string, Labels>>();
const MAX_CACHED_GROUPS = 10_000;

function cachedGroupLabels(owner: object, key: string, l: Labels, grouping: readonly string[], without: boolean): Labels {
  let cache = groupLabelCache.get(owner);
  if (!cache) {
    cache = new Map();
    groupLabelCache.set(owner, cache);
  }
  let labels = cache.get(key);
  if (labels === undefined) {
    labels = groupLabels(l, grouping, without);
    if (cache.size >= MAX_CACHED_GROUPS) cache.clear();
    cache.set(key, labels);
  }
  return labels;
}

function groupBy(v: readonly Sample[], grouping: readonly string[], without: boolean, owner?: object): Group[] {
  const byKey = new Map<string, Group>();
  const out: Group[] = [];
  for (const s of v) {
    const key = groupKey(s.labels, grouping, without);
    let g = byKey.get(key);
    if (!g) {
      g = { labels: owner ? cachedGroupLabels(owner, key, s.labels, grouping, without) : groupLabels(s.labels, grouping, without), members: [] };
      byKey.set(key, g);
      out.push(g);
    }
    g.members.push(s);
  }
  return out;
}

function sum(members: Sample[], ctx: EvalContext): number {
  const value = (members[0] as Sample).value;
  if (ctx.compat === 2) {
    let sum = value;
    for (let i = 1; i < members.length; i++) sum += (members[i] as Sample).value;
    return sum;
  }
  const k = new Kahan(true, value);
  for (let i = 1; i < members.length; i++) k.add((members[i] as Sample).value);
  return k.sum + k.c;
}

function avg2(members: Sample[]): number {
  let mean = (members[0] as Sample).value;
  for (let i = 1; i < members.length; i++) {
    const v = (members[i] as Sample).value;
    const count = i + 1;
    if (mean === Infinity || mean === -Infinity) {
      if ((v === Infinity || v === -Infinity) && mean > 0 === v > 0) continue;
      if (Number.isFinite(v)) continue;
    }
    mean += v / count - mean / count;
  }
  return mean;
}

function variance(members: Sample[], ctx: EvalContext): number {
  const first = (members[0] as Sample).value;
  let value = ctx.compat === 3 && !Number.isFinite(first) ? NaN : 0;
  let mean = first;
  let count = 1;
  for (let i = 1; i < members.length; i++) {
    const v = (members[i] as Sample).value;
    count++;
    const delta = v - mean;
    mean += delta / count;
    value += delta * (v - mean);
  }
  return value / count;
}

/** Go's container/heap over samples with a `less` order. */
class GoHeap {
  readonly items: Sample[] = [];
  private readonly less: (a: Sample, b: Sample) => boolean;
  constructor(less: (a: Sample, b: Sample) => boolean) {
    this.less = less;
  }
  private lessAt(i: number, j: number): boolean {
    return this.less(this.items[i] as Sample, this.items[j] as Sample);
  }
  private swap(i: number, j: number): void {
    const t = this.items[i] as Sample;
    this.items[i] = this.items[j] as Sample;
    this.items[j] = t;
  }
  private up(j0: number): void {
    let j = j0;
    for (;;) {
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !this.lessAt(j, i)) break;
      this.swap(i, j);
      j = i;
    }
  }
  private down(i0: number, n: number): boolean {
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n || j1 < 0) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.lessAt(j2, j1)) j = j2;
      if (!this.lessAt(j, i)) break;
      this.swap(i, j);
      i = j;
    }
    return i > i0;
  }
  push(s: Sample): void {
    this.items.push(s);
    this.up(this.items.length - 1);
  }
  pop(): void {
    const n = this.items.length - 1;
    this.swap(0, n);
    this.down(0, n);
    this.items.pop();
  }
  fix(i: number): void {
    if (!this.down(i, this.items.length)) this.up(i);
  }
}

const topLess = (a: Sample, b: Sample): boolean => Number.isNaN(a.value) || a.value < b.value;
const bottomLess = (a: Sample, b: Sample): boolean => Number.isNaN(a.value) || a.value > b.value;

function topOrBottomK(members: Sample[], k: number, bottom: boolean, ctx: EvalContext): Sample[] {
  const heap = new GoHeap(bottom ? bottomLess : topLess);
  const beats = (top: number, v: number): boolean => (bottom ? top > v : top < v);
  heap.push(members[0] as Sample);
  for (let i = 1; i < members.length; i++) {
    const s = members[i] as Sample;
    const top = (heap.items[0] as Sample).value;
    if (ctx.compat === 2) {
      if (heap.items.length < k || beats(top, s.value) || Number.isNaN(top)) {
        if (heap.items.length === k) {
          if (k === 1) {
            heap.items[0] = s;
            continue;
          }
          heap.pop();
        }
        heap.push(s);
      }
    } else if (heap.items.length < k) {
      heap.push(s);
    } else if (beats(top, s.value) || (Number.isNaN(top) && !Number.isNaN(s.value))) {
      heap.items[0] = s;
      if (k > 1) heap.fix(0);
    }
  }
  // Best first, NaN last.
  return heap.items.sort((a, b) => {
    const an = Number.isNaN(a.value);
    const bn = Number.isNaN(b.value);
    if (an || bn) return an === bn ? 0 : an ? 1 : -1;
    return byValueNaNFirst(bottom ? a.value : b.value, bottom ? b.value : a.value);
  });
}

function kParameter(param: number, inputLength: number, ctx: EvalContext): number {
  if (ctx.compat === 2) {
    if (!(param > -9223372036854775808 && param < 9223372036854775808)) {
      throw new PromQLEvalError(`Scalar value ${formatFloatF(param)} overflows int64`);
    }
    return Math.trunc(param);
  }
  if (param < 1) return 0;
  if (Number.isNaN(param)) throw new PromQLEvalError('Parameter value is NaN');
  if (param >= 9223372036854775807) throw new PromQLEvalError(`Scalar value ${formatFloatF(param)} overflows int64`);
  return Math.min(Math.trunc(param), inputLength);
}

function countValues(node: AggregateNode, v: Sample[], label: string, ctx: EvalContext): Sample[] {
  if (ctx.compat === 2 && !LEGACY_LABEL_NAME.test(label)) throw new PromQLEvalError(`invalid label name ${JSON.stringify(label)}`);
  const grouping = node.without ? node.grouping : [...new Set([...node.grouping, label])].sort();
  const relabelled = v.map((s) => ({ labels: withLabel(s.labels, label, formatFloatF(s.value)), value: s.value }));
  return groupBy(relabelled, grouping, node.without).map((g) => ({ labels: g.labels, value: g.members.length }));
}

/** aggregate evaluates an aggregation over an instant vector with its evaluated parameter. */
export function aggregate(node: AggregateNode, v: Sample[], param: number | string | undefined, ctx: EvalContext): Sample[] {
  if (node.op === 'count_values') return countValues(node, v, param as string, ctx);
  if (node.op === 'topk' || node.op === 'bottomk') {
    const k = kParameter(param as number, v.length, ctx);
    if (k < 1 || v.length === 0) return [];
    const out: Sample[] = [];
    for (const g of groupBy(v, node.grouping, node.without)) out.push(...topOrBottomK(g.members, k, node.op === 'bottomk', ctx));
    return out;
  }
  const groups = groupBy(v, node.grouping, node.without, node);
  const out: Sample[] = new Array(groups.length);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as Group;
    const m = g.members;
    let value: number;
    switch (node.op) {
      case 'sum':
        value = sum(m, ctx);
        break;
      case 'avg':
        value = ctx.compat === 2 ? avg2(m) : avgKahan3(m.map((s) => s.value), 0, m.length);
        break;
      case 'min': {
        value = (m[0] as Sample).value;
        for (const s of m) if (value > s.value || Number.isNaN(value)) value = s.value;
        break;
      }
      case 'max': {
        value = (m[0] as Sample).value;
        for (const s of m) if (value < s.value || Number.isNaN(value)) value = s.value;
        break;
      }
      case 'count':
        value = m.length;
        break;
      case 'group':
        value = 1;
        break;
      case 'stddev':
        value = Math.sqrt(variance(m, ctx));
        break;
      case 'stdvar':
        value = variance(m, ctx);
        break;
      case 'quantile':
        value = quantile(param as number, m.map((s) => s.value));
        break;
      default:
        throw new PromQLEvalError(`unsupported aggregation ${node.op}`);
    }
    out[i] = { labels: g.labels, value };
  }
  return out;
}
