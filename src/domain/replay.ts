import { transition } from './transition.ts';
import type { Effect } from './transition.ts';
import type { Run, RunEvent } from './types.ts';

/**
 * replay rebuilds a run from its logged events, in order: the projection the live state must
 * equal. Logged events were all applied once, so none is refused; `onEffects` sees what each made.
 */
export function replay(
  events: Iterable<{ seq: number; event: RunEvent }>,
  onEffects?: (effects: Effect[], seq: number) => void,
): Run | undefined {
  let run: Run | undefined;
  for (const { seq, event } of events) {
    const t = transition(run, event);
    run = t.run;
    if (onEffects && t.effects.length > 0) onEffects(t.effects, seq);
  }
  return run;
}
