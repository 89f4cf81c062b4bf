/**
 * Reading the shipped dashboards for the tests: the files, their panels (rows' nested panels
 * included), their PromQL targets, and Grafana's variable substitution as far as the tests need it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/sidecar-process.ts';

/** DASHBOARD_DIR is where the dashboards ship (and where Grafana's provider reads them). */
export const DASHBOARD_DIR = join(ROOT, 'dashboards');

/** DashboardFile is one dashboards/*.json: its name, raw text and parsed model. */
export interface DashboardFile {
  file: string;
  text: string;
  model: any;
}

/** readDashboards reads every dashboards/*.json; a file that is not JSON throws with its name. */
export function readDashboards(): DashboardFile[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(DASHBOARD_DIR, file), 'utf8');
      try {
        return { file, text, model: JSON.parse(text) };
      } catch (err) {
        throw new Error(`dashboards/${file} is not valid JSON: ${(err as Error).message}`);
      }
    });
}

/** allPanels lists a dashboard's panels, the panels of rows (collapsed ones keep theirs nested) included. */
export function allPanels(model: any): any[] {
  const out: any[] = [];
  for (const p of model.panels ?? []) {
    out.push(p);
    for (const nested of p.panels ?? []) out.push(nested);
  }
  return out;
}

/** PanelQuery is one PromQL target of one panel. */
export interface PanelQuery {
  file: string;
  panel: string;
  refId: string;
  expr: string;
  instant: boolean;
}

/** panelQueries lists every Prometheus target expression of every panel of `d`. */
export function panelQueries(d: DashboardFile): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const p of allPanels(d.model)) {
    for (const t of p.targets ?? []) {
      if (typeof t.expr !== 'string') continue;
      out.push({ file: d.file, panel: p.title, refId: t.refId, expr: t.expr, instant: t.instant === true && t.range !== true });
    }
  }
  return out;
}

/** GRAFANA_BUILTINS are the variables Grafana itself defines (`$__range`, `${__data.fields.x}`...). */
export function isBuiltin(name: string): boolean {
  return name.startsWith('__');
}

/** VARIABLE_REF matches `$name`, `${name}` and `${name:format}` / `${name.path}` as Grafana reads them. */
export const VARIABLE_REF = /\$\{([A-Za-z0-9_]+)(?:[.:][^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)(?::[^\]]*)?\]\]/g;

/** variableRefs lists the variable names `text` refers to. */
export function variableRefs(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(VARIABLE_REF)) names.push((m[1] ?? m[2] ?? m[3]) as string);
  return names;
}

/**
 * substitute replaces variables as Grafana would before sending `expr` to Prometheus: `values`
 * gives dashboard variables (an "All" choice is its allValue, `.*`), and the interval builtins
 * get fixed durations. An unknown variable throws, so a typo cannot reach Prometheus as `$x`.
 */
export function substitute(expr: string, values: Record<string, string>, intervals: { rate: string; interval: string; range: string }): string {
  const builtins: Record<string, string> = {
    __rate_interval: intervals.rate,
    __interval: intervals.interval,
    __range: intervals.range,
  };
  return expr.replace(VARIABLE_REF, (whole, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c) as string;
    const value = builtins[name] ?? values[name];
    if (value === undefined) throw new Error(`no value for variable ${whole} in ${expr}`);
    return value;
  });
}
