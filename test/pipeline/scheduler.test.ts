/**
 * The real scheduler behind group timers: a callback due now runs on a later turn, a cancelled
 * one never runs, and the timers do not hold the process open.
 */
import { describe, expect, it } from 'vitest';
import { timerScheduler } from '../../src/pipeline/scheduler.ts';

describe('timerScheduler', () => {
  it('runs what is due, in time order, and not what was cancelled', async () => {
    const s = timerScheduler(Date.now);
    const ran: string[] = [];
    const done = new Promise<void>((resolve) => {
      s.schedule(Date.now() + 20, () => {
        ran.push('later');
        resolve();
      });
    });
    s.schedule(Date.now() - 1000, () => ran.push('overdue'));
    const cancel = s.schedule(Date.now() + 5, () => ran.push('cancelled'));
    cancel();
    expect(ran).toEqual([]);
    await done;
    expect(ran).toEqual(['overdue', 'later']);
  });

  it('waits for a time beyond what one setTimeout can hold, instead of running at once', async () => {
    const s = timerScheduler(Date.now);
    const ran: string[] = [];
    const cancel = s.schedule(Date.now() + 30 * 24 * 3_600_000, () => ran.push('in a month'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ran).toEqual([]);
    cancel();
  });
});
