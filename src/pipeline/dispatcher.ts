/**
 * The dispatcher: aggregation groups as Alertmanager's `dispatch` package keeps them. An alert
 * routed to a route joins the group of that route and its group labels; a new group flushes
 * after `group_wait` (at once for an alert that started longer than that ago and a group that has
 * never flushed), then every `group_interval`. Whether a flush notifies anyone (something
 * changed, or `repeat_interval` passed) is the notification log's decision, not the timer's.
 * After a successful flush the resolved alerts leave the group, and an empty group is dropped.
 */
import type { Labels } from '../rules/types.ts';
import { formatLabelSet } from './fingerprint.ts';
import { groupLabelsOf } from './route.ts';
import type { Scheduler } from './scheduler.ts';
import type { PipelineAlert, Route } from './types.ts';

/** AggregationGroup is one group's state; read-only outside the dispatcher. */
export interface AggregationGroup {
  /** Alertmanager's group key: `${route.id}:${groupLabels}`. */
  readonly key: string;
  route: Route;
  readonly labels: Labels;
  readonly alerts: Map<string, PipelineAlert>;
  hasFlushed: boolean;
  /** When the group's timer fires next. */
  nextFlushAt: number;
}

/**
 * FlushFunc handles one flush of a group at `now` with its alerts (sorted). It returns normally
 * when the notifications are enqueued (or none was due); throwing keeps every alert for the next
 * flush.
 */
export type FlushFunc = (group: AggregationGroup, alerts: PipelineAlert[], now: number) => void;

/** DispatcherOptions are the dispatcher's collaborators. */
export interface DispatcherOptions {
  clock: () => number;
  scheduler: Scheduler;
  flush: FlushFunc;
  /** Told about a flush that threw; the dispatcher goes on. */
  onError?: (err: unknown, group: AggregationGroup) => void;
}

/** groupKeyOf is the key of the group for `route` and the group labels `labels`. */
export function groupKeyOf(route: Route, labels: Labels): string {
  return `${route.id}:${formatLabelSet(labels)}`;
}

/** Dispatcher holds the aggregation groups and their timers. */
export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #groups = new Map<string, AggregationGroup>();
  readonly #cancels = new Map<string, () => void>();

  constructor(o: DispatcherOptions) {
    this.#o = o;
  }

  /** insert puts `alert` into its group on `route`, creating the group (and its group_wait timer) if needed. */
  insert(route: Route, alert: PipelineAlert): void {
    const now = this.#o.clock();
    const labels = groupLabelsOf(route, alert.labels);
    const key = groupKeyOf(route, labels);
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = { key, route, labels, alerts: new Map(), hasFlushed: false, nextFlushAt: now + route.groupWaitMs };
      this.#groups.set(key, group);
      this.#arm(group, group.nextFlushAt);
    }
    group.alerts.set(alert.fingerprint, alert);
    // An alert that started longer than group_wait ago (a restart, a late one) need not wait again.
    if (!group.hasFlushed && alert.startsAt + route.groupWaitMs < now && group.nextFlushAt > now) this.#arm(group, now);
  }

  /** groups lists the current groups (for the API and tests). */
  groups(): AggregationGroup[] {
    return [...this.#groups.values()];
  }

  /**
   * reload keeps every group whose route id `lookup` still finds (with the new route's
   * settings from its next flush on) and drops the others, returning their alerts to re-route.
   */
  reload(lookup: (routeId: string) => Route | undefined): PipelineAlert[] {
    const orphans: PipelineAlert[] = [];
    for (const group of [...this.#groups.values()]) {
      const route = lookup(group.route.id);
      if (route !== undefined) {
        group.route = route;
        continue;
      }
      orphans.push(...group.alerts.values());
      this.#drop(group);
    }
    return orphans;
  }

  /** stop cancels every timer; the groups stay as they are. */
  stop(): void {
    for (const cancel of this.#cancels.values()) cancel();
    this.#cancels.clear();
  }

  #arm(group: AggregationGroup, at: number): void {
    this.#cancels.get(group.key)?.();
    group.nextFlushAt = at;
    this.#cancels.set(
      group.key,
      this.#o.scheduler.schedule(at, () => this.#fire(group)),
    );
  }

  #drop(group: AggregationGroup): void {
    this.#cancels.get(group.key)?.();
    this.#cancels.delete(group.key);
    this.#groups.delete(group.key);
  }

  #fire(group: AggregationGroup): void {
    if (this.#groups.get(group.key) !== group) return;
    const now = this.#o.clock();
    this.#arm(group, now + group.route.groupIntervalMs);
    group.hasFlushed = true;
    const alerts = sortAlerts([...group.alerts.values()]);
    try {
      this.#o.flush(group, alerts, now);
    } catch (err) {
      this.#o.onError?.(err, group);
      return;
    }
    for (const a of alerts) if (a.endsAt <= now && group.alerts.get(a.fingerprint) === a) group.alerts.delete(a.fingerprint);
    if (group.alerts.size === 0) this.#drop(group);
  }
}

/** sortAlerts orders alerts as Alertmanager's AlertSlice: by `job`, then `instance`, then all labels. */
export function sortAlerts(alerts: PipelineAlert[]): PipelineAlert[] {
  // Each alert's label text is built once, not at every comparison.
  const keyed = alerts.map((a) => ({ a, text: formatLabelSet(a.labels) }));
  keyed.sort((x, y) => {
    for (const k of ['job', 'instance']) {
      const u = x.a.labels[k];
      const v = y.a.labels[k];
      if (u === undefined || v === undefined || u === v) continue;
      return u < v ? -1 : 1;
    }
    return x.text < y.text ? -1 : x.text > y.text ? 1 : 0;
  });
  keyed.forEach((k, i) => (alerts[i] = k.a));
  return alerts;
}
