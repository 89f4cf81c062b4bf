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
 * GroupSlots finds each sample's group in one evaluation: `slotOf` is the group's index in
 * `labels`, in order of first appearance, adding the group when new.
 */
interface GroupSlots {
  readonly labels: Labels[];
  slotOf(l: Labels): number;
}

/** A group of a `by` node, kept from one evaluation to the next (its labels are the same object). */
interface Leaf {
  labels: Labels;
  /** The evaluation that last saw the group, and the group's slot in it. */
  epoch: number;
  slot: number;
}

/**
 * ByIndex is a `by` node's groups as a trie over the grouping labels' values (a missing label
 * reads as ""): finding a sample's group costs a map lookup per grouping label and makes no key
 * string. It is kept per node across evaluations, and started afresh past MAX_CACHED_GROUPS.
 */
interface ByIndex {
  root: Map<string, unknown>;
  leaves: number;
  epoch: number;
}

const byIndexes = new WeakMap<object, ByIndex>();
/** Group label sets of `without` nodes by group key, kept per node like ByIndex's. */
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

function bySlots(owner: object, grouping: readonly string[]): GroupSlots {
  let idx = byIndexes.get(owner);
  // Started afresh only between evaluations: within one, a forgotten leaf would split its group.
  if (idx === undefined || idx.leaves >= MAX_CACHED_GROUPS) {
    idx = { root: new Map(), leaves: 0, epoch: 0 };
    byIndexes.set(owner, idx);
  }
  const index = idx;
  const epoch = ++index.epoch;
  const labels: Labels[] = [];
  const last = grouping.length - 1;
  const slotOf = (l: Labels): number => {
    let map = index.root;
    for (let i = 0; i < last; i++) {
      const v = l[grouping[i] as string] ?? '';
      let next = map.get(v) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        map.set(v, next);
      }
      map = next;
    }
    const v = last < 0 ? '' : (l[grouping[last] as string] ?? '');
    let leaf = map.get(v) as Leaf | undefined;
    if (leaf === undefined) {
      leaf = { labels: groupLabels(l, grouping, false), epoch: 0, slot: 0 };
      map.set(v, leaf);
      index.leaves++;
    }
    if (leaf.epoch !== epoch) {
      leaf.epoch = epoch;
      leaf.slot = labels.length;
      labels.push(leaf.labels);
    }
    return leaf.slot;
  };
  return { labels, slotOf };
}

function keySlots(grouping: readonly string[], without: boolean, owner: object | undefined): GroupSlots {
  const slots = new Map<string, number>();
  const labels: Labels[] = [];
  const slotOf = (l: Labels): number => {
    const key = groupKey(l, grouping, without);
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = labels.length;
      slots.set(key, slot);
      labels.push(owner ? cachedGroupLabels(owner, key, l, grouping, without) : groupLabels(l, grouping, without));
    }
    return slot;
  };
  return { labels, slotOf };
}

/** groupSlots picks how an evaluation finds groups: the node's kept trie for `by`, keys otherwise. */
function groupSlots(grouping: readonly string[], without: boolean, owner?: object): GroupSlots {
  return owner !== undefined && !without ? bySlots(owner, grouping) : keySlots(grouping, without, owner);
}

function groupBy(v: readonly Sample[], grouping: readonly string[], without: boolean, owner?: object): Group[] {
  const slots = groupSlots(grouping, without, owner);
  const out: Group[] = [];
  for (const s of v) {
    const slot = slots.slotOf(s.labels);
    if (slot === out.length) out.push({ labels: slots.labels[slot] as Labels, members: [] });
    (out[slot] as Group).members.push(s);
  }
  return out;
}

/**
 * streamed aggregates sum, min, max, count and group in one pass without member lists, adding
 * each group's values in input order as the member-list forms do (so the floats are the same).
 */
function streamed(node: AggregateNode, v: readonly Sample[], ctx: EvalContext): Sample[] {
  const slots = groupSlots(node.grouping, node.without, node);
  const values: number[] = [];
  const kahans: Kahan[] = [];
  const op = node.op;
  const kahan = op === 'sum' && ctx.compat === 3;
  for (const s of v) {
    const x = s.value;
    const i = slots.slotOf(s.labels);
    if (i === values.length) {
      values.push(op === 'count' || op === 'group' ? 1 : x);
      if (kahan) kahans.push(new Kahan(true, x));
      continue;
    }
    const cur = values[i] as number;
    switch (op) {
      case 'sum':
        if (kahan) (kahans[i] as Kahan).add(x);
        else values[i] = cur + x;
        break;
      case 'min':
        if (cur > x || Number.isNaN(cur)) values[i] = x;
        break;
      case 'max':
        if (cur < x || Number.isNaN(cur)) values[i] = x;
        break;
      case 'count':
        values[i] = cur + 1;
        break;
    }
  }
  const out: Sample[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const k = kahans[i];
    out[i] = { labels: slots.labels[i] as Labels, value: k === undefined ? (values[i] as number) : k.sum + k.c };
  }
  return out;
}

const STREAMED_OPS = new Set(['sum', 'min', 'max', 'count', 'group']);

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
  if (STREAMED_OPS.has(node.op)) return streamed(node, v, ctx);
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
