import type { TemplateQueryFunc } from '../../../src/rules/template/index.ts';

/**
 * QUERY_SERIES and QUERY_CASES are shared with promtool.test.ts, which runs the same templates
 * over the same two series in promtool 2.42: the query results below are what its engine returns.
 */
export const QUERY_SERIES = [
  { series: 'q{a="y",b="1"}', values: '2' },
  { series: 'q{a="x",b="2"}', values: '1.5' },
];

export const fakeQuery: TemplateQueryFunc = (expr) => {
  switch (expr) {
    case 'q':
      return [
        { labels: { __name__: 'q', a: 'y', b: '1' }, value: 2 },
        { labels: { __name__: 'q', a: 'x', b: '2' }, value: 1.5 },
      ];
    case 'q * 2':
      return [
        { labels: { a: 'y', b: '1' }, value: 4 },
        { labels: { a: 'x', b: '2' }, value: 3 },
      ];
    case 'sum(q)':
      return [{ labels: {}, value: 3.5 }];
    case 'nothing':
      return [];
    default:
      throw new Error('1:3: parse error: unexpected end of input inside braces');
  }
};

export const QUERY_CASES: ReadonlyArray<readonly [string, string]> = [
  ['{{ range query "q" }}{{ .Labels.a }}={{ .Value }} {{ end }}', 'y=2 x=1.5 '],
  ['{{ with query "q" }}{{ . | first | value | humanize }}|{{ . | first | label "a" }}|{{ len . }}{{ end }}', '2|y|2'],
  ['{{ range sortByLabel "b" (query "q") }}{{ .Labels.a }}{{ end }}', 'yx'],
  ['{{ range sortByLabel "a" (query "q") }}{{ .Labels.a }}{{ end }}', 'xy'],
  ['{{ with query "nothing" }}x{{ else }}empty{{ end }}', 'empty'],
  [
    '{{ query "nothing" | first }}',
    '<error expanding template: error executing template NAME: template: NAME:1:133: executing "NAME" at <first>: error calling first: first() called on vector with no elements>',
  ],
  ['{{ (query "q" | first).Labels }}|{{ query "q" | first }}|{{ (query "q" | first).Value }}|{{ strvalue (query "q" | first) }}', 'map[__name__:q a:y b:1]|{map[__name__:q a:y b:1] 2}|2|'],
  [
    '{{ query "q{" }}',
    '<error expanding template: error executing template NAME: template: NAME:1:115: executing "NAME" at <query "q{">: error calling query: 1:3: parse error: unexpected end of input inside braces>',
  ],
  ['{{ range $i, $s := query "q" }}{{ $i }}:{{ label "a" $s }}:{{ value $s }} {{ end }}', '0:y:2 1:x:1.5 '],
  ['{{ printf "%T" (query "q") }}|{{ printf "%T" (query "q" | first) }}|{{ index (query "q") 1 | value }}|{{ (index (query "q") 0).Labels.__name__ }}', 'template.queryResult|*template.sample|1.5|q'],
  ['{{ query "sum(q)" | first | value }}|{{ range query "q * 2" }}{{ .Labels }}{{ end }}', '3.5|map[a:y b:1]map[a:x b:2]'],
  ['{{ if gt (query "q" | first | value) 1.0 }}high{{ end }}', 'high'],
];

/**
 * ORDER_DEPENDENT are the cases whose output depends on the order of a query's results. promtool
 * returns the same series in no fixed order from one run to the next (seen: `y=2 x=1.5` and
 * `x=1.5 y=2`), so only the order-free cases are compared against it; the rest are checked here
 * against the fixed order of fakeQuery.
 */
export const ORDER_DEPENDENT: ReadonlySet<string> = new Set(
  QUERY_CASES.map(([template]) => template).filter((t) => !t.includes('sortByLabel') && /range (\$i, \$s := )?query "q|query "q" \| first|index \(query "q"\)|with query "q" \}\}|\(query "q" \| first\)/.test(t)),
);
