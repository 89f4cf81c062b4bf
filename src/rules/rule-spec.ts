/**
 * The rule model a rule file loads into: groups of alerting and recording rules, validated and
 * compiled (expressions and templates), ready to build `Group`s from. Plain data plus compiled
 * objects; nothing here evaluates.
 */
import type { Position } from '../errors.ts';
import type { CompiledExpr, CompiledTemplate, Labels } from './types.ts';

/**
 * AlertingRuleSpec is one `alert:` rule (or a shorthand rule, compiled). `labels` are the group's
 * labels with the rule's own over them, as written (they may hold templates), as Prometheus merges
 * them at load; `labelTemplates` and `annotationTemplates` hold the same texts compiled.
 */
export interface AlertingRuleSpec {
  readonly kind: 'alerting';
  /** The alert name: the `alertname` label of every alert of the rule. */
  readonly name: string;
  readonly expr: CompiledExpr;
  /** `for`: how long an alert stays pending before it fires; 0 fires at once. */
  readonly forMs: number;
  /** `keep_firing_for`: how long a firing alert keeps firing after its condition went away. */
  readonly keepFiringForMs: number;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly labelTemplates: ReadonlyMap<string, CompiledTemplate>;
  readonly annotationTemplates: ReadonlyMap<string, CompiledTemplate>;
  /** Where the rule is written, for messages; absent for rules built in code. */
  readonly position?: Position;
  /** For a shorthand rule, what the user wrote. */
  readonly shorthand?: ShorthandSource;
}

/** RecordingRuleSpec is one `record:` rule. Its labels are never templated. */
export interface RecordingRuleSpec {
  readonly kind: 'recording';
  /** The metric name the results are recorded under. */
  readonly name: string;
  readonly expr: CompiledExpr;
  /** The group's labels with the rule's own over them. */
  readonly labels: Labels;
  readonly position?: Position;
}

/** RuleSpec is either kind of rule. */
export type RuleSpec = AlertingRuleSpec | RecordingRuleSpec;

/** ShorthandSource is a shorthand rule as written: its condition and level. */
export interface ShorthandSource {
  readonly condition: string;
  readonly level: string;
}

/**
 * GroupSpec is one rule group. `intervalMs` and `queryOffsetMs` are undefined when the file does
 * not set them (the configured defaults apply); `limit` 0 means no limit, as in Prometheus.
 */
export interface GroupSpec {
  readonly name: string;
  /** The file as the user named it. */
  readonly file: string;
  readonly intervalMs: number | undefined;
  readonly queryOffsetMs: number | undefined;
  readonly limit: number;
  /** The group's own labels (already merged into each rule's). */
  readonly labels: Labels;
  readonly rules: readonly RuleSpec[];
  readonly position?: Position;
}

/** RuleFile is a loaded rule file. */
export interface RuleFile {
  readonly file: string;
  readonly groups: readonly GroupSpec[];
}

/**
 * RuleCompilers are what a rule file's expressions and templates are compiled with: the PromQL
 * engine and the template language. Injected so the loader can be tested alone; an error thrown
 * with a `position: {line, col}` (or an `offset`) inside the text is reported at that place in the
 * file.
 */
export interface RuleCompilers {
  compileExpr(text: string): CompiledExpr;
  compileTemplate(text: string, name: string): CompiledTemplate;
}
