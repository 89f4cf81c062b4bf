import { phaseSpec } from '../domain/types.ts';
import type { Run } from '../domain/types.ts';

/**
 * Phase budgets a run gets without declaring them, by phase name, from workflow practice. A run
 * that declares `budgetSeconds` for a phase owns that phase's budget (and its `warnSeconds`); a
 * phase it did not declare a budget for, but whose name is in DEFAULT_PHASE_BUDGETS, gets the
 * default, so `runwarden_run_phase_budget` and the bundled budget alerts cover it too.
 */

/** PhaseBudget is the time budget of a phase: warn at `warnSeconds`, over budget past `budgetSeconds`. */
export interface PhaseBudget {
  warnSeconds?: number;
  budgetSeconds?: number;
}

/** DEFAULT_PHASE_BUDGETS are the budgets by (lower-case) phase name. */
export const DEFAULT_PHASE_BUDGETS: Readonly<Record<string, Required<PhaseBudget>>> = {
  init: { warnSeconds: 30, budgetSeconds: 45 },
  planning: { warnSeconds: 180, budgetSeconds: 300 },
  implementation: { warnSeconds: 1200, budgetSeconds: 1800 },
  testing: { warnSeconds: 1200, budgetSeconds: 1800 },
  validation: { warnSeconds: 300, budgetSeconds: 600 },
};

/** defaultPhaseBudget is the default budget for a phase name (case-insensitive), if there is one. */
export function defaultPhaseBudget(phase: string): Required<PhaseBudget> | undefined {
  const key = phase.toLowerCase();
  return Object.hasOwn(DEFAULT_PHASE_BUDGETS, key) ? DEFAULT_PHASE_BUDGETS[key] : undefined;
}

/**
 * effectivePhaseBudget is the budget that applies to `phase` of `run`: the declared one when the
 * run declared `budgetSeconds`, else the default for the phase name (a declared `warnSeconds`
 * still wins over the default's), else whatever was declared (possibly nothing). MUST stay pure
 * and cheap: the gauges call it for every running phase at every collection.
 */
export function effectivePhaseBudget(run: Run, phase: string): PhaseBudget {
  const spec = phaseSpec(run, phase);
  if (spec?.budgetSeconds !== undefined) return pick(spec.warnSeconds, spec.budgetSeconds);
  const fallback = defaultPhaseBudget(phase);
  if (fallback === undefined) return pick(spec?.warnSeconds, undefined);
  return pick(spec?.warnSeconds ?? fallback.warnSeconds, fallback.budgetSeconds);
}

function pick(warnSeconds: number | undefined, budgetSeconds: number | undefined): PhaseBudget {
  const out: PhaseBudget = {};
  if (warnSeconds !== undefined) out.warnSeconds = warnSeconds;
  if (budgetSeconds !== undefined) out.budgetSeconds = budgetSeconds;
  return out;
}
