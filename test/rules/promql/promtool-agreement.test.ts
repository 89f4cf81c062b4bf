/**
 * The evaluator's compat 2 expectations, proven against the real promtool (Prometheus 2.42): the
 * case tables are written as promtool unit-test files and `promtool test rules` must pass them,
 * and fail every case that expects an evaluation error with Prometheus' own message. Skipped with
 * one line when promtool is absent, except under CI=true.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { requirePeer } from '../../helpers/peers.ts';
import { aggregationCases } from './cases/aggregations.ts';
import { binaryCases } from './cases/binary.ts';
import { functionCases } from './cases/functions.ts';
import { rangeFunctionCases } from './cases/range-functions.ts';
import { selectorCases } from './cases/selectors.ts';
import { errorFile, passingFile } from './promtool-cases.ts';

const promtool = requirePeer('promtool');
const run = promisify(execFile);

async function promtoolTest(file: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(promtool as string, ['test', 'rules', file], { timeout: 60_000 });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    if (typeof e.code !== 'number') throw err;
    return { ok: false, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

const all = [...selectorCases, ...rangeFunctionCases, ...functionCases, ...aggregationCases, ...binaryCases];

describe.skipIf(!promtool)('promtool agrees with the compat 2 expectations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promql-promtool-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`passes the ${all.filter((c) => c.promtool !== false && !('error' in c.expect)).length} value cases`, async () => {
    const file = join(dir, 'cases.test.yaml');
    writeFileSync(file, passingFile(all));
    const r = await promtoolTest(file);
    expect(r.output).toContain('SUCCESS');
    expect(r.ok).toBe(true);
  });

  const errorCases = all.filter((c) => 'error' in c.expect);
  it.each(errorCases.map((c, i) => [c.name, c, i] as const))('fails with the same error: %s', async (_name, c, i) => {
    const file = join(dir, `error-${i}.test.yaml`);
    writeFileSync(file, errorFile(c));
    const r = await promtoolTest(file);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch((c.expect as { error: RegExp }).error);
  });
});
