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

/** Inhibitor keeps, per rule, the alerts that match its source side. */
export class Inhibitor {
  readonly #rules: readonly InhibitRule[];
  readonly #sources: Map<string, PipelineAlert>[];

  constructor(rules: readonly InhibitRule[]) {
    this.#rules = rules;
    this.#sources = rules.map(() => new Map());
  }

  /** put records an alert (firing or resolved), replacing the previous version of the same fingerprint. */
  put(alert: PipelineAlert): void {
    this.#rules.forEach((rule, i) => {
      if (matchersMatch(rule.sourceMatchers, alert.labels)) this.#sources[i]!.set(alert.fingerprint, alert);
    });
  }

  /** gc forgets alerts resolved at `now`: they inhibit nothing any more. */
  gc(now: number): void {
    for (const cache of this.#sources) for (const [fp, a] of cache) if (a.endsAt <= now) cache.delete(fp);
  }

  /** mutedBy returns the fingerprint of an alert inhibiting `labels` at `now`, or undefined. */
  mutedBy(labels: Labels, now: number): string | undefined {
    for (let i = 0; i < this.#rules.length; i++) {
      const rule = this.#rules[i]!;
      if (!matchersMatch(rule.targetMatchers, labels)) continue;
      const twoSided = matchersMatch(rule.sourceMatchers, labels);
      for (const source of this.#sources[i]!.values()) {
        if (source.endsAt <= now) continue;
        if (!rule.equal.every((name) => (source.labels[name] ?? '') === (labels[name] ?? ''))) continue;
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
