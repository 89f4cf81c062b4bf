/**
 * What alerting and recording rules have in common: how a group evaluates them, and the health
 * they report (Prometheus's `Rule` interface and `/api/v1/rules` fields).
 */
import { RuleEvalError } from '../errors.ts';
import type { EvalOptions, Sample, SeriesSource, Value } from './types.ts';

/** RuleHealth is Prometheus's: `unknown` until first evaluated, then `ok` or `err`. */
export type RuleHealth = 'unknown' | 'ok' | 'err';

/** RuleStatus is a rule's health after its last evaluation. Times in epoch ms. */
export interface RuleStatus {
  health: RuleHealth;
  /** The last evaluation's error message; undefined when it succeeded. */
  lastError: string | undefined;
  /** The evaluation timestamp of the last evaluation; undefined before the first. */
  lastEvaluation: number | undefined;
  /** How long the last evaluation took, in milliseconds. */
  evaluationTimeMs: number;
}

/** EvalContext is what one evaluation of a rule needs besides the time. */
export interface EvalContext {
  source: SeriesSource;
  options: EvalOptions;
  /** The group's query offset: expressions are evaluated at `now - queryOffsetMs`. */
  queryOffsetMs: number;
  /** The group's limit: 0 (or less) means none. */
  limit: number;
}

/** Rule is an alerting or a recording rule as a group drives it. */
export interface Rule {
  readonly kind: 'alerting' | 'recording';
  readonly name: string;
  /** The rule's labels (group labels merged in), as written. */
  readonly labels: Readonly<Record<string, string>>;
  readonly query: string;
  /** The group sets it after each evaluation. */
  status: RuleStatus;
  /**
   * eval evaluates the rule at `now` and returns the samples to record, all at
   * `now - queryOffsetMs`, `__name__` included. Throws (a RuleEvalError, or the engine's error)
   * when the evaluation fails; the rule's state is then as before, except where Prometheus
   * clears it (an alerting rule over its limit).
   */
  eval(now: number, ctx: EvalContext): Sample[];
}

/** initialStatus is the status of a rule never evaluated. */
export function initialStatus(): RuleStatus {
  return { health: 'unknown', lastError: undefined, lastEvaluation: undefined, evaluationTimeMs: 0 };
}

/** RuleEvalError is defined in the registry (src/errors.ts); re-exported for the rule modules. */
export { RuleEvalError };

/**
 * instantVector turns an expression's value into the vector a rule works on, as Prometheus's
 * `EngineQueryFunc`: a scalar becomes one sample without labels; a matrix or string is an error.
 */
export function instantVector(value: Value): Sample[] {
  switch (value.type) {
    case 'vector':
      return value.samples;
    case 'scalar':
      return [{ labels: {}, value: value.value }];
    default:
      throw new RuleEvalError('rule result is not a vector or scalar');
  }
}
