/**
 * The expected strings of the template cases, proven against the real thing: every case becomes
 * an annotation of an alerting rule, and `promtool test rules` (Prometheus 2.42) must produce
 * exactly the expected text; every parse-error case must be refused by `promtool check rules`
 * with the same message.
 */
import { describe, expect, it } from 'vitest';
import { requirePeer } from '../../helpers/peers.ts';
import { FIXTURE, PARSE_ERRORS, RENDER_CASES } from './cases.ts';
import { promtoolParseErrors, promtoolRender, type RenderCase as HarnessCase } from './promtool-harness.ts';
import { ORDER_DEPENDENT, QUERY_CASES, QUERY_SERIES } from './query-cases.ts';

const promtool = requirePeer('promtool');

function mismatches(cases: readonly HarnessCase[], got: ReadonlyMap<number, string>): string[] {
  const out: string[] = [];
  cases.forEach((c, i) => {
    const g = got.get(i);
    if (g !== undefined && g !== c.want) out.push(`${JSON.stringify(c.template)}\n    want ${JSON.stringify(c.want)}\n    got  ${JSON.stringify(g)}`);
  });
  return out;
}

describe.skipIf(!promtool)('promtool 2.42 agrees', () => {
  it('renders every case as expected', async () => {
    const cases: HarnessCase[] = [];
    for (const [, group] of RENDER_CASES) {
      for (const c of group) {
        if (c.notInPromtool !== undefined) continue;
        cases.push({ template: c.template, want: c.want, fixture: { ...FIXTURE, labels: c.labels ?? FIXTURE.labels, value: c.value ?? FIXTURE.value } });
      }
    }
    expect(cases.length).toBeGreaterThan(280);
    const result = await promtoolRender(promtool as string, cases);
    expect(mismatches(cases, result.got)).toEqual([]);
    expect(result.ok, result.output).toBe(true);
  });

  it('renders the query cases as expected', async () => {
    const cases: HarnessCase[] = QUERY_CASES.filter(([template]) => !ORDER_DEPENDENT.has(template)).map(([template, want]) => ({ template, want, fixture: { labels: {}, value: 1, series: QUERY_SERIES } }));
    const result = await promtoolRender(promtool as string, cases);
    expect(mismatches(cases, result.got)).toEqual([]);
    expect(result.ok, result.output).toBe(true);
  });

  it('refuses every parse-error case with the same message', async () => {
    const errors = await promtoolParseErrors(
      promtool as string,
      PARSE_ERRORS.map((c) => c.template),
    );
    const want = PARSE_ERRORS.map((c, i) => c.goMessage.replaceAll('NAME', `__alert_P${i}`));
    expect(errors).toEqual(want);
  });

  it('refuses what it does not have (the cases marked so do parse here)', async () => {
    const extensions = ['{{ toDuration 1 }}', '{{ now }}', '{{ urlQueryEscape "x" }}', '{{ trimSpace "x" }}', '{{ tmpl "x" . }}', '{{ with 1 }}{{ else with 2 }}{{ end }}'];
    const errors = await promtoolParseErrors(promtool as string, extensions);
    expect(errors.every((e) => e !== '')).toBe(true);
  });
});
