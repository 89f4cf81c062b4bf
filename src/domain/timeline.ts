import { phaseSpec } from './types.ts';
import type { Run } from './types.ts';

/**
 * A run's timeline as short text lines, for notifications (`.Timeline` in templates, the Slack
 * context block): one line per phase attempt in the order the phases ran, then the phases declared
 * but not started. Pure: `nowMs` comes in.
 *
 *   init success 12s
 *   planning running 4m10s of 5m budget
 *   testing failure 2m3s (attempt 1): http_503
 *   validation not started
 */

/** MAX_TIMELINE_LINES bounds a timeline: a run with hundreds of retries must not make a page unreadable. */
export const MAX_TIMELINE_LINES = 20;

/** timelineLines describes `run` at `nowMs`, at most MAX_TIMELINE_LINES lines (the last says how many were left out). */
export function timelineLines(run: Run, nowMs: number): string[] {
  const lines: string[] = [];
  for (const [name, attempts] of run.phases) {
    const budget = phaseSpec(run, name)?.budgetSeconds;
    for (const a of attempts) {
      const took = shortDuration(Math.max(0, (a.endMs ?? nowMs) - a.startMs));
      const attempt = attempts.length > 1 ? ` (attempt ${a.attempt})` : '';
      if (a.endMs === undefined) {
        lines.push(`${name} running ${took}${typeof budget === 'number' ? ` of ${shortDuration(budget * 1000)} budget` : ''}${attempt}`);
      } else {
        const error = a.error?.type ?? a.error?.message;
        lines.push(`${name} ${a.result ?? 'finished'} ${took}${attempt}${error ? `: ${error}` : ''}`);
      }
    }
  }
  for (const { name } of run.phaseSpecs) if (!run.phases.has(name)) lines.push(`${name} not started`);
  if (lines.length <= MAX_TIMELINE_LINES) return lines;
  const kept = lines.slice(0, MAX_TIMELINE_LINES - 1);
  kept.push(`… ${lines.length - kept.length} more`);
  return kept;
}

/** shortDuration writes ms as `4m10s`, `12s`, `1h2m`, `850ms`: the two largest units. */
export function shortDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  const parts: Array<[number, string]> = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join('');
}
