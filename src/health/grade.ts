import type { Check, CheckOutcome, CheckStatus } from './types.ts';

/** MAX_RECOMMENDATIONS caps the recommendations one check gives (worst offenders first). */
export const MAX_RECOMMENDATIONS = 5;

/** pct formats a ratio as a whole percentage: 1.3 → "130%". */
export function pct(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

/** secs formats seconds for a sentence: "45 s", "6 min 40 s", "2 h 5 min". */
export function secs(s: number): string {
  const t = Math.round(s);
  if (t < 60) return `${t} s`;
  if (t < 3600) return t % 60 === 0 ? `${t / 60} min` : `${Math.floor(t / 60)} min ${t % 60} s`;
  const m = Math.round((t % 3600) / 60);
  return m === 0 ? `${Math.floor(t / 3600)} h` : `${Math.floor(t / 3600)} h ${m} min`;
}

/** worse is the graver of two statuses. */
export function worse(a: CheckStatus, b: CheckStatus): CheckStatus {
  const rank = { pass: 0, warn: 1, fail: 2 } as const;
  return rank[a] >= rank[b] ? a : b;
}

/** Offender is one subject a check found over a threshold. */
export interface Offender {
  status: CheckStatus;
  value: number;
  threshold: number;
  message: string;
  recommendation: string;
}

/**
 * outcome turns a check's offenders into its result: the worst offender sets status, observed,
 * threshold and message (with a count of the others); each offender, worst first, gives a
 * recommendation. No offender: a pass with `passMessage`, `observed` the worst value seen.
 */
export function outcome(name: string, offenders: Offender[], pass: { observed: number | null; threshold: number; message: string }, higherIsWorse = true): CheckOutcome {
  if (offenders.length === 0) return { check: { name, status: 'pass', observed: pass.observed, threshold: pass.threshold, message: pass.message }, recommendations: [] };
  const sign = higherIsWorse ? 1 : -1;
  const sorted = [...offenders].sort((a, b) => (a.status === b.status ? sign * (b.value - a.value) : a.status === worse(a.status, b.status) ? -1 : 1));
  const top = sorted[0] as Offender;
  const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more)` : '';
  const check: Check = { name, status: top.status, observed: top.value, threshold: top.threshold, message: top.message + more };
  return { check, recommendations: sorted.slice(0, MAX_RECOMMENDATIONS).map((o) => o.recommendation) };
}
