/**
 * JSON as Go's `json.NewEncoder(w).Encode(v)` writes it, which is what Alertmanager and
 * Prometheus send: `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c`…, map keys sorted, times
 * as RFC 3339 with the fraction's trailing zeros dropped, and a final newline.
 */
import { compareCodePoints } from '../rules/template/values.ts';

/** GO_ZERO_TIME is how Go marshals the zero time.Time (an alert with no end). */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** goTime is a time.Time in UTC as Go marshals it (RFC3339Nano): `2026-11-23T14:05:06.78Z`; 0 is the zero time. */
export function goTime(ms: number): string {
  if (ms === 0) return GO_ZERO_TIME;
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac === '' ? 'Z' : `.${frac}Z`));
}

/** sortedRecord copies a string map with its keys in Go's order (as encoding/json writes maps). */
export function sortedRecord(rec: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(rec).sort(compareCodePoints)) out[k] = rec[k] as string;
  return out;
}

/**
 * goJson encodes a value built with keys already in the wanted order (use sortedRecord for maps)
 * the way Go's json Encoder does, newline included.
 */
export function goJson(value: unknown): string {
  return `${JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
