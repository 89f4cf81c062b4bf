/**
 * Text limits of receivers (Slack's 150-character header, PagerDuty's 1024-character summary):
 * cut by code points, never inside a surrogate pair, ending with `…` as Alertmanager's
 * `TruncateInRunes` does.
 */

/** truncateRunes keeps at most `max` code points; a cut text ends with `…` (counted). */
export function truncateRunes(text: string, max: number): { text: string; truncated: boolean } {
  const runes = [...text];
  if (runes.length <= max) return { text, truncated: false };
  return { text: `${runes.slice(0, Math.max(0, max - 1)).join('')}…`, truncated: true };
}

/** splitRunes cuts a text into pieces of at most `max` code points, preferring to break after a newline. */
export function splitRunes(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = [...text];
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const nl = window.lastIndexOf('\n');
    const cut = nl > max / 2 ? nl + 1 : max;
    pieces.push(rest.slice(0, cut).join(''));
    rest = rest.slice(cut);
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest.join(''));
  return pieces;
}
