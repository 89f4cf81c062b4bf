/**
 * readMatchers reads the matchers of a route, inhibit rule or escalation from the new form
 * (`matchers: ['a="b"']`) and the deprecated maps (`match: {a: b}`, `match_re: {a: "b|c"}`),
 * converted to matchers and sorted as Alertmanager does.
 */
import type { Node } from 'yaml';
import type { LabelMatcher } from '../../pipeline/types.ts';
import { LABEL_NAME, newMatcher, parseMatchers, sortMatchers } from './matchers.ts';
import type { Fields, Reader } from './reader.ts';
import { join } from './reader.ts';

/** MatcherFieldNames names the three fields one set of matchers may come from. */
export interface MatcherFieldNames {
  matchers: string;
  match?: string;
  matchRe?: string;
}

/** readMatchers collects the matchers of `names`; `any` says whether any of the fields was present at all. */
export function readMatchers(r: Reader, fields: Fields | undefined, what: string, names: MatcherFieldNames): { matchers: LabelMatcher[]; any: boolean } {
  const out: LabelMatcher[] = [];
  let any = false;
  for (const { value, node } of r.strings(fields, names.matchers, what) ?? []) {
    any = true;
    try {
      out.push(...parseMatchers(value));
    } catch (err) {
      r.report(`${join(what, names.matchers)}: ${(err as Error).message}`, r.at(node));
    }
  }
  for (const [name, type] of [
    [names.match, '='],
    [names.matchRe, '=~'],
  ] as const) {
    if (name === undefined) continue;
    const field = fields?.get(name);
    if (field === undefined) continue;
    for (const entry of r.walk.stringMap(field, join(what, name))) {
      any = true;
      if (!LABEL_NAME.test(entry.name)) {
        r.report(`${join(what, name)}: invalid label name ${JSON.stringify(entry.name)}`, r.at(entry.key));
        continue;
      }
      try {
        out.push(newMatcher(type, entry.name, entry.value));
      } catch (err) {
        r.report(`${join(what, name)}.${entry.name}: ${(err as Error).message}`, r.at(entry.node, entry.key));
      }
    }
  }
  return { matchers: sortMatchers(out), any };
}

/** readLabelNames reads a list of label names (`group_by`, `equal`, `ignore_labels`), refusing invalid ones. */
export function readLabelNames(r: Reader, fields: Fields | undefined, name: string, what: string, allow: readonly string[] = []): { value: string; node: Node }[] | undefined {
  const list = r.strings(fields, name, what);
  if (list === undefined) return undefined;
  return list.filter(({ value, node }) => {
    if (allow.includes(value) || LABEL_NAME.test(value)) return true;
    r.report(`${join(what, name)}: invalid label name ${JSON.stringify(value)}`, r.at(node));
    return false;
  });
}
