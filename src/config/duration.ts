/**
 * Prometheus duration syntax (`30s`, `5m`, `24h`, `7d`, `1h30m`, `500ms`, `2w`, `1y`): units
 * from largest to smallest, each at most once, as Prometheus' model.ParseDuration accepts them.
 */

const UNITS: ReadonlyArray<[string, number]> = [
  ['y', 365 * 24 * 3600_000],
  ['w', 7 * 24 * 3600_000],
  ['d', 24 * 3600_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** parseDuration returns milliseconds, or undefined when `text` is not a Prometheus duration. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const m = DURATION.exec(text);
  if (!m || text === '') return undefined;
  let ms = 0;
  for (let i = 0; i < UNITS.length; i++) {
    const n = m[i + 1];
    if (n !== undefined) ms += Number(n) * (UNITS[i] as [string, number])[1];
  }
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** durationProblem is the format check for config schemas. */
export function durationProblem(text: string): string | undefined {
  return parseDuration(text) === undefined ? `${JSON.stringify(text)} is not a duration (like 30s, 5m, 24h, 7d, 1h30m)` : undefined;
}

/** formatDuration writes milliseconds as a Prometheus duration, as Prometheus does (24h is `1d`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text;
}
