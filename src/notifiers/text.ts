/**
 * Text limits of receivers (Slack's 150-character header, PagerDuty's 1024-character summary):
 * cut between code points, never inside a surrogate pair, ending with `…` as Alertmanager's
 * `TruncateInRunes` does. Limits count code points (`runes`, as Alertmanager) or UTF-16 units
 * (`utf16`, the stricter count, for receivers that do not say how they count).
 */

/** TextMeasure says how a limit counts characters. */
export type TextMeasure = 'runes' | 'utf16';

function width(ch: string, measure: TextMeasure): number {
  return measure === 'runes' ? 1 : ch.length;
}

/** textLength is a text's length as `measure` counts it. */
export function textLength(text: string, measure: TextMeasure): number {
  return measure === 'utf16' ? text.length : [...text].length;
}

/** truncateText keeps at most `max` characters; a cut text ends with `…` (counted). */
export function truncateText(text: string, max: number, measure: TextMeasure): { text: string; truncated: boolean } {
  if (textLength(text, measure) <= max) return { text, truncated: false };
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = width(ch, measure);
    if (used + w > max - 1) break;
    out += ch;
    used += w;
  }
  return { text: `${out}…`, truncated: true };
}

/** splitText cuts a text into pieces of at most `max` characters, preferring to break after a newline. */
export function splitText(text: string, max: number, measure: TextMeasure): string[] {
  const pieces: string[] = [];
  let piece = '';
  let used = 0;
  let lastNl = -1;
  for (const ch of text) {
    const w = width(ch, measure);
    if (used + w > max) {
      // Break after the last newline when it keeps at least half the piece; else mid-line.
      const cut = lastNl >= 0 && lastNl + 1 >= piece.length / 2 ? lastNl + 1 : piece.length;
      pieces.push(piece.slice(0, cut));
      piece = piece.slice(cut);
      used = textLength(piece, measure);
      lastNl = piece.lastIndexOf('\n');
    }
    piece += ch;
    used += w;
    if (ch === '\n') lastNl = piece.length - 1;
  }
  if (piece.length > 0 || pieces.length === 0) pieces.push(piece);
  return pieces;
}
