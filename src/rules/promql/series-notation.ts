/**
 * promtool's series notation for unit tests (`input_series`), as Prometheus 2.42's lexer and
 * parser read it: the series selector `metric{label="value"}` and the values
 * `0+1x10 _ 3 stale _x2 -2+4x3 1.5e3 Inf`. Rules: `a+bxn` and `a-bxn` give n+1 values (a, a+b, …,
 * accumulated by repeated addition as promtool does); `axn` gives n+1 copies of a; `_` is one
 * missing sample and `_xn` is n of them (not n+1); `stale` is a stale marker; the i-th value is
 * at i × interval from 0.
 */
import type { Labels, Point } from '../types.ts';
import { PromQLError, positionAt } from './errors.ts';
import { fromEntries, METRIC_NAME } from './labels.ts';
import { goParseFloat, unquoteString } from './literals.ts';

function fail(text: string, message: string, at: number): never {
  throw new PromQLError(message, positionAt(text, at), at);
}

/** A series value number as promtool's parser reads it: Go ParseInt (base prefix) first, then ParseFloat. */
function seriesNumber(tok: string): number | undefined {
  if (/^[0-9]+$/.test(tok)) {
    if (/^0[0-7]+$/.test(tok)) return parseInt(tok, 8);
    return Number(tok);
  }
  if (/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]*)?$/.test(tok) || /^(?:inf|nan)$/i.test(tok)) {
    return goParseFloat(tok);
  }
  return undefined;
}

/** A value item (between spaces) as one of promtool's forms. */
const ITEM = /^(?:(_)|(stale)|([+-]?)([0-9][0-9.]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?|[A-Za-z]+)(?:([+-])([0-9][0-9.]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?|[A-Za-z]+))?)(?:x([0-9]+))?$/;

/**
 * expandSeriesValues expands a promtool values string into points, one per `intervalMs` from
 * time 0, leaving out missing samples; stale markers are points with `stale: true`.
 * Throws PromQLError (position inside `text`) for what promtool would reject.
 */
export function expandSeriesValues(text: string, intervalMs: number): Point[] {
  const out: Point[] = [];
  let index = 0;
  const re = /\S+/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const tok = m[0];
    const at = m.index;
    const parts = ITEM.exec(tok);
    if (!parts) fail(text, `unexpected ${JSON.stringify(tok)} in series values`, at);
    const [, blank, stale, sign, base, incSign, inc, times] = parts as unknown as (string | undefined)[];
    const n = times === undefined ? undefined : Number(times);
    if (n !== undefined && !Number.isSafeInteger(n)) fail(text, `invalid repetition in series values: ${times}`, at);
    if (blank) {
      index += n ?? 1;
      continue;
    }
    if (stale) {
      if (n !== undefined) fail(text, 'unexpected repetition of "stale" in series values', at);
      out.push({ t: index * intervalMs, v: NaN, stale: true });
      index++;
      continue;
    }
    let value = seriesNumber(base as string);
    if (value === undefined) fail(text, `unexpected ${JSON.stringify(base)} in series values: expected number or "stale"`, at);
    if (sign === '-') value = -value;
    if (inc === undefined) {
      const count = n === undefined ? 1 : n + 1;
      for (let i = 0; i < count; i++) out.push({ t: (index + i) * intervalMs, v: value });
      index += count;
      continue;
    }
    if (n === undefined) fail(text, `unexpected ${JSON.stringify(tok)} in series values: an increment needs "x" and a count`, at);
    let step = seriesNumber(inc);
    if (step === undefined) fail(text, `unexpected ${JSON.stringify(inc)} in series values: expected number`, at);
    if (incSign === '-') step = -step;
    for (let i = 0; i <= n; i++) {
      out.push({ t: (index + i) * intervalMs, v: value });
      value += step;
    }
    index += n + 1;
  }
  return out;
}

/**
 * parseSeriesSelector reads promtool's series description `metric{a="1", b='2'}` (or `{...}`
 * with `__name__`, or a bare metric name) into a label set. Throws PromQLError when malformed.
 */
export function parseSeriesSelector(text: string): Labels {
  const entries: [string, string][] = [];
  let pos = 0;
  const skip = (): void => {
    while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
  };
  skip();
  const name = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(text.slice(pos));
  if (name) {
    entries.push([METRIC_NAME, name[0]]);
    pos += name[0].length;
    skip();
  }
  const braces = text[pos] === '{';
  if (braces) {
    pos++;
    skip();
    while (text[pos] !== '}') {
      const label = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(pos)) ?? /^"(?:[^"\\]|\\.)*"/.exec(text.slice(pos));
      if (!label) fail(text, 'unexpected character in label set: expected a label name or "}"', pos);
      let labelName = label[0];
      if (labelName.startsWith('"')) {
        const u = unquoteString(labelName);
        if ('error' in u) fail(text, u.error, pos);
        labelName = u.value;
      }
      const labelAt = pos;
      pos += label[0].length;
      skip();
      if (text[pos] !== '=') fail(text, 'unexpected character in label set: expected "="', pos);
      pos++;
      skip();
      const q = text[pos];
      if (q !== '"' && q !== "'" && q !== '`') fail(text, 'unexpected character in label set: expected a quoted string', pos);
      let end = pos + 1;
      while (end < text.length && text[end] !== q) end += text[end] === '\\' && q !== '`' ? 2 : 1;
      const u = unquoteString(text.slice(pos, end + 1));
      if ('error' in u) fail(text, `${u.error} in label set`, pos);
      if (entries.some(([n]) => n === labelName)) fail(text, `duplicate label name ${JSON.stringify(labelName)}`, labelAt);
      entries.push([labelName, u.value]);
      pos = end + 1;
      skip();
      if (text[pos] === ',') {
        pos++;
        skip();
      } else if (text[pos] !== '}') {
        fail(text, 'unexpected character in label set: expected "," or "}"', pos);
      }
    }
    pos++;
    skip();
  }
  if (pos < text.length) fail(text, `unexpected ${JSON.stringify(text.slice(pos, pos + 10))} after the series selector`, pos);
  if (!name && !braces) fail(text, 'no series selector found', 0);
  return fromEntries(entries);
}
