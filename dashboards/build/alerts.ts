/**
 * Alerts and delivery: the alerts the sidecar's rules hold (ALERTS, as Prometheus exports it) and
 * how their notifications fare: sent and failed per receiver, delivery latency, the outbox, dead
 * letters, circuit breakers, silences. Delivery metric names are DELIVERY_METRICS' in
 * src/pipeline/types.ts as the OTel Prometheus exporter writes them (no unit suffix).
 */
import {
  ANY_IS_BAD,
  JOB_VARIABLE,
  NAMESPACE_VARIABLE,
  WORKFLOW_VARIABLE,
  barGauge,
  dashboard,
  datasourceVariable,
  organize,
  quantile,
  selNs,
  stat,
  table,
  timeseries,
  warnAt,
} from './lib.ts';
import type { JsonObject } from './lib.ts';

/**
 * ALERTS_SEL keeps alerts without a workflow label (pool, resources) under any workflow choice,
 * and those without a job (fleet alerts Prometheus evaluates over many sidecars) under any job.
 */
const ALERTS_SEL = (...extra: string[]): string =>
  `ALERTS{${['namespace=~"$namespace"', 'job=~"$job|"', 'cicd_pipeline_name=~"$workflow|"', ...extra].join(', ')}}`;
const LANE = 'receiver, integration';
/** ALERT_LABELS are the columns of the alert table: what the alert is and which run it is about. */
const ALERT_LABELS = 'alertname, severity, alertstate, cicd_pipeline_name, cicd_pipeline_run_id, cicd_pipeline_task_name';

/** alerts is the Alerts and delivery dashboard. */
export function alerts(): JsonObject {
  return dashboard({
    uid: 'runwarden-alerts',
    title: 'Runwarden / Alerts and delivery',
    description: 'Alerts by severity and state, and the delivery of their notifications: sent, failed, latency, outbox, dead letters.',
    tags: ['alerts'],
    refresh: '30s',
    variables: [datasourceVariable('datasource', 'prometheus', 'Prometheus'), NAMESPACE_VARIABLE, JOB_VARIABLE, WORKFLOW_VARIABLE],
    sections: [
      {
        title: 'Alerts',
        panels: [
          stat({
            title: 'Critical alerts firing',
            description: 'Alerts with severity critical firing now.',
            targets: [{ expr: `count(${ALERTS_SEL('alertstate="firing"', 'severity="critical"')})`, legend: 'critical' }],
            decimals: 0,
            noValue: '0',
            thresholds: ANY_IS_BAD,
            w: 4,
          }),
          stat({
            title: 'Alerts firing',
            description: 'All alerts firing now, any severity.',
            targets: [{ expr: `count(${ALERTS_SEL('alertstate="firing"')})`, legend: 'firing' }],
            decimals: 0,
            noValue: '0',
            thresholds: warnAt(1),
            w: 4,
          }),
          barGauge({
            title: 'Firing alerts by severity',
            description: 'Alerts firing now per severity label (the shorthand levels INFO, WARNING, ERROR, CRITICAL become info, warning, error, critical).',
            targets: [{ expr: `sort_desc(count by (severity) (${ALERTS_SEL('alertstate="firing"')}))`, instant: true, legend: '{{severity}}' }],
            decimals: 0,
            min: 0,
            w: 8,
            h: 4,
            overrides: severityColors(),
          }),
          barGauge({
            title: 'Firing alerts by name',
            description: 'Alerts firing now per alert rule.',
            targets: [{ expr: `sort_desc(count by (alertname) (${ALERTS_SEL('alertstate="firing"')}))`, instant: true, legend: '{{alertname}}' }],
            decimals: 0,
            min: 0,
            w: 8,
            h: 4,
          }),
          timeseries({
            title: 'Alerts by severity',
            description: 'Firing (solid) and pending alerts over time, by severity.',
            targets: [{ expr: `count by (severity, alertstate) (${ALERTS_SEL()})`, legend: '{{severity}} {{alertstate}}' }],
            decimals: 0,
            min: 0,
            stack: true,
            w: 10,
            h: 9,
          }),
          table({
            title: 'Current alerts',
            description: 'Every pending or firing alert with its labels: which run, workflow and phase it is about.',
            targets: [{ expr: `max by (${ALERT_LABELS}) (${ALERTS_SEL()})`, instant: true }],
            w: 14,
            h: 9,
            transformations: [
              organize(
                {
                  alertname: 'Alert',
                  severity: 'Severity',
                  alertstate: 'State',
                  cicd_pipeline_name: 'Workflow',
                  cicd_pipeline_run_id: 'Run',
                  cicd_pipeline_task_name: 'Phase',
                },
                ['Time', 'Value'],
              ),
            ],
          }),
        ],
      },
      {
        title: 'Notification delivery',
        panels: [
          timeseries({
            title: 'Notifications sent per minute by receiver',
            description: 'Notifications delivered per minute, per receiver.',
            targets: [{ expr: `60 * sum by (receiver) (rate(${selNs('runwarden_notifications_sent_total')}[$__rate_interval]))`, legend: '{{receiver}}' }],
            unit: 'short',
            min: 0,
            w: 8,
            h: 8,
          }),
          timeseries({
            title: 'Failed delivery attempts per minute',
            description: 'Failed attempts per minute by receiver and reason (clientError, serverError, rateLimited, timeout, network...). Retried attempts count too.',
            targets: [{ expr: `60 * sum by (receiver, reason) (rate(${selNs('runwarden_notifications_failed_total')}[$__rate_interval]))`, legend: '{{receiver}}: {{reason}}' }],
            unit: 'short',
            min: 0,
            bars: true,
            stack: true,
            w: 8,
            h: 8,
          }),
          timeseries({
            title: 'Delivery latency p50 / p95 by receiver',
            description: 'Time from an alert notification entering the outbox to its delivery, retries included.',
            targets: [
              { expr: quantile(0.5, selNs('runwarden_notification_delivery_duration_bucket'), ['receiver']), legend: '{{receiver}} p50' },
              { expr: quantile(0.95, selNs('runwarden_notification_delivery_duration_bucket'), ['receiver']), legend: '{{receiver}} p95' },
            ],
            unit: 's',
            min: 0,
            w: 8,
            h: 8,
          }),
          timeseries({
            title: 'Outbox depth',
            description: 'Notifications waiting in the outbox per receiver and integration. A line that only grows is a receiver that does not answer.',
            targets: [{ expr: `sum by (${LANE}) (${selNs('runwarden_outbox_depth')})`, legend: '{{receiver}} {{integration}}' }],
            unit: 'short',
            decimals: 0,
            min: 0,
            thresholds: warnAt(50),
            w: 6,
            h: 8,
          }),
          stat({
            title: 'Dead letters',
            description: 'Notifications kept as dead letters: failed for good or past their deadline. Each one is an alert nobody was told about.',
            targets: [{ expr: `sum(${selNs('runwarden_notifications_dead')})`, legend: 'dead letters' }],
            decimals: 0,
            noValue: '0',
            thresholds: ANY_IS_BAD,
            sparkline: true,
            w: 3,
            h: 8,
          }),
          timeseries({
            title: 'New dead letters',
            description: 'Notifications that became dead letters per interval, by receiver.',
            targets: [{ expr: `sum by (${LANE}) (increase(${selNs('runwarden_notifications_dead_lettered_total')}[$__rate_interval]))`, legend: '{{receiver}} {{integration}}' }],
            unit: 'short',
            min: 0,
            bars: true,
            w: 5,
            h: 8,
          }),
          timeseries({
            title: 'Circuit breakers',
            description: 'Circuit breaker state per integration: 0 closed (sending), 1 half-open (probing), 2 open (not sending).',
            targets: [{ expr: `max by (${LANE}) (${selNs('runwarden_notifier_circuit_state')})`, legend: '{{receiver}} {{integration}}' }],
            unit: 'short',
            min: 0,
            max: 2,
            decimals: 0,
            thresholds: warnAt(1, 2),
            mappings: [{ type: 'value', options: { '0': { text: 'closed', index: 0 }, '1': { text: 'half-open', index: 1 }, '2': { text: 'open', index: 2 } } }],
            w: 5,
            h: 8,
          }),
          timeseries({
            title: 'Silences and muted alerts',
            description: 'Silences by state, and alerts muted per interval by reason (inhibited, silenced, time_interval).',
            targets: [
              { expr: `sum by (state) (${selNs('runwarden_silences')})`, legend: 'silences {{state}}' },
              { expr: `sum by (reason) (increase(${selNs('runwarden_alerts_muted_total')}[$__rate_interval]))`, legend: 'muted: {{reason}}' },
            ],
            unit: 'short',
            min: 0,
            w: 5,
            h: 8,
          }),
        ],
      },
    ],
  });
}

/** severityColors gives each severity its usual color in the panels that split by it. */
function severityColors(): JsonObject[] {
  const colors: Record<string, string> = { critical: 'red', error: 'orange', warning: 'yellow', info: 'blue' };
  return Object.entries(colors).map(([name, color]) => ({
    matcher: { id: 'byName', options: name },
    properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }],
  }));
}
