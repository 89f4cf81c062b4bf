/**
 * The dashboards type-checked against @grafana/schema: each file becomes a TypeScript object
 * literal, `const dashboard: Dashboard = {...}`, checked by the project's tsc; so does each
 * panel's `options` and `fieldConfig.defaults.custom` against the panel plugin's own types
 * (timeseries, stat, bar gauge, table, heatmap), and each field override property against the
 * field config. A literal is what makes this strict: TypeScript checks excess properties only on
 * literals, so a misspelt or unknown field fails as surely as a wrong type.
 *
 * Two adjustments, both in the checked types rather than in the data: the schema types some
 * fields as string enums, which no JSON string satisfies, so `Json<T>` turns every string enum into
 * the union of its values (a value no member has still fails); and Grafana fills panel options it
 * is not given from the plugin's defaults, so panel options are checked as deep partials (unknown
 * or mistyped options still fail, absent ones do not).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE, ROOT } from '../helpers/sidecar-process.ts';
import { allPanels, readDashboards } from './dashboards.ts';

const run = promisify(execFile);
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** PLUGINS maps a panel type to the module of its options types in @grafana/schema. */
const PLUGINS: Record<string, { module: string; custom: boolean }> = {
  timeseries: { module: 'timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen', custom: true },
  stat: { module: 'stat/panelcfg/x/StatPanelCfg_types.gen', custom: false },
  bargauge: { module: 'bargauge/panelcfg/x/BarGaugePanelCfg_types.gen', custom: false },
  table: { module: 'table/panelcfg/x/TablePanelCfg_types.gen', custom: true },
  heatmap: { module: 'heatmap/panelcfg/x/HeatmapPanelCfg_types.gen', custom: true },
};

/** PRELUDE declares the checked types: string enums as their values, panel options as deep partials. */
const PRELUDE = [
  "import type { Dashboard, FieldConfig } from '@grafana/schema';",
  ...Object.entries(PLUGINS).map(([name, p]) => `import type * as ${name} from '@grafana/schema/dist/esm/raw/composable/${p.module}';`),
  'type Json<T> = T extends string ? `${T}` : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
  'type Partly<T> = T extends string ? `${T}` : T extends readonly (infer U)[] ? Partly<U>[] : T extends object ? { [K in keyof T]?: Partly<T[K]> } : T;',
  'type Prop<T, K extends string> = K extends keyof T ? T[K] : never;',
].join('\n');

/** literal writes a JSON value as a TypeScript literal. */
function literal(value: unknown): string {
  return JSON.stringify(value, null, 1);
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

/** source is the TypeScript that checks one dashboard model: the whole, then each panel's plugin options. */
function source(model: any): string {
  const lines = [PRELUDE, `export const dashboard: Json<Dashboard> = ${literal(model)};`];
  for (const p of allPanels(model)) {
    const plugin = PLUGINS[p.type];
    if (!plugin) continue;
    const at = `panel_${p.id}`;
    lines.push(`export const ${at}_options: Partly<${p.type}.Options> = ${literal(p.options ?? {})};`);
    if (p.fieldConfig?.defaults?.custom !== undefined) {
      lines.push(`export const ${at}_custom: ${plugin.custom ? `Partly<${p.type}.FieldConfig>` : 'never'} = ${literal(p.fieldConfig.defaults.custom)};`);
    }
    for (const [i, o] of (p.fieldConfig?.overrides ?? []).entries()) {
      for (const [j, prop] of (o.properties ?? []).entries()) {
        const id = String(prop.id);
        const type = id.startsWith('custom.')
          ? plugin.custom ? `Partly<Prop<${p.type}.FieldConfig, ${JSON.stringify(id.slice(7))}>>` : 'never'
          : `Json<Prop<FieldConfig, ${JSON.stringify(id)}>>`;
        lines.push(`export const ${at}_override_${i}_${j}: ${type} = ${literal(prop.value)};`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

describe("the dashboards against @grafana/schema's Dashboard type", () => {
  it('type-check, every one', { timeout: 120_000 }, async () => {
    const files = Object.fromEntries(readDashboards().map((d) => [d.file.replace(/\.json$/, '.ts'), source(d.model)]));
    expect(await typecheck(files)).toBe('');
  });

  it('would catch unknown fields, wrong types and values Grafana does not have, in the dashboard and in panel options', { timeout: 120_000 }, async () => {
    const base = { schemaVersion: 42, title: 't' };
    const stat = (over: object): object => ({ ...base, panels: [{ type: 'stat', id: 1, ...over }] });
    const out = await typecheck({
      'unknown.ts': source({ ...base, refreshInterval: '5s' }),
      'wrong-type.ts': source({ ...base, panels: [{ type: 'stat', id: '1' }] }),
      'bad-enum.ts': source(stat({ fieldConfig: { defaults: { thresholds: { mode: 'relative', steps: [] } }, overrides: [] } })),
      'bad-option.ts': source({ ...base, panels: [{ type: 'timeseries', id: 1, options: { legend: { placement: 'left' } } }] }),
      'unknown-option.ts': source(stat({ options: { colourMode: 'background' } })),
      'bad-cell.ts': source({ ...base, panels: [{ type: 'table', id: 1, fieldConfig: { defaults: {}, overrides: [{ matcher: { id: 'byName', options: 'x' }, properties: [{ id: 'custom.cellOptions', value: { type: 'sparkles' } }] }] } }] }),
      'fine.ts': source(stat({ options: { colorMode: 'background', graphMode: 'area' } })),
    });
    for (const file of ['unknown', 'wrong-type', 'bad-enum', 'bad-option', 'unknown-option', 'bad-cell']) expect(out).toMatch(new RegExp(`${file}\\.ts\\(\\d+,\\d+\\): error`));
    expect(out).toMatch(/unknown\.ts.*refreshInterval/);
    expect(out).toMatch(/unknown-option\.ts.*colourMode/);
    expect(out).not.toMatch(/fine\.ts/);
  });
});
