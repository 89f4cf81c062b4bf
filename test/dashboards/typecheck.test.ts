/**
 * The dashboards type-checked against @grafana/schema's `Dashboard`: each file becomes a
 * TypeScript object literal, `const dashboard: Dashboard = {...}`, checked by the project's tsc.
 * A literal is what makes this strict: TypeScript checks excess properties only on literals, so a
 * misspelt or unknown field fails as surely as a wrong type.
 *
 * The schema types a few fields as string enums (a field's color mode, thresholds mode, value
 * mapping type), which no JSON string satisfies; there the literal names the enum member with that
 * value, and a value no member has stays a string, so tsc rejects it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { FieldColorModeId, MappingType, SpecialValueMatch, ThresholdsMode } from '@grafana/schema';
import { NODE, ROOT } from '../helpers/sidecar-process.ts';
import { readDashboards } from './dashboards.ts';

const run = promisify(execFile);
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** ENUMS maps a property path suffix to the string enum the schema types it with. */
const ENUMS: { suffix: RegExp; name: string; values: Record<string, string> }[] = [
  { suffix: /(^|\.)color\.mode$/, name: 'FieldColorModeId', values: FieldColorModeId },
  { suffix: /(^|\.)thresholds\.mode$/, name: 'ThresholdsMode', values: ThresholdsMode },
  { suffix: /(^|\.)mappings\.\d+\.type$/, name: 'MappingType', values: MappingType },
  { suffix: /(^|\.)mappings\.\d+\.options\.match$/, name: 'SpecialValueMatch', values: SpecialValueMatch },
];

/** literal writes `value` as a TypeScript literal, naming enum members where the schema wants them. */
export function literal(value: unknown, path = ''): string {
  if (Array.isArray(value)) return `[${value.map((v, i) => literal(v, `${path}.${i}`)).join(', ')}]`;
  if (value && typeof value === 'object') {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${literal(v, path === '' ? k : `${path}.${k}`)}`);
    return `{${fields.join(', ')}}`;
  }
  if (typeof value === 'string') {
    // Only the fieldConfig's field config (defaults), not override properties (typed unknown).
    const e = path.includes('.overrides.') ? undefined : ENUMS.find((x) => x.suffix.test(path));
    const member = e && Object.entries(e.values).find(([, v]) => v === value)?.[0];
    if (e && member) return `${e.name}.${member}`;
  }
  return JSON.stringify(value);
}

const dir = join(ROOT, 'node_modules', '.cache');
mkdirSync(dir, { recursive: true });
// Inside the repository so that `@grafana/schema` resolves from its node_modules.
const work = mkdtempSync(join(dir, 'runwarden-dashboard-types-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** typecheck runs tsc on `files` (name → source) and returns its diagnostics ('' when clean). */
async function typecheck(files: Record<string, string>): Promise<string> {
  const sub = mkdtempSync(join(work, 'check-'));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(sub, name), source);
  const tsconfig = {
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2024', skipLibCheck: true, types: [] },
    files: Object.keys(files),
  };
  writeFileSync(join(sub, 'tsconfig.json'), JSON.stringify(tsconfig));
  try {
    await run(NODE, [TSC, '-p', join(sub, 'tsconfig.json')], { cwd: sub });
    return '';
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
  }
}

function source(model: unknown): string {
  return [
    "import type { Dashboard } from '@grafana/schema';",
    "import { FieldColorModeId, MappingType, SpecialValueMatch, ThresholdsMode } from '@grafana/schema';",
    'void FieldColorModeId; void MappingType; void SpecialValueMatch; void ThresholdsMode;',
    `export const dashboard: Dashboard = ${literal(model)};`,
    '',
  ].join('\n');
}

describe("the dashboards against @grafana/schema's Dashboard type", () => {
  it('type-check, every one', { timeout: 120_000 }, async () => {
    const files = Object.fromEntries(readDashboards().map((d) => [d.file.replace(/\.json$/, '.ts'), source(d.model)]));
    expect(await typecheck(files)).toBe('');
  });

  it('would catch an unknown field, a wrong type and a thresholds mode Grafana does not have', { timeout: 120_000 }, async () => {
    const base = { schemaVersion: 42, title: 't' };
    const out = await typecheck({
      'unknown.ts': source({ ...base, refreshInterval: '5s' }),
      'wrong-type.ts': source({ ...base, panels: [{ type: 'stat', id: '1' }] }),
      'bad-enum.ts': source({ ...base, panels: [{ type: 'stat', id: 1, fieldConfig: { defaults: { thresholds: { mode: 'relative', steps: [] } }, overrides: [] } }] }),
    });
    expect(out).toMatch(/unknown\.ts.*refreshInterval/);
    expect(out).toMatch(/wrong-type\.ts.*error/);
    expect(out).toMatch(/bad-enum\.ts.*error/);
  });
});
