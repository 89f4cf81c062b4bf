/**
 * Sidecar: the health of Runwarden itself: ingest rate, latency and refusals, exporter failures,
 * rule evaluation, memory and CPU. Series without a workflow, so only $namespace and $instance
 * narrow them.
 */
import {
  ANY_IS_BAD,
  JOB_VARIABLE,
  NAMESPACE_VARIABLE,
  dashboard,
  datasourceVariable,
  quantile,
  queryVariable,
  selNs,
  stat,
  timeseries,
  warnAt,
} from './lib.ts';
import type { JsonObject, PanelSpec } from './lib.ts';

const INSTANCE = 'instance=~"$instance"';
const s = (metric: string, ...extra: string[]): string => selNs(metric, INSTANCE, ...extra);
/** RESOURCE grades memory, CPU and disk as the bundled alerts do: 80% warning, 90% critical. */
const RESOURCE = warnAt(0.8, 0.9);

/** resourceStat is the sidecar's use of one resource, 0..1, graded by RESOURCE. */
function resourceStat(title: string, description: string, metric: string, legend: string): PanelSpec {
  return stat({
    title,
    description,
    targets: [{ expr: `max(${s(metric)})`, legend }],
    unit: 'percentunit',
    min: 0,
    max: 1,
    thresholds: RESOURCE,
    sparkline: true,
    w: 3,
  });
}

/**
 * SIDECAR_UP is `up` (0 or 1) per sidecar target: the targets that served runwarden_rule_samples
 * in the last hour, so a sidecar that went down stays listed (as 0) and other targets do not count.
 */
const SIDECAR_UP = `(max by (job, instance) (${s('up')}) and on (job, instance) max by (job, instance) (last_over_time(${s('runwarden_rule_samples')}[1h])))`;

/** sidecar is the Sidecar dashboard. */
export function sidecar(): JsonObject {
  return dashboard({
    uid: 'runwarden-sidecar',
    title: 'Runwarden / Sidecar',
    description: 'The sidecar itself: ingest rate and latency, refused events, exporter failures, rule evaluation, memory and CPU.',
    tags: ['sidecar'],
    timeFrom: 'now-3h',
    variables: [
      datasourceVariable('datasource', 'prometheus', 'Prometheus'),
      NAMESPACE_VARIABLE,
      JOB_VARIABLE,
      queryVariable(
        'instance',
        'Sidecar',
        'label_values(runwarden_rule_samples{namespace=~"$namespace", job=~"$job"}, instance)',
        'The sidecar scrape targets (Prometheus\'s instance label).',
      ),
    ],
    sections: [
      {
        title: 'At a glance',
        panels: [
          stat({
            title: 'Sidecars up',
            description: 'Sidecar scrape targets Prometheus reaches now, among those that served Runwarden series in the last hour.',
            targets: [{ expr: `sum(${SIDECAR_UP})`, legend: 'up' }],
            decimals: 0,
            thresholds: [
              { color: 'red', value: null },
              { color: 'green', value: 1 },
            ],
            w: 3,
          }),
          stat({
            title: 'Sidecars down',
            description: 'Sidecar scrape targets that served Runwarden series in the last hour and that Prometheus cannot scrape now.',
            targets: [{ expr: `sum(1 - ${SIDECAR_UP})`, legend: 'down' }],
            decimals: 0,
            thresholds: ANY_IS_BAD,
            w: 3,
          }),
          stat({
            title: 'Events per second',
            description: 'Events the ingest API accepted per second.',
            targets: [{ expr: `sum(rate(${s('runwarden_ingest_events_total', 'outcome="accepted"')}[$__rate_interval]))`, legend: 'accepted' }],
            unit: 'reqps',
            sparkline: true,
            w: 3,
          }),
          stat({
            title: 'Refused events',
            description: 'Share of ingest events refused (bad input, unknown run, conflicting transition, store unavailable). Duplicates are not refusals.',
            targets: [
              {
                expr: `(sum(rate(${s('runwarden_ingest_events_total', 'outcome="rejected"')}[$__rate_interval])) or vector(0)) / sum(rate(${s('runwarden_ingest_events_total')}[$__rate_interval]))`,
                legend: 'refused',
              },
            ],
            unit: 'percentunit',
            decimals: 1,
            thresholds: warnAt(0.01, 0.1),
            sparkline: true,
            w: 3,
          }),
          stat({
            title: 'Ingest p99',
            description: 'p99 time to handle an ingest API call, all routes.',
            targets: [{ expr: quantile(0.99, s('runwarden_ingest_duration_bucket')), legend: 'p99' }],
            unit: 's',
            thresholds: warnAt(0.05, 0.25),
            sparkline: true,
            w: 3,
          }),
          resourceStat('Memory used', 'Memory in use over the pod\'s cgroup limit (the host\'s memory where there is none). The bundled alerts warn at 80%, page at 90%.', 'runwarden_memory_utilization', 'memory'),
          resourceStat('CPU used', 'CPU in use over the pod\'s cgroup quota (the host\'s cores where there is none).', 'runwarden_cpu_utilization', 'cpu'),
          resourceStat('Data dir disk used', 'Space used on the data directory\'s file system.', 'runwarden_data_dir_usage', 'disk'),
        ],
      },
      {
        title: 'Ingest',
        panels: [
          timeseries({
            title: 'Ingest rate by event type',
            description: 'Events received per second by type and outcome (accepted, duplicate, rejected).',
            targets: [{ expr: `sum by (type, outcome) (rate(${s('runwarden_ingest_events_total')}[$__rate_interval]))`, legend: '{{type}} {{outcome}}' }],
            unit: 'reqps',
            min: 0,
            stack: true,
            w: 8,
            h: 8,
          }),
          timeseries({
            title: 'Ingest latency p50 / p99 by route',
            description: 'Time to handle an ingest API call, per route (runwarden.ingest.duration).',
            targets: [
              { expr: quantile(0.5, s('runwarden_ingest_duration_bucket'), ['route']), legend: '{{route}} p50' },
              { expr: quantile(0.99, s('runwarden_ingest_duration_bucket'), ['route']), legend: '{{route}} p99' },
            ],
            unit: 's',
            min: 0,
            w: 8,
            h: 8,
          }),
          timeseries({
            title: 'Refused events by reason',
            description: 'Events refused per second by reason: invalid (bad input), unknown_run, conflict (a transition that makes no sense), store_unavailable, internal.',
            targets: [{ expr: `sum by (reason, type) (rate(${s('runwarden_ingest_events_total', 'outcome="rejected"')}[$__rate_interval]))`, legend: '{{reason}} ({{type}})' }],
            unit: 'reqps',
            min: 0,
            bars: true,
            stack: true,
            w: 8,
            h: 8,
          }),
        ],
      },
      {
        title: 'Export and rules',
        panels: [
          timeseries({
            title: 'Exporter failures',
            description: 'Failed export attempts per minute by signal (spans to the OTLP endpoint). Spans are kept in the data dir and sent again; a steady rate means the Collector is down or unreachable.',
            targets: [{ expr: `60 * sum by (signal) (rate(${s('runwarden_export_failures_total')}[$__rate_interval]))`, legend: '{{signal}}' }],
            unit: 'short',
            min: 0,
            thresholds: ANY_IS_BAD,
            bars: true,
            w: 8,
            h: 8,
          }),
          timeseries({
            title: 'Rule group evaluation time',
            description: 'How long the last evaluation of each rule group took. It should stay far below the group\'s interval.',
            targets: [{ expr: `max by (rule_group) (${s('runwarden_rule_group_last_duration')})`, legend: '{{rule_group}}' }],
            unit: 's',
            min: 0,
            w: 8,
            h: 8,
          }),
          timeseries({
            title: 'Rule evaluations and failures',
            description: 'Rule group evaluations per minute, and failed evaluations (a failing rule is unhealthy on /v1/rules, the others go on).',
            targets: [
              { expr: `60 * sum(rate(${s('runwarden_rule_evaluations_total')}[$__rate_interval]))`, legend: 'evaluations' },
              { expr: `60 * sum by (rule_group) (rate(${s('runwarden_rule_evaluation_failures_total')}[$__rate_interval]))`, legend: 'failures {{rule_group}}' },
            ],
            unit: 'short',
            min: 0,
            w: 8,
            h: 8,
          }),
        ],
      },
      {
        title: 'Memory and CPU',
        panels: [
          timeseries({
            title: 'Memory',
            description: 'Resident memory of the sidecar process and the V8 heap in use by space.',
            targets: [
              { expr: `sum by (instance) (${s('process_memory_usage')})`, legend: 'resident {{instance}}' },
              { expr: `sum by (instance) (${s('v8js_memory_heap_used')})`, legend: 'V8 heap used {{instance}}' },
            ],
            unit: 'bytes',
            min: 0,
            w: 8,
            h: 8,
          }),
          timeseries({
            title: 'CPU',
            description: 'CPU seconds per second used by the sidecar process, by mode (1 = one core).',
            targets: [{ expr: `sum by (cpu_mode) (rate(${s('process_cpu_time_total')}[$__rate_interval]))`, legend: '{{cpu_mode}}' }],
            unit: 'short',
            decimals: 2,
            min: 0,
            stack: true,
            w: 8,
            h: 8,
          }),
          timeseries({
            title: 'Rule engine samples',
            description: 'Samples the in-memory series store holds for the rule engine, and samples dropped to stay under its cap (oldest first).',
            targets: [
              { expr: `sum(${s('runwarden_rule_samples')})`, legend: 'held' },
              { expr: `sum(increase(${s('runwarden_rule_samples_dropped_total')}[$__rate_interval]))`, legend: 'dropped' },
            ],
            unit: 'short',
            min: 0,
            w: 8,
            h: 8,
          }),
        ],
      },
    ],
  });
}
