/**
 * Runs template cases through the real promtool: each case becomes an annotation of an alerting
 * rule, the expected strings go into a `promtool test rules` file as exp_annotations, and
 * promtool's verdict (plus what it actually rendered, parsed from its failure report) comes back.
 * Parse-error cases go through `promtool check rules`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unquote } from '../../../src/rules/template/strconv.ts';

/** Fixture is the alert a case renders for: its series labels, value and the test group's externals. */
export interface Fixture {
  labels: Record<string, string>;
  value: number;
  externalLabels?: Record<string, string>;
  externalURL?: string;
  /** More input series, for templates that `query`. */
  series?: ReadonlyArray<{ series: string; values: string }>;
}

/** RenderCase is one template with what we expect it to render to; `NAME` in `want` stands for the template's name. */
export interface RenderCase {
  template: string;
  want: string;
  fixture: Fixture;
}

function seriesValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function seriesSelector(name: string, labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${name}{${parts.join(',')}}`;
}

function fixtureKey(f: Fixture): string {
  return JSON.stringify([f.labels, seriesValue(f.value), f.externalLabels ?? {}, f.externalURL ?? '', f.series ?? []]);
}

function run(bin: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: err ? (err.code as number) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** parseGoLabels parses promtool's `{a="x", b="y"}` rendering of a label set. */
export function parseGoLabels(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = text.indexOf('{') + 1;
  while (i < text.length && text[i] !== '}') {
    const eq = text.indexOf('=', i);
    const key = text.slice(i, eq).trim();
    let j = eq + 2;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    out.set(key, unquote(text.slice(eq + 1, j + 1)));
    i = j + 1;
    if (text.startsWith(', ', i)) i += 2;
  }
  return out;
}

/** PromtoolRenderResult is promtool's verdict and, for failed alerts, what it rendered per case index (template names as `NAME`). */
export interface PromtoolRenderResult {
  ok: boolean;
  output: string;
  got: Map<number, string>;
}

/**
 * promtoolRender puts every case into one rule file (one alert per fixture, one annotation per
 * case) and one unit-test file expecting `want`, and runs `promtool test rules`.
 */
export async function promtoolRender(promtool: string, cases: readonly RenderCase[]): Promise<PromtoolRenderResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rw-template-'));
  try {
    const groups = new Map<string, { fixture: Fixture; cases: number[] }>();
    cases.forEach((c, i) => {
      const key = fixtureKey(c.fixture);
      const g = groups.get(key) ?? { fixture: c.fixture, cases: [] };
      g.cases.push(i);
      groups.set(key, g);
    });
    let rules = 'groups:\n  - name: templates\n    rules:\n';
    let tests = 'rule_files: [rules.yaml]\nevaluation_interval: 1m\ntests:\n';
    let n = 0;
    for (const g of groups.values()) {
      const alert = `T${n}`;
      const metric = `m${n}`;
      n++;
      rules += `      - alert: ${alert}\n        expr: ${metric} * 1\n        annotations:\n`;
      for (const i of g.cases) rules += `          a${i}: ${JSON.stringify((cases[i] as RenderCase).template)}\n`;
      tests += '  - interval: 1m\n';
      if (g.fixture.externalLabels) tests += `    external_labels: ${JSON.stringify(g.fixture.externalLabels)}\n`;
      if (g.fixture.externalURL !== undefined) tests += `    external_url: ${JSON.stringify(g.fixture.externalURL)}\n`;
      tests += `    input_series:\n      - series: ${JSON.stringify(seriesSelector(metric, g.fixture.labels))}\n        values: ${JSON.stringify(seriesValue(g.fixture.value))}\n`;
      for (const extra of g.fixture.series ?? []) tests += `      - series: ${JSON.stringify(extra.series)}\n        values: ${JSON.stringify(extra.values)}\n`;
      tests += `    alert_rule_test:\n      - eval_time: 0m\n        alertname: ${alert}\n        exp_alerts:\n          - exp_labels: ${JSON.stringify(g.fixture.labels)}\n            exp_annotations:\n`;
      for (const i of g.cases) tests += `              a${i}: ${JSON.stringify((cases[i] as RenderCase).want.replaceAll('NAME', `__alert_${alert}`))}\n`;
    }
    writeFileSync(join(dir, 'rules.yaml'), rules);
    writeFileSync(join(dir, 'test.yaml'), tests);
    const { code, output } = await run(promtool, ['test', 'rules', 'test.yaml'], dir);
    const got = new Map<number, string>();
    const re = /got:\[\s*0:\s*Labels:\{[^\n]*\}\s*Annotations:(\{[^\n]*\})/g;
    for (const m of output.matchAll(re)) {
      for (const [key, value] of parseGoLabels(m[1] as string)) got.set(Number(key.slice(1)), value.replace(/__alert_T\d+/g, 'NAME'));
    }
    return { ok: code === 0, output, got };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** promtoolParseErrors runs `promtool check rules` over one alert per template; returns each template's error text (after `annotation "a": `), or '' when it loads. */
export async function promtoolParseErrors(promtool: string, templates: readonly string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rw-template-'));
  try {
    let rules = 'groups:\n  - name: templates\n    rules:\n';
    templates.forEach((t, i) => {
      rules += `      - alert: P${i}\n        expr: vector(1)\n        annotations:\n          a: ${JSON.stringify(t)}\n`;
    });
    writeFileSync(join(dir, 'rules.yaml'), rules);
    const { output } = await run(promtool, ['check', 'rules', 'rules.yaml'], dir);
    const errors = templates.map(() => '');
    for (const line of output.split('\n')) {
      const m = /rule (\d+), "P\d+": annotation "a": (.*)$/.exec(line);
      if (m) errors[Number(m[1]) - 1] = m[2] as string;
    }
    return errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
