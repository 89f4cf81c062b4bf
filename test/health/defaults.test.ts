import { describe, expect, it } from 'vitest';
import { effectivePhaseBudget } from '../../src/health/defaults.ts';
import type { PhaseSpec, Run } from '../../src/domain/types.ts';

function run(phaseSpecs: PhaseSpec[]): Run {
  return { phaseSpecs } as unknown as Run;
}

describe('effectivePhaseBudget', () => {
  it.each([
    ['undeclared known phase: the default', [], 'testing', { warnSeconds: 1200, budgetSeconds: 1800 }],
    ['case-insensitive phase name', [], 'Init', { warnSeconds: 30, budgetSeconds: 45 }],
    ['each default', [], 'planning', { warnSeconds: 180, budgetSeconds: 300 }],
    ['validation', [], 'validation', { warnSeconds: 300, budgetSeconds: 600 }],
    ['implementation', [], 'implementation', { warnSeconds: 1200, budgetSeconds: 1800 }],
    ['declared budget wins, with its own warn (none)', [{ name: 'testing', budgetSeconds: 600 }], 'testing', { budgetSeconds: 600 }],
    ['declared budget and warn', [{ name: 'testing', budgetSeconds: 600, warnSeconds: 400 }], 'testing', { warnSeconds: 400, budgetSeconds: 600 }],
    ['declared warn only: the default budget, the declared warn', [{ name: 'init', warnSeconds: 20 }], 'init', { warnSeconds: 20, budgetSeconds: 45 }],
    ['declared without budget, unknown name', [{ name: 'extract' }], 'extract', {}],
    ['unknown, undeclared', [], 'load', {}],
  ] as const)('%s', (_name, specs, phase, want) => {
    expect(effectivePhaseBudget(run([...specs]), phase)).toEqual(want);
  });
});
