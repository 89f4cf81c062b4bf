/**
 * Building blocks for Runwarden's Grafana dashboards: panels, targets, variables and a row
 * layout, so that the five dashboards share one look (units, thresholds, legends) and one way of
 * naming datasources: always through a `${datasource}` (or `${jaeger}`) variable, never a uid.
 *
 * The dashboards in `dashboards/*.json` are generated from `dashboards/build/*.ts` by
 * `node dashboards/build/main.ts`; test/dashboards/ checks that the files match the builders.
 */

/** SCHEMA_VERSION is the dashboard schemaVersion of the Grafana the bundle targets (@grafana/schema 13). */
export const SCHEMA_VERSION = 42;

/** Json is any JSON value the dashboards hold. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** JsonObject is a JSON object. */
export type JsonObject = { [key: string]: Json };

/** PROMETHEUS is the datasource reference every Prometheus panel and target carries. */
export const PROMETHEUS: JsonObject = { type: 'prometheus', uid: '${datasource}' };

/** JAEGER is the Jaeger datasource variable's reference (for trace links). */
export const JAEGER: JsonObject = { type: 'jaeger', uid: '${jaeger}' };

/** Target is one PromQL query of a panel. */
export interface Target {
  expr: string;
  legend?: string;
  /** instant queries give one value per series (stats, tables, bar gauges); range queries a series. */
  instant?: boolean;
  format?: 'time_series' | 'table' | 'heatmap';
}

/** Threshold is a step of a panel's thresholds: its color from `value` upwards (null: the base). */
export interface Threshold {
  color: string;
  value: number | null;
}

/** PanelSpec is what a dashboard says about a panel; `build` adds ids, positions and datasources. */
export interface PanelSpec {
  type: 'timeseries' | 'stat' | 'gauge' | 'bargauge' | 'table' | 'heatmap';
  title: string;
  description: string;
  targets: Target[];
  /** Width on Grafana's 24-column grid and height in grid units. */
  w: number;
  h: number;
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  thresholds?: Threshold[];
  /** noValue is shown when the query has no result (a count of nothing is 0, not "No data"). */
  noValue?: string;
  options?: JsonObject;
  custom?: JsonObject;
  overrides?: Json[];
  transformations?: Json[];
  links?: Json[];
  mappings?: Json[];
}

/** Section is a row of the dashboard and the panels under it, laid out left to right. */
export interface Section {
  title: string;
  panels: PanelSpec[];
}

/** GOOD_HIGH colors a ratio where high is good (success rates): red under 50%, orange under 80%. */
export const GOOD_HIGH: Threshold[] = [
  { color: 'red', value: null },
  { color: 'orange', value: 0.5 },
  { color: 'green', value: 0.8 },
];

/** BUDGET colors the share of a budget used as the bundled alerts grade it: 50% warning, 80% error, 100% critical. */
export const BUDGET: Threshold[] = [
  { color: 'green', value: null },
  { color: 'yellow', value: 0.5 },
  { color: 'orange', value: 0.8 },
  { color: 'red', value: 1 },
];

/** ANY_IS_BAD colors a count where anything above zero needs a look. */
export const ANY_IS_BAD: Threshold[] = [
  { color: 'green', value: null },
  { color: 'red', value: 1 },
];

/** warnAt colors a value that is worse the higher it goes: green, orange from `orange`, red from `red` when given. */
export function warnAt(orange: number, red?: number): Threshold[] {
  const steps: Threshold[] = [
    { color: 'green', value: null },
    { color: 'orange', value: orange },
  ];
  if (red !== undefined) steps.push({ color: 'red', value: red });
  return steps;
}

/** NEUTRAL is a single blue step, for values that are neither good nor bad. */
export const NEUTRAL: Threshold[] = [{ color: 'blue', value: null }];

/**
 * Selector labels: every query narrows by namespace and scrape job, and by workflow where the
 * series has one. The job matters where a Collector re-exports the sidecars' OTLP metrics under
 * its own job: choosing the sidecars' job keeps them from being counted twice.
 */
const NS = 'namespace=~"$namespace", job=~"$job"';
const WF = 'cicd_pipeline_name=~"$workflow"';

/** sel is `metric{namespace=~"$namespace", job=~"$job", cicd_pipeline_name=~"$workflow", ...extra}`. */
export function sel(metric: string, ...extra: string[]): string {
  return `${metric}{${[NS, WF, ...extra].join(', ')}}`;
}

/** selNs is `metric{namespace=~"$namespace", job=~"$job", ...extra}`, for series without a workflow. */
export function selNs(metric: string, ...extra: string[]): string {
  return `${metric}{${[NS, ...extra].join(', ')}}`;
}

/** quantile is histogram_quantile(q, sum by (le, ...by) (rate(bucket[window]))). */
export function quantile(q: number, bucketSelector: string, by: string[] = [], window = '$__rate_interval'): string {
  return `histogram_quantile(${q}, sum by (${[...by, 'le'].join(', ')}) (rate(${bucketSelector}[${window}])))`;
}

/** timeseries is a line (or bar) chart panel. */
export function timeseries(spec: Omit<PanelSpec, 'type'> & { stack?: boolean; bars?: boolean }): PanelSpec {
  const { stack, bars, ...rest } = spec;
  return {
    ...rest,
    type: 'timeseries',
    custom: {
      drawStyle: bars ? 'bars' : 'line',
      lineWidth: 1,
      fillOpacity: bars || stack ? 70 : 12,
      gradientMode: 'opacity',
      showPoints: 'never',
      spanNulls: false,
      stacking: { mode: stack ? 'normal' : 'none', group: 'A' },
      thresholdsStyle: { mode: spec.thresholds && spec.thresholds.length > 1 ? 'dashed' : 'off' },
      ...spec.custom,
    },
    options: {
      // A table legend with last and max beside wide panels; narrow ones keep their width for the plot.
      legend:
        spec.w >= 12
          ? { displayMode: 'table', placement: 'right', showLegend: true, calcs: ['lastNotNull', 'max'] }
          : { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
      tooltip: { mode: 'multi', sort: 'desc' },
      ...spec.options,
    },
  };
}

/** stat is one big number with a sparkline, colored by its thresholds. */
export function stat(spec: Omit<PanelSpec, 'type' | 'w' | 'h'> & { w?: number; h?: number; sparkline?: boolean }): PanelSpec {
  const { sparkline, ...rest } = spec;
  return {
    w: 4,
    h: 4,
    ...rest,
    type: 'stat',
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: sparkline ? 'area' : 'none',
      justifyMode: 'center',
      textMode: 'value',
      orientation: 'auto',
      ...spec.options,
    },
  };
}

/** barGauge ranks the series of an instant query, largest first. */
export function barGauge(spec: Omit<PanelSpec, 'type'>): PanelSpec {
  return {
    ...spec,
    type: 'bargauge',
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      orientation: 'horizontal',
      displayMode: 'gradient',
      showUnfilled: true,
      valueMode: 'color',
      namePlacement: 'left',
      sizing: 'auto',
      ...spec.options,
    },
  };
}

/** table shows instant queries as rows; `transformations` join and rename the columns. */
export function table(spec: Omit<PanelSpec, 'type'>): PanelSpec {
  return {
    ...spec,
    type: 'table',
    options: { showHeader: true, cellHeight: 'sm', ...spec.options },
  };
}

/** heatmap shows a histogram's buckets over time, as Prometheus returns them (no recalculation). */
export function heatmap(spec: Omit<PanelSpec, 'type'>): PanelSpec {
  return {
    ...spec,
    type: 'heatmap',
    options: {
      calculate: false,
      cellGap: 1,
      color: { mode: 'scheme', scheme: 'Oranges', scale: 'exponential', exponent: 0.5, fill: 'dark-orange', reverse: false, steps: 64 },
      yAxis: { axisPlacement: 'left', unit: spec.unit ?? 's' },
      rowsFrame: { layout: 'auto' },
      legend: { show: true },
      tooltip: { mode: 'single', yHistogram: true, showColorScale: false },
      exemplars: { color: 'rgba(255,0,255,0.7)' },
      ...spec.options,
    },
  };
}

/** rename is an `organize` transformation: hides `exclude` and names the columns in `names` order. */
export function organize(names: Record<string, string>, exclude: string[] = ['Time']): JsonObject {
  const indexByName: JsonObject = {};
  for (const [i, key] of Object.keys(names).entries()) indexByName[key] = i;
  return {
    id: 'organize',
    options: {
      excludeByName: Object.fromEntries(exclude.map((k) => [k, true])),
      indexByName,
      renameByName: names,
      includeByName: {},
    },
  };
}

/** byName overrides the properties of the field (table column) called `name`. */
export function byName(name: string, properties: Record<string, Json>): JsonObject {
  return { matcher: { id: 'byName', options: name }, properties: Object.entries(properties).map(([id, value]) => ({ id, value })) };
}

function target(t: Target, i: number): JsonObject {
  const instant = t.instant ?? false;
  return {
    datasource: PROMETHEUS,
    refId: String.fromCharCode(65 + i),
    expr: t.expr,
    legendFormat: t.legend ?? '__auto',
    range: !instant,
    instant,
    format: t.format ?? (instant && t.legend === undefined ? 'table' : 'time_series'),
    editorMode: 'code',
  };
}

function panel(spec: PanelSpec, id: number, x: number, y: number): JsonObject {
  const defaults: JsonObject = {
    unit: spec.unit ?? 'short',
    color: { mode: spec.type === 'timeseries' || (spec.type === 'bargauge' && spec.thresholds === undefined) ? 'palette-classic' : 'thresholds' },
    thresholds: { mode: 'absolute', steps: (spec.thresholds ?? NEUTRAL) as unknown as Json[] },
    mappings: spec.mappings ?? [],
    links: spec.links ?? [],
  };
  if (spec.decimals !== undefined) defaults.decimals = spec.decimals;
  if (spec.min !== undefined) defaults.min = spec.min;
  if (spec.max !== undefined) defaults.max = spec.max;
  if (spec.noValue !== undefined) defaults.noValue = spec.noValue;
  if (spec.custom !== undefined) defaults.custom = spec.custom;
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    datasource: PROMETHEUS,
    gridPos: { h: spec.h, w: spec.w, x, y },
    fieldConfig: { defaults, overrides: spec.overrides ?? [] },
    options: spec.options ?? {},
    targets: spec.targets.map(target),
    ...(spec.transformations ? { transformations: spec.transformations } : {}),
  };
}

/**
 * layout places the sections top to bottom: a row panel per section, then its panels left to
 * right, wrapping at 24 columns. Panel ids count up from 1 in reading order.
 */
export function layout(sections: Section[]): JsonObject[] {
  const out: JsonObject[] = [];
  let id = 1;
  let y = 0;
  for (const section of sections) {
    out.push({ id: id++, type: 'row', title: section.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const spec of section.panels) {
      if (x + spec.w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      out.push(panel(spec, id++, x, y));
      x += spec.w;
      rowHeight = Math.max(rowHeight, spec.h);
    }
    y += rowHeight;
  }
  return out;
}

/** datasourceVariable picks a datasource of `pluginId`; dashboards reference it as `${name}`. */
export function datasourceVariable(name: string, pluginId: string, label: string): JsonObject {
  return { name, label, type: 'datasource', query: pluginId, hide: 0, refresh: 1, regex: '', options: [], includeAll: false, multi: false };
}

/**
 * queryVariable is a multi-value label variable with "All" meaning `.*`, so that it also matches
 * series that do not have the label at all (a `namespace` outside Kubernetes).
 */
export function queryVariable(name: string, label: string, query: string, description: string): JsonObject {
  return {
    name,
    label,
    description,
    type: 'query',
    datasource: PROMETHEUS,
    query: { qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    includeAll: true,
    allValue: '.*',
    multi: true,
    sort: 1,
    regex: '',
    hide: 0,
    current: { text: ['All'], value: ['$__all'] },
    options: [],
  };
}

/** textVariable is a free-text variable with a default (a URL, a service name). */
export function textVariable(name: string, label: string, value: string, description: string): JsonObject {
  return { name, label, description, type: 'textbox', query: value, current: { text: value, value }, options: [{ selected: true, text: value, value }], hide: 0 };
}

/** customVariable is a fixed list of choices; the first is the default. */
export function customVariable(name: string, label: string, values: string[], description: string): JsonObject {
  const first = values[0] as string;
  return {
    name,
    label,
    description,
    type: 'custom',
    query: values.join(','),
    current: { text: first, value: first },
    options: values.map((v, i) => ({ selected: i === 0, text: v, value: v })),
    includeAll: false,
    multi: false,
    hide: 0,
  };
}

/** NAMESPACE_VARIABLE filters by the `namespace` label Prometheus adds in Kubernetes (absent elsewhere: All). */
export const NAMESPACE_VARIABLE = queryVariable(
  'namespace',
  'Namespace',
  'label_values(target_info, namespace)',
  'Kubernetes namespace of the sidecar, from the namespace label your scrape config adds. Outside Kubernetes the list is empty and All matches everything.',
);

/** JOB_VARIABLE filters by the scrape job of the sidecars (runwarden_rule_samples: a series every sidecar serves). */
export const JOB_VARIABLE = queryVariable(
  'job',
  'Job',
  'label_values(runwarden_rule_samples{namespace=~"$namespace"}, job)',
  'Prometheus scrape jobs that serve Runwarden series. Pick the sidecars\' job if a Collector re-exports their OTLP metrics under another.',
);

/** WORKFLOW_VARIABLE filters by workflow (cicd.pipeline.name). */
export const WORKFLOW_VARIABLE = queryVariable(
  'workflow',
  'Workflow',
  'label_values(cicd_pipeline_run_active{namespace=~"$namespace", job=~"$job"}, cicd_pipeline_name)',
  'Workflows (cicd.pipeline.name) the sidecars have seen since they started.',
);

/** DashboardSpec is one dashboard before it is laid out. */
export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: JsonObject[];
  sections: Section[];
  refresh?: string;
  timeFrom?: string;
}

/** dashboard builds the full Grafana dashboard model of `spec`. */
export function dashboard(spec: DashboardSpec): JsonObject {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['runwarden', ...spec.tags],
    editable: true,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    refresh: spec.refresh ?? '30s',
    schemaVersion: SCHEMA_VERSION,
    time: { from: spec.timeFrom ?? 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    version: 1,
    weekStart: '',
    links: [
      {
        title: 'Runwarden',
        type: 'dashboards',
        tags: ['runwarden'],
        asDropdown: true,
        icon: 'external link',
        includeVars: true,
        keepTime: true,
        targetBlank: false,
        tooltip: 'The other Runwarden dashboards',
      },
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: { list: spec.variables },
    panels: layout(spec.sections),
  };
}
