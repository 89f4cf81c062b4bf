/**
 * Binary operators: arithmetic, comparisons (filters, or 0/1 with `bool`) and set operators,
 * between scalars and instant vectors, with Prometheus' vector matching (on/ignoring,
 * group_left/group_right with extra labels) and its errors for ambiguous matches. Arithmetic and
 * `bool` drop the metric name; a comparison used as a filter keeps the sample as it was.
 */
import type { Labels, Sample } from '../types.ts';
import { COMPARISON_OPS, type BinaryOp, type VectorMatching } from './ast.ts';
import { PromQLEvalError } from './errors.ts';
import type { EvalContext } from './eval-context.ts';
import { goPow } from './go-math.ts';
import { dropMetricName, formatLabels, fromEntries, keepLabels, labelsKey, METRIC_NAME, signatureOf, withoutLabels } from './labels.ts';

/** arith applies an arithmetic operator with Go's semantics (math.Pow, math.Mod). */
function arith(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    case '%':
      return l % r;
    case '^':
      return goPow(l, r);
  }
  throw new PromQLEvalError(`operator ${op} is not arithmetic`);
}

function compare(op: BinaryOp, l: number, r: number): boolean {
  switch (op) {
    case '==':
      return l === r;
    case '!=':
      return l !== r;
    case '>':
      return l > r;
    case '<':
      return l < r;
    case '>=':
      return l >= r;
    case '<=':
      return l <= r;
  }
  throw new PromQLEvalError(`operator ${op} is not a comparison`);
}

/** scalarBinop is an operation between two scalars (comparisons need `bool`, so give 0 or 1). */
export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  return COMPARISON_OPS.has(op) ? (compare(op, l, r) ? 1 : 0) : arith(op, l, r);
}

/** vectorScalarBinop applies op between each sample and a scalar; `swap` when the scalar is on the left. */
export function vectorScalarBinop(op: BinaryOp, v: Sample[], scalar: number, swap: boolean, returnBool: boolean): Sample[] {
  const isCmp = COMPARISON_OPS.has(op);
  const out: Sample[] = [];
  for (const s of v) {
    const l = swap ? scalar : s.value;
    const r = swap ? s.value : scalar;
    if (isCmp) {
      const keep = compare(op, l, r);
      if (returnBool) out.push({ labels: dropMetricName(s.labels), value: keep ? 1 : 0 });
      else if (keep) out.push(s);
    } else {
      out.push({ labels: dropMetricName(s.labels), value: arith(op, l, r) });
    }
  }
  return out;
}

const sortedNamesCache = new WeakMap<VectorMatching, string[]>();
const signatureCaches = new WeakMap<VectorMatching, WeakMap<Labels, string>>();

/**
 * signer returns the matching-signature function of a vector matching, memoised per label set
 * (series read from the store keep their label objects from one evaluation to the next).
 */
function signer(m: VectorMatching): (l: Labels) => string {
  let names = sortedNamesCache.get(m);
  if (!names) {
    names = [...m.labels].sort();
    sortedNamesCache.set(m, names);
  }
  let cache = signatureCaches.get(m);
  if (!cache) {
    cache = new WeakMap();
    signatureCaches.set(m, cache);
  }
  const n = names;
  const c = cache;
  return (l) => {
    let sig = c.get(l);
    if (sig === undefined) {
      sig = signatureOf(l, m.on, n);
      c.set(l, sig);
    }
    return sig;
  };
}

/** setBinop evaluates and/or/unless. */
export function setBinop(op: BinaryOp, lhs: Sample[], rhs: Sample[], m: VectorMatching): Sample[] {
  const signOf = signer(m);
  const sig = (s: Sample): string => signOf(s.labels);
  switch (op) {
    case 'and': {
      if (lhs.length === 0 || rhs.length === 0) return [];
      const right = new Set(rhs.map(sig));
      return lhs.filter((s) => right.has(sig(s)));
    }
    case 'or': {
      if (lhs.length === 0) return rhs;
      if (rhs.length === 0) return lhs;
      const left = new Set(lhs.map(sig));
      return [...lhs, ...rhs.filter((s) => !left.has(sig(s)))];
    }
    case 'unless': {
      if (lhs.length === 0 || rhs.length === 0) return lhs;
      const right = new Set(rhs.map(sig));
      return lhs.filter((s) => !right.has(sig(s)));
    }
  }
  throw new PromQLEvalError(`operator ${op} is not a set operator`);
}

function matchedLabels(l: Labels, m: VectorMatching): Labels {
  return m.on ? keepLabels(l, m.labels) : withoutLabels(l, [...m.labels, METRIC_NAME]);
}

/** resultMetric is Prometheus' resultMetric: the output labels of one matched pair. */
function resultMetric(ls: Labels, rs: Labels, op: BinaryOp, m: VectorMatching, returnBool: boolean): Labels {
  const isCmp = COMPARISON_OPS.has(op);
  const entries = new Map<string, string>(Object.entries(ls));
  if (!isCmp || returnBool) entries.delete(METRIC_NAME);
  if (m.card === 'one-to-one') {
    if (m.on) {
      for (const n of [...entries.keys()]) if (!m.labels.includes(n)) entries.delete(n);
    } else {
      for (const n of m.labels) entries.delete(n);
    }
  }
  for (const n of m.include) {
    const v = rs[n];
    if (v !== undefined && v !== '') entries.set(n, v);
    else entries.delete(n);
  }
  return fromEntries(entries);
}

/**
 * vectorBinop is an arithmetic or comparison operation between two instant vectors with
 * one-to-one, many-to-one (group_left) or one-to-many (group_right) matching.
 */
export function vectorBinop(op: BinaryOp, lhsIn: Sample[], rhsIn: Sample[], m: VectorMatching, returnBool: boolean, ctx: EvalContext): Sample[] {
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  const oneToMany = m.card === 'one-to-many';
  // The "one" side goes right.
  const lhs = oneToMany ? rhsIn : lhsIn;
  const rhs = oneToMany ? lhsIn : rhsIn;
  const signOf = signer(m);
  const isCmp = COMPARISON_OPS.has(op);
  // The common case (no on/ignoring/group_x) keeps or drops the name of the left labels only.
  const plain = m.card === 'one-to-one' && !m.on && m.labels.length === 0 && m.include.length === 0;
  const keepName = isCmp && !returnBool;

  const rightSigs = new Map<string, Sample>();
  for (const rs of rhs) {
    const sig = signOf(rs.labels);
    const dup = rightSigs.get(sig);
    if (dup) {
      throw new PromQLEvalError(
        `found duplicate series for the match group ${formatLabels(matchedLabels(rs.labels, m))} on the ${oneToMany ? 'left' : 'right'} hand-side of the operation: [${formatLabels(rs.labels)}, ${formatLabels(dup.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    rightSigs.set(sig, rs);
  }

  const matchedOne = new Set<string>();
  const matchedMany = new Map<string, Set<string>>();
  const metricCache = new Map<string, Labels>();
  const out: Sample[] = [];
  for (const ls of lhs) {
    const sig = signOf(ls.labels);
    const rs = rightSigs.get(sig);
    if (!rs) continue;
    const vl = oneToMany ? rs.value : ls.value;
    const vr = oneToMany ? ls.value : rs.value;
    let value: number;
    let keep = true;
    if (isCmp) {
      keep = compare(op, vl, vr);
      value = returnBool ? (keep ? 1 : 0) : vl;
    } else {
      value = arith(op, vl, vr);
    }
    // Prometheus 2 skips a filtered-out pair before its duplicate checks; Prometheus 3 checks first.
    if (!keep && !returnBool && ctx.compat === 2) continue;
    let metric: Labels;
    if (plain) metric = keepName ? ls.labels : dropMetricName(ls.labels);
    else {
      const cacheKey = labelsKey(ls.labels) + '\x00' + labelsKey(rs.labels);
      const cached = metricCache.get(cacheKey);
      metric = cached ?? resultMetric(ls.labels, rs.labels, op, m, returnBool);
      if (cached === undefined) metricCache.set(cacheKey, metric);
    }
    if (m.card === 'one-to-one') {
      if (matchedOne.has(sig)) throw new PromQLEvalError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      matchedOne.add(sig);
    } else {
      let inserted = matchedMany.get(sig);
      if (!inserted) {
        inserted = new Set();
        matchedMany.set(sig, inserted);
      }
      const k = labelsKey(metric);
      if (inserted.has(k)) throw new PromQLEvalError('multiple matches for labels: grouping labels must ensure unique matches');
      inserted.add(k);
    }
    if (!keep && !returnBool) continue;
    out.push({ labels: metric, value });
  }
  return out;
}
