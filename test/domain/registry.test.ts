import { describe, expect, it } from 'vitest';
import { RunRegistry } from '../../src/domain/registry.ts';
import type { Result, Run } from '../../src/domain/types.ts';

function finished(runId: string, workflow: string, result: Result, endMs: number): Run {
  return { runId, workflow, state: 'finished', result, endMs } as unknown as Run;
}

describe('RunRegistry.latestResult', () => {
  it('keeps the most recently finished run per workflow, by end time', () => {
    const r = new RunRegistry();
    expect(r.latestResult('etl')).toBeUndefined();
    r.put(finished('r1', 'etl', 'failure', 100));
    expect(r.latestResult('etl')).toEqual({ runId: 'r1', result: 'failure', endMs: 100 });
    r.put(finished('r2', 'etl', 'success', 200));
    expect(r.latestResult('etl')?.result).toBe('success');
    // A run that ended earlier but is reported later does not replace a newer one.
    r.put(finished('r0', 'etl', 'error', 50));
    expect(r.latestResult('etl')?.runId).toBe('r2');
    r.put(finished('b1', 'build', 'timeout', 10));
    expect(r.latestResult('build')?.result).toBe('timeout');
    expect(r.latestResult('etl')?.runId).toBe('r2');
  });

  it('outlives the bounded cache of finished runs', () => {
    const r = new RunRegistry(1);
    r.put(finished('r1', 'a', 'failure', 1));
    r.put(finished('r2', 'b', 'success', 2));
    expect(r.get('r1')).toBeUndefined();
    expect(r.latestResult('a')?.result).toBe('failure');
  });
});
