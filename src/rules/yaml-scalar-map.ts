/**
 * Where a character of a YAML scalar's value sits in the file. An expression or a template is a
 * scalar's *value*; the value differs from the file text by quoting, escapes, indentation and line
 * folding, so a problem at column 12 of an expression is seldom at `column 12 + start` of the file.
 * `scalarOffsets` rebuilds the value from the source text, keeping the file offset of each
 * character, for all five scalar styles (plain, single- and double-quoted, literal `|`, folded `>`).
 *
 * The rebuilt value is checked against the value the YAML parser produced; when they differ (a
 * construct this module does not model, such as an explicit indentation indicator) the answer is
 * undefined and callers fall back to the scalar's start. A position is then coarse, never wrong.
 */
import { Scalar } from 'yaml';

// Piece is one character of the rebuilt value and its offset in the file. `ws` marks literal
// whitespace that a following line break may trim away (escaped whitespace is content).
interface Piece {
  ch: string;
  at: number;
  ws: boolean;
}

/**
 * scalarOffsets returns, for each UTF-16 index of the value of `node` (a scalar parsed from
 * `text`), the offset of that character in `text`, plus one last entry for the end of the value.
 * undefined when the value cannot be mapped (see the module comment).
 */
export function scalarOffsets(text: string, node: Scalar): number[] | undefined {
  const range = node.range;
  if (!range) return undefined;
  const value = typeof node.source === 'string' ? node.source : typeof node.value === 'string' ? node.value : undefined;
  if (value === undefined) return undefined;
  const [start, end] = range;
  const isBlock = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
  let pieces: Piece[] | undefined;
  switch (node.type) {
    case Scalar.PLAIN:
      pieces = flow(text, start, end, 'plain');
      break;
    case Scalar.QUOTE_SINGLE:
      pieces = flow(text, start + 1, end - 1, 'single');
      break;
    case Scalar.QUOTE_DOUBLE:
      pieces = flow(text, start + 1, end - 1, 'double');
      break;
    case Scalar.BLOCK_LITERAL:
    case Scalar.BLOCK_FOLDED:
      pieces = block(text, start, end, node.type === Scalar.BLOCK_FOLDED);
      break;
    default:
      return undefined;
  }
  if (pieces === undefined) return undefined;
  const rebuilt = pieces.map((p) => p.ch).join('');
  // Block scalars: chomping keeps a prefix of what `block` builds (every line with its newline).
  if (isBlock ? !rebuilt.startsWith(value) : rebuilt !== value) return undefined;
  const offsets = pieces.slice(0, value.length).map((p) => p.at);
  const last = pieces[value.length - 1];
  offsets.push(last === undefined ? start : last.at + 1);
  return offsets;
}

/**
 * indexOfPosition turns a 1-based line and column inside `value` into a 0-based index, clamped to
 * `[0, value.length]`.
 */
export function indexOfPosition(value: string, line: number, col: number): number {
  let index = 0;
  for (let l = 1; l < line; l++) {
    const nl = value.indexOf('\n', index);
    if (nl === -1) return value.length;
    index = nl + 1;
  }
  return Math.min(Math.max(index + col - 1, 0), value.length);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

// flow rebuilds a plain or quoted scalar between `from` and `to`: a line break folds to a space,
// n breaks to n-1 newlines, and the whitespace around breaks is dropped.
function flow(text: string, from: number, to: number, style: 'plain' | 'single' | 'double'): Piece[] | undefined {
  const out: Piece[] = [];
  let i = from;
  while (i < to) {
    const c = text[i] as string;
    if (c === '\n' || c === '\r') {
      while (out.length > 0 && (out.at(-1) as Piece).ws) out.pop();
      const breakAt = i;
      let breaks = 0;
      // Count the line breaks (empty lines) and skip the indentation before the next content.
      while (i < to && /[ \t\r\n]/.test(text[i] as string)) {
        if (text[i] === '\n') breaks++;
        i++;
      }
      if (breaks === 1) out.push({ ch: ' ', at: breakAt, ws: false });
      else for (let b = 1; b < breaks; b++) out.push({ ch: '\n', at: breakAt, ws: false });
      continue;
    }
    if (style === 'single' && c === "'" && text[i + 1] === "'") {
      out.push({ ch: "'", at: i, ws: false });
      i += 2;
      continue;
    }
    if (style === 'double' && c === '\\') {
      const n = escape(text, i, to, out);
      if (n === undefined) return undefined;
      i = n;
      continue;
    }
    out.push({ ch: c, at: i, ws: c === ' ' || c === '\t' });
    i++;
  }
  return out;
}

// escape reads the double-quoted escape at `i` into `out` and returns where the text goes on.
function escape(text: string, i: number, to: number, out: Piece[]): number | undefined {
  const e = text[i + 1];
  if (e === '\n' || e === '\r') {
    // An escaped line break joins the lines with nothing between them; each empty line after it
    // still gives a newline.
    let j = i + 1;
    let escaped = true;
    while (j < to && /[ \t\r\n]/.test(text[j] as string)) {
      if (text[j] === '\n') {
        if (!escaped) out.push({ ch: '\n', at: j, ws: false });
        escaped = false;
      }
      j++;
    }
    return j;
  }
  if (e !== undefined && SIMPLE_ESCAPES[e] !== undefined) {
    out.push({ ch: SIMPLE_ESCAPES[e] as string, at: i, ws: false });
    return i + 2;
  }
  const n = e === undefined ? undefined : HEX_ESCAPES[e];
  if (n === undefined) return undefined;
  const hex = text.slice(i + 2, i + 2 + n);
  if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
  const code = parseInt(hex, 16);
  if (code > 0x10ffff) return undefined;
  for (const ch of String.fromCodePoint(code)) out.push({ ch, at: i, ws: false });
  return i + 2 + n;
}

// block rebuilds a literal or folded block scalar whose header starts at `from`. Every content
// line ends with a newline here; chomping only ever drops a tail, which the caller allows for.
function block(text: string, from: number, to: number, folded: boolean): Piece[] | undefined {
  const headerEnd = text.indexOf('\n', from);
  if (headerEnd === -1 || headerEnd >= to) return [];
  const header = text.slice(from + 1, headerEnd).replace(/\s+#.*$/, '').trim();
  if (/\d/.test(header)) return undefined; // explicit indentation: relative to the parent, unknown here
  const lines: Array<{ at: number; text: string }> = [];
  for (let at = headerEnd + 1; at < to; ) {
    const nl = text.indexOf('\n', at);
    const stop = nl === -1 || nl > to ? to : nl;
    lines.push({ at, text: text.slice(at, stop).replace(/\r$/, '') });
    at = stop + 1;
  }
  // The first line with more than spaces sets the indentation; a blank line is spaces only, no
  // deeper than that (deeper spaces, or a tab, are content).
  const first = lines.find((l) => !/^ *$/.test(l.text));
  const indent = first === undefined ? 0 : (/^ */.exec(first.text) as RegExpExecArray)[0].length;

  const out: Piece[] = [];
  const newline = (at: number): void => {
    out.push({ ch: '\n', at, ws: false });
  };
  if (first === undefined) {
    for (const l of lines) newline(l.at);
    return out;
  }
  let previousFoldable = false; // the last content line was a "normal" (not more-indented) line
  let pendingBlanks: number[] = [];
  let seenContent = false;
  for (const l of lines) {
    if (/^ *$/.test(l.text) && l.text.length <= indent) {
      pendingBlanks.push(l.at);
      continue;
    }
    const content = l.text.slice(indent);
    const foldable = folded && !/^[ \t]/.test(content);
    if (seenContent) {
      const breakAt = (out.at(-1) as Piece).at + 1;
      if (folded && previousFoldable && foldable) {
        if (pendingBlanks.length === 0) out.push({ ch: ' ', at: breakAt, ws: false });
        else for (const at of pendingBlanks) newline(at);
      } else {
        newline(breakAt);
        for (const at of pendingBlanks) newline(at);
      }
    } else {
      for (const at of pendingBlanks) newline(at);
    }
    pendingBlanks = [];
    for (let k = 0; k < content.length; k++) out.push({ ch: content[k] as string, at: l.at + indent + k, ws: false });
    previousFoldable = foldable;
    seenContent = true;
  }
  newline((out.at(-1) as Piece).at + 1);
  for (const at of pendingBlanks) newline(at);
  return out;
}
