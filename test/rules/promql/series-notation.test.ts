/**
 * promtool's series notation: expandSeriesValues and parseSeriesSelector, checked against the
 * real promtool (count and sum of each expansion must agree).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PromQLError } from '../../../src/rules/promql/errors.ts';
import { expandSeriesValues, parseSeriesSelector } from '../../../src/rules/promql/series-notation.ts';
import type { Point } from '../../../src/rules/types.ts';
import { requirePeer } from '../../helpers/peers.ts';

const S = 'stale';
/** [values, expanded as value-or-gap per interval: number, '_' (missing) or 'stale'] */
const expansions: [string, (number | '_' | typeof S)[]][] = [
  ['0+10x3', [0, 10, 20, 30]],
  ['100-25x4', [100, 75, 50, 25, 0]],
  ['7x2', [7, 7, 7]],
  ['1 _x3 5', [1, '_', '_', '_', 5]],
  ['3 1 4 1 5', [3, 1, 4, 1, 5]],
  ['1.5e3 -2.5E-1 +4', [1500, -0.25, 4]],
  ['1+1x2 _ 9', [1, 2, 3, '_', 9]],
  ['10 stale 20', [10, S, 20]],
  ['_x2 6', ['_', '_', 6]],
  ['-2+4x3', [-2, 2, 6, 10]],
  ['1 _ 3 stale', [1, '_', 3, S]],
  ['0.1+0.1x3', [0.1, 0.2, 0.30000000000000004, 0.4]],
  ['Inf -Inf', [Infinity, -Infinity]],
  ['010 08', [8, 8]],
  ['  5   6  ', [5, 6]],
  ['', []],
  ['_', ['_']],
  ['5x0', [5]],
];

function expected(items: (number | '_' | typeof S)[], interval: number): Point[] {
  const out: Point[] = [];
  items.forEach((v, i) => {
    if (v === '_') return;
    out.push(v === S ? { t: i * interval, v: NaN, stale: true } : { t: i * interval, v });
  });
  return out;
}

describe('expandSeriesValues', () => {
  it.each(expansions)('%j', (values, items) => {
    expect(expandSeriesValues(values, 60_000)).toEqual(expected(items, 60_000));
  });

  it('spaces samples by the interval', () => {
    expect(expandSeriesValues('1 2', 15_000).map((p) => p.t)).toEqual([0, 15_000]);
  });

  it.each([
    ['1 abc', 1, 3, /unexpected "abc"/],
    ['1 2+', 1, 3, /unexpected "2\+"/],
    ['1+1', 1, 1, /an increment needs "x" and a count/],
    ['stalex2', 1, 1, /repetition of "stale"/],
    ['1 x3', 1, 3, /unexpected "x3"/],
    ['1.2.3', 1, 1, /expected number/],
  ])('refuses %j at %i:%i', (values, line, col, message) => {
    let err: unknown;
    try {
      expandSeriesValues(values, 60_000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PromQLError);
    expect((err as PromQLError).message).toMatch(message);
    expect((err as PromQLError).position).toEqual({ line, col });
  });
});

describe('parseSeriesSelector', () => {
  it.each([
    ['up', { __name__: 'up' }],
    ['up{job="a", instance=\'b\'}', { __name__: 'up', instance: 'b', job: 'a' }],
    ['{__name__="up", job="a",}', { __name__: 'up', job: 'a' }],
    ['{}', {}],
    ['cicd:rate5m{a="x\\"y"}', { __name__: 'cicd:rate5m', a: 'x"y' }],
    ['  up { job = "a" }  ', { __name__: 'up', job: 'a' }],
    ['up{job=""}', { __name__: 'up' }],
  ])('%j', (text, labels) => {
    expect(parseSeriesSelector(text)).toEqual(labels);
  });

  it('sorts label names', () => {
    expect(Object.keys(parseSeriesSelector('x{b="1", a="2"}'))).toEqual(['__name__', 'a', 'b']);
  });

  it.each([['up{job="a"'], ['up{job=a}'], ['up{job~"a"}'], ['up{job="a" x="b"}'], ['up{a="1", a="2"}'], ['up extra'], ['']])('refuses %j', (text) => {
    expect(() => parseSeriesSelector(text)).toThrow(PromQLError);
  });
});

const promtool = requirePeer('promtool');
const run = promisify(execFile);

describe.skipIf(!promtool)('promtool expands the notation the same way', () => {
  const dir = mkdtempSync(join(tmpdir(), 'series-notation-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('count, min, max and last of every expansion agree', async () => {
    const comparable = expansions.filter(([v, items]) => v.trim() !== '' && items.some((x) => typeof x === 'number' && Number.isFinite(x)) && !items.includes(Infinity));
    const tests = comparable.map(([values]) => {
      const points = expandSeriesValues(values, 60_000).filter((p) => !p.stale);
      const at = `${Math.max(0, values.trim().split(/\s+/).length + 20)}m`;
      const vs = points.map((p) => p.v);
      const fn = (f: string, value: number) => ({ expr: `${f}(x[1d])`, eval_time: at, exp_samples: [{ labels: '{a="1"}', value }] });
      return {
        interval: '1m',
        input_series: [{ series: 'x{a="1"}', values }],
        promql_expr_test: [
          fn('count_over_time', points.length),
          fn('min_over_time', Math.min(...vs)),
          fn('max_over_time', Math.max(...vs)),
          { expr: 'last_over_time(x[1d])', eval_time: at, exp_samples: [{ labels: 'x{a="1"}', value: vs[vs.length - 1] as number }] },
        ],
      };
    });
    const file = join(dir, 'notation.test.yaml');
    writeFileSync(file, stringify({ evaluation_interval: '1m', tests }));
    const { stdout } = await run(promtool as string, ['test', 'rules', file]);
    expect(stdout).toContain('SUCCESS');
  });
});
