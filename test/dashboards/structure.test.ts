/**
 * The dashboards as Grafana will load them: valid JSON, the current schemaVersion, unique panel
 * ids, every panel and target on a datasource variable (never a hard-coded uid), every variable a
 * query or link uses defined, the files in step with their builders, and provisioning that loads
 * them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultDashboard } from '@grafana/schema';
import { DASHBOARDS } from '../../dashboards/build/index.ts';
import { DASHBOARD_DIR, allPanels, isBuiltin, panelQueries, readDashboards, substitute, variableRefs } from './dashboards.ts';

const dashboards = readDashboards();

/** DATASOURCE_VARIABLES are the datasource refs a panel may use: the variables, by type. */
const DATASOURCE_VARIABLES: Record<string, string> = { prometheus: '${datasource}', jaeger: '${jaeger}' };

/** refsIn lists every variable referenced anywhere in a JSON value's strings. */
function refsIn(value: unknown): string[] {
  if (typeof value === 'string') return variableRefs(value);
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(refsIn);
  return [];
}

describe('dashboards', () => {
  it('ships the five dashboards of issue 6, with distinct uids and titles', () => {
    expect(dashboards.map((d) => d.file)).toEqual(['alerts-and-delivery.json', 'live-runs.json', 'phases.json', 'sidecar.json', 'workflow-overview.json']);
    expect(new Set(dashboards.map((d) => d.model.uid)).size).toBe(5);
    expect(new Set(dashboards.map((d) => d.model.title)).size).toBe(5);
  });

  it('are the builders\' output (run `node dashboards/build/main.ts` after editing a builder)', () => {
    for (const d of dashboards) {
      const build = DASHBOARDS[d.file];
      expect(build, `dashboards/${d.file} has no builder`).toBeDefined();
      expect(d.text, `dashboards/${d.file} differs from its builder`).toBe(`${JSON.stringify(build?.(), null, 2)}\n`);
    }
  });

  describe.each(dashboards.map((d) => [d.file, d] as const))('%s', (_file, d) => {
    const m = d.model;
    const panels = allPanels(m);
    const variables: any[] = m.templating?.list ?? [];
    const names = new Set(variables.map((v) => v.name));

    it('has the schemaVersion of @grafana/schema, a uid, a title and the runwarden tag', () => {
      expect(m.schemaVersion).toBe(defaultDashboard.schemaVersion);
      expect(m.uid).toMatch(/^[a-z0-9-]{8,40}$/);
      expect(m.title).toMatch(/^Runwarden \/ /);
      expect(m.tags).toContain('runwarden');
    });

    it('has unique panel ids, rows nested panels included, and every panel inside the 24-column grid', () => {
      const ids = panels.map((p) => p.id);
      expect(ids.every((id) => Number.isInteger(id))).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of panels) {
        expect(p.gridPos.x + p.gridPos.w, `panel ${p.title}`).toBeLessThanOrEqual(24);
        expect(p.gridPos.h, `panel ${p.title}`).toBeGreaterThan(0);
      }
    });

    it('does not overlap panels', () => {
      const cells = new Map<string, string>();
      for (const p of panels) {
        const { x, y, w, h } = p.gridPos;
        for (let i = x; i < x + w; i++) {
          for (let j = y; j < y + h; j++) {
            const key = `${i},${j}`;
            expect(cells.get(key), `${p.title} overlaps ${cells.get(key)} at ${key}`).toBeUndefined();
            cells.set(key, p.title);
          }
        }
      }
    });

    it('gives every panel a title, a description and sensible type; every data panel a unit', () => {
      for (const p of panels.filter((p) => p.type !== 'row')) {
        expect(p.title, `panel ${p.id}`).toBeTruthy();
        expect(p.description?.length, `panel ${p.title} has no description`).toBeGreaterThan(20);
        expect(['stat', 'timeseries', 'heatmap', 'table', 'bargauge', 'gauge']).toContain(p.type);
        expect(p.fieldConfig?.defaults?.unit, `panel ${p.title}`).toBeTruthy();
      }
    });

    it('puts every panel under a row', () => {
      expect(m.panels[0]?.type).toBe('row');
    });

    it('references datasources only through datasource variables', () => {
      expect(variables.filter((v) => v.type === 'datasource').map((v) => v.name)).toContain('datasource');
      for (const p of panels.filter((p) => p.type !== 'row')) {
        expect(p.datasource, `panel ${p.title}`).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(p.targets?.length, `panel ${p.title} has no query`).toBeGreaterThan(0);
        for (const t of p.targets) expect(t.datasource, `panel ${p.title} target ${t.refId}`).toEqual(p.datasource);
      }
      for (const v of variables.filter((v) => v.type === 'query')) expect(v.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      // No uid anywhere but a variable, or Grafana's built-in annotation source.
      const uids: string[] = [];
      const walk = (value: unknown, key?: string): void => {
        if (key === 'uid' && typeof value === 'string') uids.push(value);
        else if (Array.isArray(value)) value.forEach((v) => walk(v));
        else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
      };
      walk({ ...m, uid: undefined });
      for (const uid of uids) expect([...Object.values(DATASOURCE_VARIABLES), '-- Grafana --']).toContain(uid);
    });

    it('defines every variable it uses, and every variable it defines resolves to a value', () => {
      for (const name of refsIn({ ...m, templating: undefined })) {
        if (!isBuiltin(name)) expect(names, `$${name} is used but not defined`).toContain(name);
      }
      for (const v of variables) {
        // A variable may only use variables defined before it (Grafana resolves them in order).
        const before = new Set(variables.slice(0, variables.indexOf(v)).map((x) => x.name));
        for (const name of refsIn(v.query)) expect(before, `variable ${v.name} uses $${name}`).toContain(name);
        if (v.type === 'query') {
          expect(v.includeAll, `variable ${v.name}`).toBe(true);
          expect(v.allValue, `variable ${v.name}`).toBe('.*');
        }
        if (v.type === 'custom' || v.type === 'textbox') expect(v.current?.value, `variable ${v.name}`).toBeTruthy();
      }
      expect(names).toContain('namespace');
      expect(names).toContain('job');
      if (d.file !== 'sidecar.json') expect(names).toContain('workflow');
    });

    it('narrows every query by $namespace and $job, and by $workflow where the series has a workflow', () => {
      const values = Object.fromEntries(variables.map((v) => [v.name, '.*']));
      for (const q of panelQueries(d)) {
        expect(q.expr, `${q.panel} ${q.refId}`).toContain('namespace=~"$namespace"');
        expect(q.expr, `${q.panel} ${q.refId}`).toMatch(/job=~"\$job\|?"/);
        if (/\b(cicd_pipeline_run_\w+|runwarden_phase_\w+|runwarden_retries_total|runwarden_run_\w+)\{/.test(q.expr)) {
          expect(q.expr, `${q.panel} ${q.refId}`).toContain('cicd_pipeline_name=~"$workflow"');
        }
        expect(() => substitute(q.expr, values, { rate: '1m', interval: '15s', range: '1h' })).not.toThrow();
      }
    });
  });
});

describe('live runs links', () => {
  const live = dashboards.find((d) => d.file === 'live-runs.json')?.model;
  const table = allPanels(live).find((p) => p.title === 'Active runs' && p.type === 'table');
  const links: { title: string; url: string }[] = table.fieldConfig.overrides
    .find((o: any) => o.matcher.options === 'Run')
    .properties.find((p: any) => p.id === 'links').value;
  // What Grafana does with a data link: interpolate (":percentencode" encodes), then the browser decodes.
  const interpolate = (url: string, runId: string): string =>
    url
      .replaceAll('${__data.fields.cicd_pipeline_run_id:percentencode}', encodeURIComponent(runId))
      .replaceAll('${service:percentencode}', 'runwarden')
      .replaceAll('${jaeger}', 'jaeger-uid')
      .replaceAll('${sidecar_url}', 'http://127.0.0.1:7171');

  it('searches Jaeger for the run by its cicd.pipeline.run.id through the Jaeger datasource variable', () => {
    const url = interpolate(links.find((l) => l.title.includes('Jaeger'))?.url as string, 'etl 2026/11 #1');
    expect(url.startsWith('/explore?left=')).toBe(true);
    const state = JSON.parse(decodeURIComponent(url.slice('/explore?left='.length)));
    expect(state.datasource).toBe('jaeger-uid');
    expect(state.queries[0]).toMatchObject({ queryType: 'search', service: 'runwarden', tags: 'cicd.pipeline.run.id="etl 2026/11 #1"', datasource: { type: 'jaeger', uid: 'jaeger-uid' } });
  });

  it("opens the run's timeline on the sidecar's /v1/runs/{id}", () => {
    const url = interpolate(links.find((l) => l.title.includes('sidecar'))?.url as string, 'etl 2026/11 #1');
    expect(new URL(url).pathname).toBe('/v1/runs/etl%202026%2F11%20%231');
  });
});

describe('the variable references', () => {
  it.each([
    ['rate(x{a=~"$workflow"}[$__rate_interval])', ['workflow', '__rate_interval']],
    ['${datasource} ${__data.fields.cicd_pipeline_run_id} ${a:regex}', ['datasource', '__data', 'a']],
    ['[[old]] $__range_s', ['old', '__range_s']],
    ['no variables', []],
  ])('%s uses %j', (text, expected) => {
    expect(variableRefs(text)).toEqual(expected);
  });

  it('substitute refuses an undefined variable', () => {
    expect(() => substitute('up{a="$nope"}', {}, { rate: '1m', interval: '15s', range: '1h' })).toThrow(/\$nope/);
  });
});

describe('provisioning', () => {
  const read = (path: string): any => parse(readFileSync(join(DASHBOARD_DIR, 'provisioning', path), 'utf8'));

  it('provisions a Prometheus and a Jaeger datasource', () => {
    const { datasources } = read('datasources/runwarden.yaml');
    expect(datasources.map((d: any) => d.type).sort()).toEqual(['jaeger', 'prometheus']);
    for (const ds of datasources) expect(ds.url).toMatch(/^https?:\/\//);
  });

  it('loads the dashboards from /var/lib/grafana/dashboards', () => {
    const { apiVersion, providers } = read('dashboards/runwarden.yaml');
    expect(apiVersion).toBe(1);
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });
  });
});
