/**
 * Differential test against the real promtool (Prometheus 2.42): random well-typed expressions
 * (fixed seed) over every function, aggregation, operator and matching mode, evaluated with
 * compat 2 over a shared set of series at several times. promtool must accept every one, give
 * the same answers and fail the evaluations this engine fails.
 *
 * Left out: NaN answers (promtool compares with reflect.DeepEqual); topk/bottomk and
 * avg/stddev/stdvar across series (promtool loads series in Go map order, so ties and the
 * rounding of an incremental mean change from run to run); exp, ln and fractional powers (Go's
 * amd64 Exp/Log take another path on CPUs with FMA, so Prometheus itself differs in the last bit
 * between machines).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compilePromQL, type PromQLExpr } from '../../../src/rules/promql/compile.ts';
import { PromQLEvalError } from '../../../src/rules/promql/errors.ts';
import type { Labels } from '../../../src/rules/types.ts';
import { requirePeer } from '../../helpers/peers.ts';
import { ExprGen } from './expr-gen.ts';
import { loadStore, ms } from './harness.ts';

const SERIES = {
  'x{a="1", b="2"}': '1+1x20',
  'x{a="2"}': '5 stale 7 9 12 3 4 _ 8 10 11 30 31 32 40 2 3 4 5 6 7',
  'x{a="3", b="1"}': '100-7x20',
  'y{a="1"}': '3 3.5 4 7 1 2 9 9 9 10 11 12 0 1 2 3 4 5 6 7 8',
  'y{a="2", b="2"}': '0x20',
  'y{a="3", b="3"}': '_x5 1+2x15',
  'h_bucket{a="1", le="0.5"}': '0+1x20',
  'h_bucket{a="1", le="1"}': '0+3x20',
  'h_bucket{a="1", le="+Inf"}': '0+4x20',
  'h_bucket{a="2", le="1"}': '0+2x20',
  'h_bucket{a="2", le="2.5"}': '1+2x20',
  'h_bucket{a="2", le="+Inf"}': '2+5x20',
};

const TIMES = ['5m', '10m', '12m30s', '20m'];
// PROMQL_DIFF_SEED and PROMQL_DIFF_COUNT explore further (e.g. PROMQL_DIFF_COUNT=3000).
const COUNT = Number(process.env.PROMQL_DIFF_COUNT ?? 400);
const SEED = Number(process.env.PROMQL_DIFF_SEED ?? 4242);

function promtoolLabels(l: Labels): string {
  const { __name__: name, ...rest } = l;
  return `${name ?? ''}{${Object.entries(rest)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
}

interface Generated {
  expr: string;
  at: string;
  samples: { labels: string; value: number }[] | undefined;
}

function generate(): Generated[] {
  const out: Generated[] = [];
  const seen = new Set<string>();
  const gen = new ExprGen(SEED);
  for (let attempt = 0; attempt < 20 * COUNT && out.length < COUNT; attempt++) {
    const expr = gen.vector(1 + (attempt % 4));
    if (seen.has(expr)) continue;
    let compiled: PromQLExpr;
    try {
      compiled = compilePromQL(expr);
    } catch {
      continue;
    }
    if (compiled.valueType !== 'vector' && compiled.valueType !== 'scalar') continue;
    seen.add(expr);
    const at = TIMES[out.length % TIMES.length] as string;
    const store = loadStore(SERIES, '1m', ms(at));
    try {
      const v = compiled.evaluate(ms(at), store, { compat: 2, lookbackDeltaMs: 300_000 });
      const samples = v.type === 'scalar' ? [{ labels: {}, value: v.value }] : v.type === 'vector' ? v.samples : [];
      if (samples.some((s) => Number.isNaN(s.value))) continue;
      out.push({ expr, at, samples: samples.map((s) => ({ labels: promtoolLabels(s.labels), value: s.value })) });
    } catch (err) {
      if (!(err instanceof PromQLEvalError)) throw err;
      out.push({ expr, at, samples: undefined });
    }
  }
  return out;
}

const promtool = requirePeer('promtool');
const run = promisify(execFile);

async function promtoolRun(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(promtool as string, args, { timeout: 120_000, maxBuffer: 64 << 20 });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    if (typeof e.code !== 'number') throw err;
    return { ok: false, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

function testGroup(g: Generated): Record<string, unknown> {
  return {
    interval: '1m',
    input_series: Object.entries(SERIES).map(([series, values]) => ({ series, values })),
    promql_expr_test: [{ expr: g.expr, eval_time: g.at, exp_samples: g.samples ?? [] }],
  };
}

describe.skipIf(!promtool)('differential test against promtool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promql-diff-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const generated = generate();
  const answered = generated.filter((g) => g.samples !== undefined);
  const failed = generated.filter((g) => g.samples === undefined);

  it(`generates a varied set of ${COUNT} expressions`, () => {
    expect(generated).toHaveLength(COUNT);
    expect(answered.filter((g) => (g.samples ?? []).length > 1).length).toBeGreaterThan(COUNT / 4);
    expect(failed.length).toBeGreaterThan(0);
  });

  it('promtool accepts every expression this engine compiles', async () => {
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, stringify({ groups: [{ name: 'g', rules: generated.map((g, i) => ({ record: `r${i}`, expr: g.expr })) }] }));
    const r = await promtoolRun(['check', 'rules', file]);
    expect(r.output).toContain('SUCCESS');
  });

  it('promtool gives the same answers', { timeout: 300_000 }, async () => {
    const file = join(dir, 'answers.test.yaml');
    writeFileSync(file, stringify({ evaluation_interval: '1m', tests: answered.map(testGroup) }));
    const r = await promtoolRun(['test', 'rules', file]);
    expect(r.output).toContain('SUCCESS');
  });

  it('promtool fails the evaluations this engine fails', { timeout: 300_000 }, async () => {
    for (const [i, g] of failed.entries()) {
      const file = join(dir, `failed-${i}.test.yaml`);
      writeFileSync(file, stringify({ evaluation_interval: '1m', tests: [testGroup(g)] }));
      const r = await promtoolRun(['test', 'rules', file]);
      expect(r.ok, g.expr).toBe(false);
      expect(r.output, g.expr).toContain('err:');
    }
  });
});
