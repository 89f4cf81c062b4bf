/**
 * The contracts of alert delivery (issue 5), between its parts:
 *
 *   rules (NotifyFunc) ──▶ pipeline: route → group (group_wait/interval/repeat) → mute (inhibit,
 *   silences, time intervals) → escalation → dedup (notification log) ──▶ outbox (durable) ──▶
 *   notifiers (slack, pagerduty, webhook, alertmanager)
 *
 * - `src/config/alerting/` parses the `alerting:` section (Alertmanager's configuration language,
 *   inline or `alerting.config_file`) into an `AlertingConfig`.
 * - `src/pipeline/` routes, groups, mutes, escalates and deduplicates, and enqueues
 *   `NotificationRequest`s in the outbox; it also owns silences (`/v1/silences`).
 * - `src/pipeline/outbox*.ts` persists requests before any send and delivers them in order per
 *   integration with retries, a circuit breaker and dead letters (`/v1/notifications`).
 * - `src/notifiers/` turns a request into the integration's HTTP request and classifies the answer.
 *
 * Change a contract here first, then its implementations. Times are epoch milliseconds.
 */
import type { Labels, MatchType } from '../rules/types.ts';

/**
 * Secret holds a webhook URL, routing key or token. It never prints itself: JSON, string
 * conversion and `util.inspect` (pino, errors) all give `<secret>`. Read the value with `reveal()`
 * only where it goes on the wire.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** reveal returns the secret's value, for the one place that sends it. */
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '<secret>';
  }
  toString(): string {
    return '<secret>';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '<secret>';
  }
}

/** LabelMatcher is one Alertmanager matcher (`severity=~"warning|critical"`); regexps are fully anchored. */
export interface LabelMatcher {
  name: string;
  type: MatchType;
  value: string;
  /** The compiled, anchored regexp of `=~`/`!~` matchers. */
  re?: RegExp;
}

/**
 * Route is one node of the routing tree with its inherited settings resolved (a child takes
 * every unset field from its parent, as Alertmanager's `NewRoute`).
 */
export interface Route {
  /** Alertmanager's `Route.ID()`: the matchers of the path from the root, and the index among siblings. Stable across reloads of the same tree. */
  id: string;
  receiver: string;
  matchers: LabelMatcher[];
  continue: boolean;
  /** Label names to group by; `all: true` for `group_by: ['...']` (every label: no grouping). */
  groupBy: { all: boolean; labels: string[] };
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  activeTimeIntervals: string[];
  muteTimeIntervals: string[];
  routes: Route[];
}

/** InclusiveRange is a closed range of integers as time intervals write them (`1:5`, `monday:friday`). */
export interface InclusiveRange {
  begin: number;
  end: number;
}

/**
 * TimeInterval is one entry of a named time interval, as Alertmanager's `timeinterval.TimeInterval`:
 * a time matches when every field set matches (an unset field matches everything).
 */
export interface TimeInterval {
  /** Minutes of the day, `[startMinute, endMinute)`. */
  times?: { startMinute: number; endMinute: number }[];
  /** 0 = Sunday … 6 = Saturday. */
  weekdays?: InclusiveRange[];
  /** 1..31, or negative from the end of the month (-1 = last day). */
  daysOfMonth?: InclusiveRange[];
  /** 1..12. */
  months?: InclusiveRange[];
  years?: InclusiveRange[];
  /** IANA zone name; default UTC. */
  location?: string;
}

/** InhibitRule mutes alerts matching `targetMatchers` while an alert matching `sourceMatchers` fires with the same values of `equal`. */
export interface InhibitRule {
  sourceMatchers: LabelMatcher[];
  targetMatchers: LabelMatcher[];
  equal: string[];
}

/** IntegrationKind names a notifier. */
export type IntegrationKind = 'slack' | 'pagerduty' | 'webhook' | 'alertmanager';

/** HttpSettings are the parts of Alertmanager's `http_config` Runwarden honours. */
export interface HttpSettings {
  /** Per-request timeout; default 10 s. */
  timeoutMs: number;
  /** `Authorization: Bearer` credentials, if any. */
  bearerToken?: Secret;
}

/** SlackIntegration is one `slack_configs` entry (incoming webhook). */
export interface SlackIntegration {
  kind: 'slack';
  sendResolved: boolean;
  apiUrl: Secret;
  channel?: string;
  username?: string;
  iconEmoji?: string;
  iconUrl?: string;
  /** Templates (Alertmanager's defaults when unset: `{{ template "slack.default.title" . }}` …). */
  title: string;
  titleLink: string;
  text: string;
  color: string;
  fallback: string;
  http: HttpSettings;
}

/** PagerDutyIntegration is one `pagerduty_configs` entry (Events API v2). */
export interface PagerDutyIntegration {
  kind: 'pagerduty';
  sendResolved: boolean;
  routingKey: Secret;
  /** Default `https://events.pagerduty.com/v2/enqueue`. */
  url: string;
  client: string;
  clientUrl: string;
  description: string;
  /** Template; Alertmanager's default is `error`. */
  severity: string;
  class?: string;
  component?: string;
  group?: string;
  details: Record<string, string>;
  http: HttpSettings;
}

/** WebhookIntegration is one `webhook_configs` entry: Alertmanager's webhook payload (version 4). */
export interface WebhookIntegration {
  kind: 'webhook';
  sendResolved: boolean;
  url: Secret;
  /** At most this many alerts per message, 0 = all (the rest are counted in `truncatedAlerts`). */
  maxAlerts: number;
  http: HttpSettings;
}

/** AlertmanagerIntegration forwards alerts to real Alertmanagers over `POST /api/v2/alerts`. */
export interface AlertmanagerIntegration {
  kind: 'alertmanager';
  /** Always true: Alertmanager needs the resolve (with `endsAt`). */
  sendResolved: true;
  /** Base URLs (`http://am:9093`); the API path is appended. Every URL gets every request. */
  urls: string[];
  http: HttpSettings;
}

/** Integration is one notifier configuration of a receiver. */
export type Integration = SlackIntegration | PagerDutyIntegration | WebhookIntegration | AlertmanagerIntegration;

/** Receiver is a named list of integrations; a receiver with none is a valid "blackhole". */
export interface Receiver {
  name: string;
  integrations: Integration[];
}

/** EscalationPolicy sends the n-th occurrence of the same alert within `windowMs` to the receiver of the last step with `afterOccurrences <= n`. */
export interface EscalationPolicy {
  matchers: LabelMatcher[];
  windowMs: number;
  /** Sorted by `afterOccurrences` ascending; the first step has `afterOccurrences: 1`. */
  steps: { afterOccurrences: number; receiver: string }[];
  /** Labels left out of an occurrence's identity; default `['run_id']`: "the same alert on another run". */
  ignoreLabels: string[];
}

/** AlertingConfig is the whole validated `alerting:` section. */
export interface AlertingConfig {
  route: Route;
  receivers: ReadonlyMap<string, Receiver>;
  inhibitRules: InhibitRule[];
  /** Named time intervals (`time_intervals` and the older `mute_time_intervals`). */
  timeIntervals: ReadonlyMap<string, TimeInterval[]>;
  escalations: EscalationPolicy[];
  /** `global.resolve_timeout`, default 5 m (alerts without `endsAt` from outside; kept for parity). */
  resolveTimeoutMs: number;
  /** Template text defining named templates (`{{ define "..." }}`), from `templates:` files, compiled with the defaults. */
  templateSources: { file: string; text: string }[];
  /** A URL template for the run's trace (`trace_url`, e.g. `http://jaeger:16686/search?tags=...`), with `{{ .RunID }}` and `{{ .TraceID }}`; undefined: no link. */
  traceUrlTemplate?: string;
  /** Outbox settings. */
  delivery: DeliverySettings;
}

/** DeliverySettings tune the outbox (`alerting.delivery:`). */
export interface DeliverySettings {
  /** A notification still failing this long after it was enqueued becomes a dead letter; default 1 h. */
  deadlineMs: number;
  /** First retry delay; default 1 s, doubled per attempt with full jitter, capped at `maxBackoffMs` (default 5 m). */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Consecutive failures that open an integration's circuit; default 5. Half-open probe after `circuitResetMs` (default 30 s). */
  circuitFailures: number;
  circuitResetMs: number;
}

/**
 * PipelineAlert is an alert as the pipeline sees it: Alertmanager's `types.Alert`. Resolved when
 * `endsAt <= now`. `fingerprint` is a stable hash of the labels.
 */
export interface PipelineAlert {
  fingerprint: string;
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
  updatedAt: number;
}

/** NotificationStatus is Alertmanager's `firing` (any alert firing) or `resolved` (all resolved). */
export type NotificationStatus = 'firing' | 'resolved';

/**
 * NotificationData is what a notification says, as Alertmanager's template `Data`: the group's
 * alerts (firing and, with `send_resolved`, resolved), its labels, and the common ones. It is what
 * the outbox stores and what templates see (`.Receiver`, `.Status`, `.Alerts`, `.GroupLabels`,
 * `.CommonLabels`, `.CommonAnnotations`, `.ExternalURL`) and what webhook/Alertmanager payloads
 * carry. JSON-safe: times as epoch ms numbers.
 */
export interface NotificationData {
  receiver: string;
  status: NotificationStatus;
  alerts: NotificationAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  /** Alertmanager's `groupKey`: the route id and the group labels (`{}/{severity="x"}:{alertname="y"}`). */
  groupKey: string;
  /** Alerts left out by `max_alerts`. */
  truncatedAlerts: number;
}

/** NotificationAlert is one alert of a notification (Alertmanager's template `Alert`, plus the run's links). */
export interface NotificationAlert {
  status: NotificationStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** 0 when the alert has no end yet (firing), as Alertmanager's zero time. */
  endsAt: number;
  generatorURL: string;
  fingerprint: string;
  /** The run's trace link from `trace_url`, when the alert has a `run_id`. */
  traceURL?: string;
  /** The run's timeline as text lines (`init ok 12s`, `planning running 4m10s`), when the alert has a known `run_id`. */
  timeline?: string[];
}

/**
 * NotificationRequest is one integration's notification, as enqueued by the pipeline. The outbox
 * delivers requests of one `(receiver, integration)` strictly in enqueue order.
 */
export interface NotificationRequest {
  receiver: string;
  /** `${kind}/${index}` within the receiver, as Alertmanager names integrations (`slack/0`). */
  integration: string;
  data: NotificationData;
}

/** Notification is a request once in the outbox. */
export interface Notification extends NotificationRequest {
  id: number;
  createdAt: number;
  attempts: number;
}

/**
 * NotifyResult is what a notifier says about one attempt: delivered; failed for good (4xx other
 * than 429, a payload the receiver refuses); or worth retrying (network error, timeout, 5xx, 429),
 * with the delay the receiver asked for (`Retry-After`).
 */
export type NotifyResult =
  | { kind: 'success' }
  | { kind: 'failure'; reason: FailureReason; message: string; status?: number }
  | { kind: 'retryable'; reason: FailureReason; message: string; status?: number; retryAfterMs?: number };

/** FailureReason is the `reason` label of the failure metric (Alertmanager's `reason`, plus the network ones). */
export type FailureReason = 'clientError' | 'serverError' | 'rateLimited' | 'timeout' | 'network' | 'template' | 'other';

/**
 * Notifier sends one notification for one integration. It MUST NOT throw for anything the
 * receiver does (every outcome is a NotifyResult) and MUST NOT put secrets in `message`.
 */
export interface Notifier {
  readonly kind: IntegrationKind;
  send(notification: Notification, signal: AbortSignal): Promise<NotifyResult>;
}

/**
 * Delivery metric names (Prometheus names as /metrics shows them), for dashboards and rules:
 * - runwarden_notifications_sent_total{receiver, integration}
 * - runwarden_notifications_failed_total{receiver, integration, reason}  (every failed attempt)
 * - runwarden_notification_delivery_duration_bucket{receiver, integration}  (seconds, enqueue → delivered; the exporter adds no unit suffix)
 * - runwarden_outbox_depth{receiver, integration}  (pending notifications)
 * - runwarden_notifications_dead{receiver, integration}  (dead letters kept)
 * - runwarden_notifications_dead_lettered_total{receiver, integration}
 * - runwarden_notifier_circuit_state{receiver, integration}  (0 closed, 1 half-open, 2 open)
 * - runwarden_silences{state}  (active, pending, expired)
 * - runwarden_alerts_muted_total{reason}  (inhibited, silenced, time_interval)
 */
export const DELIVERY_METRICS = [
  'runwarden.notifications.sent',
  'runwarden.notifications.failed',
  'runwarden.notification.delivery.duration',
  'runwarden.outbox.depth',
  'runwarden.notifications.dead',
  'runwarden.notifications.dead_lettered',
  'runwarden.notifier.circuit.state',
  'runwarden.silences',
  'runwarden.alerts.muted',
] as const;
