/**
 * Label matchers as Alertmanager evaluates them: a missing label has the value "", regexps are
 * fully anchored (`^(?:re)$`, RE2 syntax), and a list matches when every matcher does.
 */
import { compileAnchored } from '../rules/promql/regex.ts';
import type { Labels } from '../rules/types.ts';
import type { LabelMatcher } from './types.ts';

/** matcherMatches tells whether one matcher accepts `value` (the label's value, "" when absent). */
export function matcherMatches(m: LabelMatcher, value: string): boolean {
  switch (m.type) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return regexpOf(m).test(value);
    case '!~':
      return !regexpOf(m).test(value);
  }
}

/** matchersMatch tells whether every matcher accepts `labels` (an empty list matches everything). */
export function matchersMatch(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  for (const m of matchers) if (!matcherMatches(m, labels[m.name] ?? '')) return false;
  return true;
}

/** formatMatchers writes matchers as Alertmanager prints them: `{a="1",b=~"x.*"}`. */
export function formatMatchers(matchers: readonly LabelMatcher[]): string {
  return `{${matchers.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`).join(',')}}`;
}

// Matchers built elsewhere (tests, the config parser) may lack `re`; compile once and keep it.
function regexpOf(m: LabelMatcher): RegExp {
  if (m.re === undefined) m.re = compileAnchored(m.value, false);
  return m.re;
}

