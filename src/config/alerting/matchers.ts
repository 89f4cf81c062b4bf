/**
 * Alertmanager's label matchers: the string syntax of `pkg/labels/parse.go` (`foo=~"bar|baz"`,
 * `{a="b", c!="d"}`), the deprecated `match`/`match_re` maps, the sort order of `labels.Matchers`
 * and its `String()` (which route ids and group keys are built from).
 */
import type { MatchType } from '../../rules/types.ts';
import { compileAnchored } from '../../rules/promql/regex.ts';
import type { LabelMatcher } from '../../pipeline/types.ts';

// parse.go's matcher: a classic label name, an operator ('=~' before '='), the rest as the value.
const MATCHER = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

/** LABEL_NAME is Prometheus's classic label name, required of `match`/`match_re` keys, `group_by` and `equal`. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * parseMatchers parses one `matchers:` entry, which may hold several comma-separated matchers
 * inside optional braces. Throws an Error with Alertmanager's wording on a bad one.
 */
export function parseMatchers(text: string): LabelMatcher[] {
  let s = text.startsWith('{') ? text.slice(1) : text;
  if (s.endsWith('}')) s = s.slice(0, -1);
  const tokens: string[] = [];
  let insideQuotes = false;
  let escaped = false;
  let token = '';
  for (const ch of s) {
    if (ch === ',' && !insideQuotes) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (ch === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (ch === '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += ch;
  }
  if (token.trim() !== '') tokens.push(token.trim());
  return tokens.map(parseMatcher);
}

/** parseMatcher parses one matcher (`name op value`, the value optionally double-quoted with `\"`, `\n`, `\\` escapes). */
export function parseMatcher(text: string): LabelMatcher {
  const m = MATCHER.exec(text);
  if (m === null) throw new Error(`bad matcher format: ${text}`);
  let raw = m[3] as string;
  let expectTrailingQuote = false;
  if (raw.startsWith('"')) {
    raw = raw.slice(1);
    expectTrailingQuote = true;
  }
  let value = '';
  let escaped = false;
  const chars = [...raw];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (escaped) {
      escaped = false;
      value += ch === 'n' ? '\n' : ch === '"' || ch === '\\' ? ch : `\\${ch}`;
      continue;
    }
    if (ch === '\\') {
      if (i < chars.length - 1) escaped = true;
      else value += '\\';
    } else if (ch === '"') {
      if (!expectTrailingQuote || i < chars.length - 1) throw new Error(`matcher value contains unescaped double quote: ${m[3]}`);
      expectTrailingQuote = false;
    } else {
      value += ch;
    }
  }
  if (expectTrailingQuote) throw new Error(`matcher value contains unescaped double quote: ${m[3]}`);
  return newMatcher(m[2] as MatchType, m[1] as string, value);
}

/** newMatcher builds a matcher, compiling `=~`/`!~` values anchored as Alertmanager does (`^(?:v)$`). Throws on a bad regexp. */
export function newMatcher(type: MatchType, name: string, value: string): LabelMatcher {
  if (type !== '=~' && type !== '!~') return { name, type, value };
  try {
    return { name, type, value, re: compileAnchored(value, false) };
  } catch (err) {
    throw new Error(`invalid regular expression ${JSON.stringify(value)}: ${(err as Error).message}`, { cause: err });
  }
}

const TYPE_ORDER: Record<MatchType, number> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

/** sortMatchers orders matchers as Alertmanager's `labels.Matchers` sorts them: by name, value, then operator. */
export function sortMatchers(matchers: LabelMatcher[]): LabelMatcher[] {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return matchers.sort((a, b) => cmp(a.name, b.name) || cmp(a.value, b.value) || TYPE_ORDER[a.type] - TYPE_ORDER[b.type]);
}

/** matchersString is Alertmanager's `Matchers.String()`: `{a="b",c=~"d"}`, values escaped as OpenMetrics does. */
export function matchersString(matchers: readonly LabelMatcher[]): string {
  return `{${matchers.map(matcherString).join(',')}}`;
}

function matcherString(m: LabelMatcher): string {
  const value = m.value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
  return `${m.name}${m.type}"${value}"`;
}
