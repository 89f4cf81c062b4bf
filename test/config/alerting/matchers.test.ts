/**
 * Alertmanager's matcher syntax (pkg/labels/parse.go), the deprecated match/match_re maps, the
 * sort order and string form route ids are built from.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchersString, parseMatchers, sortMatchers } from '../../../src/config/alerting/matchers.ts';
import { parse, problems, yaml } from './parse-helper.ts';

const plain = (text: string) => parseMatchers(text).map(({ name, type, value }) => ({ name, type, value }));

describe('parseMatchers', () => {
  it.each([
    { text: 'foo=bar', want: [{ name: 'foo', type: '=', value: 'bar' }] },
    { text: 'foo="bar"', want: [{ name: 'foo', type: '=', value: 'bar' }] },
    { text: '  foo  !=  "bar baz"  ', want: [{ name: 'foo', type: '!=', value: 'bar baz' }] },
    { text: 'foo=~"bar|baz"', want: [{ name: 'foo', type: '=~', value: 'bar|baz' }] },
    { text: 'foo!~5..', want: [{ name: 'foo', type: '!~', value: '5..' }] },
    { text: 'foo=', want: [{ name: 'foo', type: '=', value: '' }] },
    { text: '{a="b", c!="d"}', want: [{ name: 'a', type: '=', value: 'b' }, { name: 'c', type: '!=', value: 'd' }] },
    { text: '{foo = "bar", dings != "bums", }', want: [{ name: 'foo', type: '=', value: 'bar' }, { name: 'dings', type: '!=', value: 'bums' }] },
    { text: 'quote="She said: \\"Hi, all\\""', want: [{ name: 'quote', type: '=', value: 'She said: "Hi, all"' }] },
    { text: 'nl="a\\nb"', want: [{ name: 'nl', type: '=', value: 'a\nb' }] },
    { text: 'bs="a\\\\b"', want: [{ name: 'bs', type: '=', value: 'a\\b' }] },
    { text: 'spurious="a\\qb"', want: [{ name: 'spurious', type: '=', value: 'a\\qb' }] },
    { text: 'colon:name="x"', want: [{ name: 'colon:name', type: '=', value: 'x' }] },
  ])('$text', ({ text, want }) => {
    expect(plain(text)).toEqual(want);
  });

  it.each([
    { text: 'bad matcher', error: 'bad matcher format: bad matcher' },
    { text: '1abc="x"', error: 'bad matcher format: 1abc="x"' },
    { text: 'foo="bar', error: 'matcher value contains unescaped double quote: "bar' },
    { text: 'foo="b"ar"', error: 'matcher value contains unescaped double quote: "b"ar"' },
    { text: 'foo=~"(unclosed"', error: 'invalid regular expression "(unclosed"' },
  ])('refuses $text', ({ text, error }) => {
    expect(() => parseMatchers(text)).toThrow(error);
  });

  it('anchors regexps fully and does not let . match a newline, as Alertmanager', () => {
    const [m] = parseMatchers('service=~"etl.*"');
    expect(m?.re?.test('etl-nightly')).toBe(true);
    expect(m?.re?.test('x-etl')).toBe(false);
    expect(m?.re?.test('etl\nx')).toBe(false);
  });
});

describe('matchers order and string form', () => {
  it('sorts by name, then value, then operator, and prints as Matchers.String()', () => {
    const ms = sortMatchers(parseMatchers('{z="1", a!="2", a="2", a=~"1", q="x\\"y"}'));
    expect(matchersString(ms)).toBe('{a=~"1",a="2",a!="2",q="x\\"y",z="1"}');
  });
});

describe('string form round trip', () => {
  it('parses back what Matchers.String() prints, for any values', () => {
    const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/);
    const matcher = fc.record({ name, type: fc.constantFrom('=' as const, '!=' as const), value: fc.string({ unit: 'binary', maxLength: 12 }) });
    fc.assert(
      fc.property(fc.array(matcher, { minLength: 1, maxLength: 4 }), (ms) => {
        const sorted = sortMatchers(ms.map((m) => ({ ...m })));
        expect(plain(matchersString(sorted))).toEqual(sorted);
      }),
    );
  });
});

describe('matchers in a route', () => {
  it('converts match and match_re to matchers and merges them with matchers, sorted', () => {
    const config = parse(
      yaml(
        'route:',
        '  receiver: r',
        '  routes:',
        '    - receiver: r',
        '      match: {team: data, env: prod}',
        '      match_re: {service: "etl-.*"}',
        '      matchers: [\'severity=~"critical|page"\']',
        'receivers: [{name: r}]',
      ),
    );
    const child = config.route.routes[0];
    expect(child?.matchers.map(({ name, type, value }) => `${name}${type}${value}`)).toEqual([
      'env=prod',
      'service=~etl-.*',
      'severity=~critical|page',
      'team=data',
    ]);
    expect(child?.id).toBe('{}/{env="prod",service=~"etl-.*",severity=~"critical|page",team="data"}/0');
  });

  it.each([
    { name: 'bad match key', line: '      match: {"bad-name": x}', want: 'am.yml:5:15: route.routes[0].match: invalid label name "bad-name"' },
    { name: 'bad match_re', line: '      match_re: {svc: "(x"}', want: 'am.yml:5:23: route.routes[0].match_re.svc: invalid regular expression "(x": error parsing regexp: missing closing ): `(x`' },
    { name: 'bad matcher string', line: '      matchers: ["a=b", "=x"]', want: 'am.yml:5:25: route.routes[0].matchers: bad matcher format: =x' },
    { name: 'matchers not a list', line: '      matchers: a=b', want: 'am.yml:5:17: route.routes[0].matchers must be a list, got a string' },
  ])('reports $name at its position', ({ line, want }) => {
    const text = yaml('route:', '  receiver: r', '  routes:', '    - receiver: r', line, 'receivers: [{name: r}]');
    expect(problems(text)).toEqual([want]);
  });
});
