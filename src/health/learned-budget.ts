import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { percentile } from '../store/run-history.ts';
import { defaultPhaseBudget } from './defaults.ts';

/**
 * Learned phase budgets (`budgetSeconds: "auto"`): the p95 of the phase's last successful
 * durations in the same workflow, times a factor, capped; the phase's default budget (or none)
 * until there is enough history to learn from.
 */

/** LEARNING is how budgets are learned. */
export const LEARNING = {
  /** How many recent successful attempts to learn from. */
  samples: 50,
  /** Fewer than this and the default budget applies. */
  minSamples: 5,
  /** Headroom over the p95. */
  factor: 1.5,
  /** No learned budget exceeds this (s). */
  capSeconds: 4 * 3600,
} as const;

/** LearnedBudgets reads phase durations from the run index. Statements are prepared once. */
export class LearnedBudgets {
  readonly #recent: StatementSync;

  constructor(db: DatabaseSync) {
    // Finished runs keep their timeline (`view`); successful attempts of the phase, newest runs first.
    this.#recent = db.prepare(`
      SELECT json_extract(a.value, '$.durationSeconds') AS seconds
      FROM runs, json_each(runs.view, '$.phases') AS p, json_each(p.value, '$.attempts') AS a
      WHERE runs.workflow = ? AND runs.state = 'finished'
        AND json_extract(p.value, '$.name') = ? AND json_extract(a.value, '$.result') = 'success'
      ORDER BY runs.end_ms DESC
      LIMIT ?`);
  }

  /** budget returns the learned budget in seconds, or the phase's default, or undefined. */
  budget(workflow: string, phase: string): number | undefined {
    const rows = this.#recent.all(workflow, phase, LEARNING.samples) as { seconds: number | null }[];
    const seconds = rows.map((r) => r.seconds).filter((s): s is number => typeof s === 'number').sort((a, b) => a - b);
    if (seconds.length < LEARNING.minSamples) return defaultPhaseBudget(phase)?.budgetSeconds;
    const p95 = percentile(seconds, 95) as number;
    // A budget is at least a second: a phase that always takes milliseconds must not read as over budget at once.
    return Math.min(LEARNING.capSeconds, Math.max(1, Math.round(p95 * LEARNING.factor * 1000) / 1000));
  }
}
