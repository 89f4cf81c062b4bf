/**
 * Pure text formatting shared by the read-only CLI commands (`runs`, `status`, `summary`):
 * durations, times, percentages, progress bars, result marks, aligned tables and colour. No I/O;
 * colour is a flag the caller decides (stdout is a TTY and NO_COLOR is unset).
 */

/** Colour names the CLI uses; each maps to one ANSI SGR code. */
export type Colour = 'green' | 'red' | 'yellow' | 'cyan' | 'dim' | 'bold';

const SGR: Record<Colour, string> = { green: '32', red: '31', yellow: '33', cyan: '36', dim: '2', bold: '1' };

/** Paint colours text when `enabled`, and returns it unchanged otherwise. */
export type Paint = (text: string, colour: Colour) => string;

/** painter returns the Paint for a stream: ANSI colours when `enabled`, plain text otherwise. */
export function painter(enabled: boolean): Paint {
  return enabled ? (text, colour) => `\u001b[${SGR[colour]}m${text}\u001b[0m` : (text) => text;
}

/** useColour tells whether to colour output: only on a terminal, and never when NO_COLOR is set. */
export function useColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** visibleLength is the length of text as a terminal shows it: ANSI colour codes take no room. */
export function visibleLength(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** padEnd pads to `width` visible characters. */
export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

/** padStart pads on the left to `width` visible characters. */
export function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleLength(text))) + text;
}

/** formatSeconds renders seconds as `850ms`, `12.3s`, `4m05s`, `2h03m` (as `exec` does); null is `-`. */
export function formatSeconds(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? '-' : formatDuration(seconds * 1000);
}

/** formatTime renders an ISO time as `2026-01-02 03:04:05Z` (UTC, to the second); null is `-`. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

/** formatPercent renders a 0..1 ratio as `83.3%`; null is `-`. */
export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  return ratio === null || ratio === undefined ? '-' : `${(ratio * 100).toFixed(digits)}%`;
}

/** progressBar draws a 0..1 ratio as `[#########-----------]`, `width` cells inside the brackets. */
export function progressBar(ratio: number, width = 20): string {
  const clamped = Math.min(1, Math.max(0, ratio));
  const filled = Math.floor(clamped * width + 1e-9);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** Progress is what a run reports about how far it got (the view's `progressDetail`). */
export interface Progress {
  ratio: number | null;
  done: number | null;
  total: number | null;
  message: string | null;
}

/**
 * progressLine renders progress as `[#########-----------] 45% 450/1000 rows`: the bar and
 * percentage from the ratio (or from done/total when only those came), then done/total and the
 * message when given. Undefined when the run reported nothing to draw.
 */
export function progressLine(p: Progress, width = 20): string | undefined {
  const ratio = p.ratio ?? (p.done !== null && p.total !== null && p.total > 0 ? p.done / p.total : null);
  const parts: string[] = [];
  if (ratio !== null) parts.push(progressBar(ratio, width), `${Math.floor(Math.min(1, Math.max(0, ratio)) * 100 + 1e-9)}%`);
  if (p.done !== null) parts.push(p.total === null ? String(p.done) : `${p.done}/${p.total}`);
  if (p.message !== null && p.message !== '') parts.push(p.message);
  return parts.length === 0 ? undefined : parts.join(' ');
}

/** FAILING are the results drawn as a failure. */
const FAILING = new Set(['failure', 'error', 'timeout']);

/**
 * mark is the one-character sign of a result or state: ✓ success, ✗ failure/error/timeout,
 * ⊘ cancellation, ↷ skip, ▶ running (or any active state), ○ not started.
 */
export function mark(resultOrState: string | null, paint: Paint): string {
  if (resultOrState === 'success') return paint('✓', 'green');
  if (resultOrState !== null && FAILING.has(resultOrState)) return paint('✗', 'red');
  if (resultOrState === 'cancellation') return paint('⊘', 'yellow');
  if (resultOrState === 'skip') return paint('↷', 'dim');
  if (resultOrState === 'not_started' || resultOrState === null) return paint('○', 'dim');
  return paint('▶', 'cyan');
}

/** paintResult colours a result or state word the way its mark is coloured. */
export function paintResult(word: string, paint: Paint): string {
  if (word === 'success') return paint(word, 'green');
  if (FAILING.has(word)) return paint(word, 'red');
  if (word === 'cancellation') return paint(word, 'yellow');
  return word;
}

/**
 * table aligns rows under a header, columns two spaces apart, each left-aligned unless its index
 * is in `right`. Cells may carry colour: widths count what a terminal shows.
 */
export function table(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => visibleLength(r[i] ?? ''))));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (right.has(i) ? padStart(cell, widths[i] as number) : i === r.length - 1 ? cell : padEnd(cell, widths[i] as number)))
      .join('  ')
      .trimEnd();
  return all.map(line).join('\n') + '\n';
}

/** formatDuration renders milliseconds for humans: `850ms`, `12.3s`, `4m05s`, `2h03m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m${pad(totalSeconds % 60)}s`;
  return `${Math.floor(totalSeconds / 3600)}h${pad(Math.floor(totalSeconds / 60) % 60)}m`;
}
