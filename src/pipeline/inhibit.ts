/**
 * Inhibition as Alertmanager's `inhibit.Inhibitor`: an alert matching a rule's target matchers is
 * muted while some firing alert matches the rule's source matchers and has the same values of the
 * rule's `equal` labels (absent on both counts as equal). An alert matching both sides cannot be
 * inhibited by alerts that also match both sides, so an alert never inhibits itself.
 * Fed with every alert the pipeline receives; resolved ones stop inhibiting. Time is an argument.
 */
import type { Labels } from '../rules/types.ts';
import { matchersMatch } from './matchers.ts';
import type { InhibitRule, PipelineAlert } from './types.ts';

/** Inhibitor keeps, per rule, the alerts that match its source side, indexed by their `equal` labels. */
export class Inhibitor {
  readonly #rules: readonly InhibitRule[];
  // Per rule: the values of its `equal` labels → the source alerts having them, by fingerprint.
  readonly #sources: Map<string, Map<string, PipelineAlert>>[];
  // Per rule: the bucket each source fingerprint sits in, to move it when its labels change.
  readonly #bucketOf: Map<string, string>[];

  constructor(rules: readonly InhibitRule[]) {
    this.#rules = rules;
    this.#sources = rules.map(() => new Map());
    this.#bucketOf = rules.map(() => new Map());
  }

  /** put records an alert (firing or resolved), replacing the previous version of the same fingerprint. */
  put(alert: PipelineAlert): void {
    this.#rules.forEach((rule, i) => {
      if (!matchersMatch(rule.sourceMatchers, alert.labels)) return;
      const key = equalKey(rule, alert.labels);
      const previous = this.#bucketOf[i]!.get(alert.fingerprint);
      if (previous !== undefined && previous !== key) this.#sources[i]!.get(previous)?.delete(alert.fingerprint);
      let bucket = this.#sources[i]!.get(key);
      if (bucket === undefined) this.#sources[i]!.set(key, (bucket = new Map()));
      bucket.set(alert.fingerprint, alert);
      this.#bucketOf[i]!.set(alert.fingerprint, key);
    });
  }

  /** gc forgets alerts resolved at `now`: they inhibit nothing any more. */
  gc(now: number): void {
    this.#sources.forEach((buckets, i) => {
      for (const [key, bucket] of buckets) {
        for (const [fp, a] of bucket) {
          if (a.endsAt > now) continue;
          bucket.delete(fp);
          this.#bucketOf[i]!.delete(fp);
        }
        if (bucket.size === 0) buckets.delete(key);
      }
    });
  }

  /** mutedBy returns the fingerprint of an alert inhibiting `labels` at `now`, or undefined. */
  mutedBy(labels: Labels, now: number): string | undefined {
    for (let i = 0; i < this.#rules.length; i++) {
      const rule = this.#rules[i]!;
      if (!matchersMatch(rule.targetMatchers, labels)) continue;
      const bucket = this.#sources[i]!.get(equalKey(rule, labels));
      if (bucket === undefined) continue;
      const twoSided = matchersMatch(rule.sourceMatchers, labels);
      for (const source of bucket.values()) {
        if (source.endsAt <= now) continue;
        if (twoSided && matchersMatch(rule.targetMatchers, source.labels)) continue;
        return source.fingerprint;
      }
    }
    return undefined;
  }

  /** mutes tells whether `labels` are inhibited at `now`. */
  mutes(labels: Labels, now: number): boolean {
    return this.mutedBy(labels, now) !== undefined;
  }
}

// equalKey is the values of the rule's `equal` labels ("" when absent, as Alertmanager compares them).
function equalKey(rule: InhibitRule, labels: Labels): string {
  return JSON.stringify(rule.equal.map((name) => labels[name] ?? ''));
}
