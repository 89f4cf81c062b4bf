/**
 * RuleMetrics: the rule engine's own metrics and its `ALERTS` series, as one MetricProducer on
 * the Prometheus exporter. A producer rather than SDK instruments because `ALERTS` must show the
 * alerts active now and nothing else (an observable keeps reporting attribute sets it stopped
 * observing), and because the counters are plain numbers the manager bumps on its own loop.
 * Names as the exporter writes them: `runwarden_rule_evaluation_failures_total{rule_group}`,
 * `runwarden_rule_evaluations_total{rule_group}`, `runwarden_rule_group_last_duration{rule_group}`
 * (seconds), `runwarden_rule_reload_failures_total`, `runwarden_rule_samples_dropped_total`,
 * `runwarden_rule_samples` (points held) and `ALERTS{alertname, alertstate, ...}`.
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import { hrTime, millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { CollectionResult, DataPoint, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import { SCOPE } from '../telemetry/scope.ts';
import type { Alert } from './alert-state.ts';
import { counterData, gaugeData } from '../telemetry/metric-data.ts';

/** AlertSource lists the active (pending and firing) alerts; MUST be cheap, it runs at every scrape. */
export type AlertSource = () => Iterable<Readonly<Alert>>;

/** StoreStats is what the producer reads of the sample store. */
export interface StoreStats {
  readonly droppedSamples: number;
  readonly sampleCount: number;
}

/** RuleMetrics holds the rule engine's counters and exports them with ALERTS. */
export class RuleMetrics implements MetricProducer {
  readonly #resource: Resource;
  readonly #clock: () => number;
  readonly #startTime: HrTime = hrTime();
  readonly #evaluations = new Map<string, number>();
  readonly #failures = new Map<string, number>();
  readonly #lastDuration = new Map<string, number>();
  #reloadFailures = 0;
  #alerts: AlertSource = () => [];
  #store: StoreStats | undefined;

  constructor(resource: Resource, clock: () => number) {
    this.#resource = resource;
    this.#clock = clock;
  }

  /** bind sets where alerts and store statistics are read from (the manager, once built). */
  bind(alerts: AlertSource, store: StoreStats): void {
    this.#alerts = alerts;
    this.#store = store;
  }

  /** groupEvaluated records one evaluation of group `group` (`file;name`) taking `seconds`. */
  groupEvaluated(group: string, seconds: number): void {
    this.#evaluations.set(group, (this.#evaluations.get(group) ?? 0) + 1);
    this.#lastDuration.set(group, seconds);
    if (!this.#failures.has(group)) this.#failures.set(group, 0);
  }

  /** ruleFailed counts a failed rule evaluation in group `group`. */
  ruleFailed(group: string): void {
    this.#failures.set(group, (this.#failures.get(group) ?? 0) + 1);
  }

  /** reloadFailed counts a reload refused because of a problem in the rule files. */
  reloadFailed(): void {
    this.#reloadFailures++;
  }

  /** groupRemoved forgets the gauge of a group gone in a reload (its counters stay). */
  groupRemoved(group: string): void {
    this.#lastDuration.delete(group);
  }

  async collect(): Promise<CollectionResult> {
    return { resourceMetrics: { resource: this.#resource, scopeMetrics: [{ scope: SCOPE, metrics: this.snapshot() }] }, errors: [] };
  }

  /** snapshot is the metrics now. */
  snapshot(): MetricData[] {
    const now = millisToHrTime(this.#clock());
    const point = (value: number, attributes: Attributes = {}, startTime: HrTime = now): DataPoint<number> => ({ startTime, endTime: now, attributes, value });
    const byGroup = (m: Map<string, number>, start?: HrTime) => [...m].map(([g, v]) => point(v, { rule_group: g }, start));
    const out: MetricData[] = [
      counterData('runwarden.rule.evaluations', '{evaluation}', 'Rule group evaluations, by group (file;name).', byGroup(this.#evaluations, this.#startTime)),
      counterData('runwarden.rule.evaluation.failures', '{failure}', 'Rule evaluations that failed (the rule is then unhealthy), by group.', byGroup(this.#failures, this.#startTime)),
      counterData('runwarden.rule.reload.failures', '{reload}', 'Rule reloads refused because a rule file had a problem (the old rules stay).', [point(this.#reloadFailures, {}, this.#startTime)]),
      gaugeData('runwarden.rule.group.last.duration', 's', 'How long the last evaluation of the rule group took, by group.', byGroup(this.#lastDuration)),
    ];
    if (this.#store) {
      out.push(counterData('runwarden.rule.samples.dropped', '{sample}', 'Samples dropped from the rule engine\'s store to stay within its memory bound, oldest first.', [point(this.#store.droppedSamples, {}, this.#startTime)]));
      out.push(gaugeData('runwarden.rule.samples', '{sample}', 'Samples held by the rule engine\'s store.', [point(this.#store.sampleCount)]));
    }
    const alerts: DataPoint<number>[] = [];
    const forState: DataPoint<number>[] = [];
    for (const a of this.#alerts()) {
      const labels = exportedLabels(a);
      alerts.push(point(1, labels));
      // ALERTS_FOR_STATE has the alert's labels without alertstate, valued at activeAt in seconds.
      const { alertstate: _state, ...identity } = labels;
      forState.push(point(a.activeAt / 1000, identity));
    }
    // Prometheus's ALERTS and ALERTS_FOR_STATE: one series per pending or firing alert; absent when there is none.
    if (alerts.length > 0) out.push(gaugeData('ALERTS', '', 'Alerts active in the sidecar\'s rule engine, pending or firing.', alerts));
    if (forState.length > 0) out.push(gaugeData('ALERTS_FOR_STATE', '', 'When each active alert became active (Unix seconds), as Prometheus records it to restore for-state.', forState));
    return out.filter((m) => m.dataPoints.length > 0);
  }
}

// exportedLabels are an alert's ALERTS labels as the exporter gets them: without the
// `otel_scope_*` labels its series carried from the self-scrape, which the exporter adds again
// (twice would be a duplicate label, an exposition Prometheus refuses).
function exportedLabels(a: Readonly<Alert>): Attributes {
  const out: Attributes = {};
  for (const [name, value] of Object.entries(a.labels)) if (!name.startsWith('otel_scope_')) out[name] = value;
  out['alertstate'] = a.state;
  return out;
}
