/**
 * ExprGen writes random, well-typed PromQL over the differential test's series (x, y, h_bucket):
 * selectors with matchers, offset and @, every supported function, aggregations with by/without,
 * arithmetic, comparisons with and without bool, set operators and every matching mode. What
 * promtool itself answers differently from run to run or machine to machine is left out (see
 * promtool-differential.test.ts).
 */

/** A small deterministic PRNG (mulberry32), so the generated set is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ExprGen builds random, well-typed PromQL over the series below. */
export class ExprGen {
  private readonly r: () => number;
  constructor(seed: number) {
    this.r = prng(seed);
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)] as T;
  }
  private chance(p: number): boolean {
    return this.r() < p;
  }
  selector(): string {
    return this.pick(['x', 'y', 'x{a="1"}', 'y{b=~".+"}', 'x{a!="2"}', '{__name__=~"x|y"}', 'x offset 1m', 'y @ 300', 'x offset -1m', 'h_bucket']);
  }
  range(): string {
    return this.pick(['x[5m]', 'y[3m]', 'x[2m] offset 1m', 'y[4m] @ 300', '{__name__=~"x|y"}[5m]', 'x{a="2"}[10m]', 'y[1m]', 'h_bucket[5m]']);
  }
  scalar(depth: number): string {
    if (depth <= 0 || this.chance(0.5)) return this.pick(['1', '2', '0.5', '-3', '10', '0.25', 'time()']);
    switch (Math.floor(this.r() * 3)) {
      case 0:
        return `scalar(${this.vector(depth - 1)})`;
      case 1:
        return `(${this.scalar(depth - 1)} ${this.pick(['+', '-', '*', '/', '%'])} ${this.scalar(depth - 1)})`;
      default:
        return `(${this.scalar(depth - 1)} ${this.pick(['>', '==', '<='])} bool ${this.scalar(depth - 1)})`;
    }
  }
  vector(depth: number): string {
    if (depth <= 0) return this.selector();
    const d = depth - 1;
    switch (Math.floor(this.r() * 14)) {
      case 0:
        return this.selector();
      case 1:
        return `${this.pick(['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'resets', 'changes', 'avg_over_time', 'sum_over_time', 'min_over_time', 'max_over_time', 'count_over_time', 'last_over_time', 'stddev_over_time', 'stdvar_over_time', 'present_over_time', 'absent_over_time'])}(${this.range()})`;
      case 2:
        return `quantile_over_time(${this.pick(['0', '0.5', '0.9', '1'])}, ${this.range()})`;
      case 3:
        return `${this.pick(['abs', 'ceil', 'floor', 'sqrt', 'sort', 'sort_desc', 'absent', 'round'])}(${this.vector(d)})`;
      case 4:
        return this.pick([`clamp(${this.vector(d)}, ${this.scalar(0)}, ${this.scalar(0)})`, `clamp_min(${this.vector(d)}, ${this.scalar(0)})`, `clamp_max(${this.vector(d)}, ${this.scalar(0)})`, `round(${this.vector(d)}, ${this.pick(['0.5', '2', '0.1'])})`]);
      case 5: {
        const op = this.pick(['sum', 'min', 'max', 'count', 'group']);
        const grouping = this.pick(['', ' by (a)', ' without (b)', ' by (a, b)', ' without (a)', ' by (le)']);
        return `${op}${grouping} (${this.vector(d)})`;
      }
      case 6: {
        const grouping = this.pick(['', ' by (a)', ' without (b)']);
        return `quantile${grouping} (${this.pick(['0.5', '0.25', '0.9', '0'])}, ${this.vector(d)})`;
      }
      case 7:
        return `count_values${this.pick(['', ' by (a)', ' without (b)'])} ("v", ${this.vector(d)})`;
      case 8: {
        const cmp = this.chance(0.4);
        const op = cmp ? this.pick(['>', '<', '==', '!=', '>=', '<=']) : this.pick(['+', '-', '*', '/', '%']);
        const bool = cmp && this.chance(0.5) ? ' bool' : '';
        const matching = this.pick(['', '', ' on (a)', ' ignoring (b)', ' on (a) group_left', ' on (a) group_right', ' ignoring (b) group_left (b)', ' on () group_left']);
        return `(${this.vector(d)} ${op}${bool}${matching} ${this.vector(d)})`;
      }
      case 9: {
        const cmp = this.chance(0.5);
        if (this.chance(0.2)) return `(${this.vector(d)} ^ ${this.pick(['2', '3', '-1', '0.5', '-0.5', '0'])})`;
        const op = cmp ? this.pick(['>', '<', '==', '>=']) : this.pick(['+', '-', '*', '/']);
        const bool = cmp && this.chance(0.5) ? ' bool' : '';
        return this.chance(0.5) ? `(${this.vector(d)} ${op}${bool} ${this.scalar(d)})` : `(${this.scalar(d)} ${op}${bool} ${this.vector(d)})`;
      }
      case 10:
        return `(${this.vector(d)} ${this.pick(['and', 'or', 'unless'])}${this.pick(['', '', ' on (a)', ' ignoring (b)'])} ${this.vector(d)})`;
      case 11:
        return this.pick([`timestamp(${this.selector()})`, `vector(${this.scalar(d)})`, `-${this.vector(d)}`, `timestamp(${this.vector(d)})`]);
      case 12:
        return this.pick([`label_replace(${this.vector(d)}, "c", "$1-x", "a", "(.*)")`, `label_join(${this.vector(d)}, "c", "-", "a", "b")`, `label_replace(${this.vector(d)}, "a", "", "a", "1")`]);
      default:
        return `histogram_quantile(${this.pick(['0.5', '0.9', '0.99', '0.1'])}, ${this.pick(['h_bucket', 'rate(h_bucket[5m])', 'sum by (le) (rate(h_bucket[5m]))', 'sum by (le, a) (h_bucket)'])})`;
    }
  }
}
