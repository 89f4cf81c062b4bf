/**
 * The contracts between the parts of the rule engine: the PromQL evaluator (src/rules/promql/),
 * the sample store it reads (src/series/), the template language (src/rules/template/), alerting
 * and recording rules and their groups (src/rules/), and the promtool-compatible unit-test runner.
 * Change a contract here first, then its implementations.
 */

/** Labels of a series, `__name__` included when the series has a name. Never mutated once made. */
export type Labels = Readonly<Record<string, string>>;

/**
 * Point is one sample of a series: a time (epoch ms) and a value. A stale marker (the series
 * ended: it vanished from a scrape or from a rule's output, as Prometheus marks it) is a point with
 * `stale: true` and value NaN; ordinary points never carry the property. (Prometheus uses a NaN bit
 * pattern; JavaScript does not preserve NaN payloads, so the mark is explicit.)
 */
export interface Point {
  t: number;
  v: number;
  stale?: true;
}

/** Sample is one element of an instant vector: a series' labels and its value at the evaluation time. */
export interface Sample {
  labels: Labels;
  value: number;
}

/** RangeSeries is one element of a range vector (matrix): a series' labels and its points in the range. */
export interface RangeSeries {
  labels: Labels;
  points: Point[];
}

/** Value is what a PromQL expression evaluates to. */
export type Value =
  | { type: 'vector'; samples: Sample[] }
  | { type: 'scalar'; value: number }
  | { type: 'matrix'; series: RangeSeries[] }
  | { type: 'string'; value: string };

/** MatchType is a label matcher's operator. */
export type MatchType = '=' | '!=' | '=~' | '!~';

/** Matcher is one label matcher of a selector; `=~`/`!~` are fully anchored RE2-style regexps. */
export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
}

/**
 * SeriesSource is what the evaluator reads samples from. `select` returns every series matching
 * all matchers that has at least one point in [minT, maxT] (both inclusive: the evaluator applies
 * its own open/closed window rule), points sorted by time, stale markers included.
 */
export interface SeriesSource {
  select(matchers: readonly Matcher[], minT: number, maxT: number): Iterable<RangeSeries>;
}

/** PromQLCompat selects window semantics: 3 (default) opens range and look-back windows at their start; 2 closes them (promtool 2.42). */
export type PromQLCompat = 2 | 3;

/** EvalOptions are the engine settings an evaluation uses. */
export interface EvalOptions {
  compat: PromQLCompat;
  /** Look-back delta for instant selectors; Prometheus's default is 5 minutes. */
  lookbackDeltaMs: number;
  /**
   * Prometheus's per-query sample limit (`--query.max-samples`): a query that would hold more
   * samples at once fails. Unset: no limit (the sidecar's own engine). `runwarden rules test`
   * sets promtool's 10,000.
   */
  maxSamples?: number;
}

/** CompiledExpr is a parsed and checked PromQL expression, ready to evaluate at any time. */
export interface CompiledExpr {
  readonly text: string;
  /** evaluate runs the expression as an instant query at `atMs`. Throws PromQLEvalError on runtime errors (e.g. many-to-many matching). */
  evaluate(atMs: number, source: SeriesSource, options: EvalOptions): Value;
}

/** Position is a 1-based line and column inside a text (an expression, a template). */
export interface TextPosition {
  line: number;
  col: number;
}

/** TemplateData is what a rule's label and annotation templates see: `$labels`, `$value`, `$externalLabels`, `$externalURL`. */
export interface TemplateData {
  labels: Record<string, string>;
  value: number;
  externalLabels: Record<string, string>;
  externalURL: string;
}

/** CompiledTemplate renders a Prometheus template (Go text/template with Prometheus's functions). */
export interface CompiledTemplate {
  readonly text: string;
  /** render expands the template; throws TemplateError when execution fails. */
  render(data: TemplateData): string;
}
