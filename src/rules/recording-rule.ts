/**
 * RecordingRule: evaluates its expression and names the result (Prometheus's
 * `rules/recording.go`): each sample keeps its labels, `__name__` becomes the record name, and the
 * rule's labels are set over them. The group writes the samples and marks the series that
 * vanished since the last evaluation stale.
 */
import { METRIC_NAME_LABEL, labelsKey, makeLabels } from './label-set.ts';
import { RuleEvalError, initialStatus, instantVector } from './rule.ts';
import type { EvalContext, Rule, RuleStatus } from './rule.ts';
import type { RecordingRuleSpec } from './rule-spec.ts';
import type { Labels, Sample } from './types.ts';

/** RecordingRule is one recording rule. */
export class RecordingRule implements Rule {
  readonly kind = 'recording';
  readonly spec: RecordingRuleSpec;
  status: RuleStatus = initialStatus();
  /**
   * Output label sets by input label set. The evaluator hands out the same label objects from
   * one evaluation to the next (series, aggregation groups), so the recorded series keep theirs
   * too and the store finds them by identity instead of by key.
   */
  readonly #outputLabels = new WeakMap<Labels, Labels>();
  /** The output keys of one evaluation, to find duplicates: one set reused by every evaluation. */
  readonly #seen = new Set<string>();

  constructor(spec: RecordingRuleSpec) {
    this.spec = spec;
  }

  get name(): string {
    return this.spec.name;
  }

  get labels(): Labels {
    return this.spec.labels;
  }

  get query(): string {
    return this.spec.expr.text;
  }

  /**
   * eval returns the samples to record. Throws when two samples end up with the same labels or
   * when there are more than `ctx.limit` of them (then nothing is recorded).
   */
  eval(now: number, ctx: EvalContext): Sample[] {
    const result = instantVector(this.spec.expr.evaluate(now - ctx.queryOffsetMs, ctx.source, ctx.options));
    const samples: Sample[] = [];
    const seen = this.#seen;
    seen.clear();
    for (const s of result) {
      let labels = this.#outputLabels.get(s.labels);
      if (labels === undefined) {
        labels = makeLabels([...Object.entries(s.labels), [METRIC_NAME_LABEL, this.spec.name], ...Object.entries(this.spec.labels)]);
        this.#outputLabels.set(s.labels, labels);
      }
      const key = labelsKey(labels);
      if (seen.has(key)) throw new RuleEvalError('vector contains metrics with the same labelset after applying rule labels');
      seen.add(key);
      samples.push({ labels, value: s.value });
    }
    if (ctx.limit > 0 && samples.length > ctx.limit) {
      throw new RuleEvalError(`exceeded limit of ${ctx.limit} with ${samples.length} series`);
    }
    return samples;
  }
}
