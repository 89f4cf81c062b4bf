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
  readonly #outputLabels = new WeakMap<Labels, { labels: Labels; key: string }>();
  /**
   * Output keys by the evaluation that last produced them, to find duplicates. Kept from one
   * evaluation to the next and stamped, not cleared: a cleared set is rebuilt (and its table
   * grown again) every tick. Keys not produced lately are pruned when they outnumber the live ones.
   */
  readonly #seen = new Map<string, number>();
  /** Counts evaluations: the stamp of #seen entries. */
  #evaluation = 0;

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
    const stamp = ++this.#evaluation;
    for (const s of result) {
      let output = this.#outputLabels.get(s.labels);
      if (output === undefined) {
        const labels = makeLabels([...Object.entries(s.labels), [METRIC_NAME_LABEL, this.spec.name], ...Object.entries(this.spec.labels)]);
        output = { labels, key: labelsKey(labels) };
        this.#outputLabels.set(s.labels, output);
      }
      if (seen.get(output.key) === stamp) throw new RuleEvalError('vector contains metrics with the same labelset after applying rule labels');
      seen.set(output.key, stamp);
      samples.push({ labels: output.labels, value: s.value });
    }
    if (seen.size > 2 * result.length + 16) for (const [key, at] of seen) if (at !== stamp) seen.delete(key);
    if (ctx.limit > 0 && samples.length > ctx.limit) {
      throw new RuleEvalError(`exceeded limit of ${ctx.limit} with ${samples.length} series`);
    }
    return samples;
  }
}
