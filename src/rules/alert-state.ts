/**
 * The state of one alert, as Prometheus models it (`rules/alerting.go`): a state enum and the
 * times that drive it, and the decision whether (and why) a notification goes out now. Pure: time
 * is always an argument. Times are epoch milliseconds; an unset time is `undefined` (never 0,
 * which is a real time in tests that start the clock at 0).
 */
import type { Labels } from './types.ts';

/**
 * AlertState: an alert is `pending` while its condition has held for less than `for`, `firing`
 * after, and `inactive` once resolved (kept for RESOLVED_RETENTION_MS so the resolve is re-sent).
 */
export type AlertState = 'inactive' | 'pending' | 'firing';

/** Alert is one instance of an alerting rule: one label set. */
export interface Alert {
  state: AlertState;
  /** The identity: the series' labels without `__name__`, the rule's labels (templated), `alertname`. */
  labels: Labels;
  annotations: Labels;
  /** The value of the expression at the last evaluation where the alert's series was present. */
  value: number;
  /** When the condition started to hold (this alert's `for` clock). */
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  lastSentAt?: number;
  /** When the condition stopped holding while the alert was kept firing by `keep_firing_for`. */
  keepFiringSince?: number;
  /** Until when the last notification holds (its `endsAt`) if nothing is sent again. */
  validUntil?: number;
}

/** RESOLVED_RETENTION_MS keeps a resolved alert, re-sent, for 15 minutes (Prometheus's resolvedRetention). */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

/** DEFAULT_RESEND_DELAY_MS is how often a firing alert is sent again: Prometheus's `--rules.alert.resend-delay` default. */
export const DEFAULT_RESEND_DELAY_MS = 60_000;

/**
 * SendReason says why a notification goes out: the first one since the alert fired, the one that
 * tells it resolved, or a periodic re-send (firing alerts, so the receiver never times them out;
 * resolved ones, during the retention, in case the resolve was lost).
 */
export type SendReason = 'firing' | 'resolved' | 'resend';

/**
 * needsSending decides whether `alert` is to be sent at `now`, as Prometheus's `needsSending`:
 * never while pending; at once when resolved since the last send; otherwise when never sent or
 * last sent more than `resendDelayMs` ago. Returns the reason, or undefined.
 */
export function needsSending(alert: Alert, now: number, resendDelayMs: number): SendReason | undefined {
  if (alert.state === 'pending') return undefined;
  if (alert.resolvedAt !== undefined && (alert.lastSentAt === undefined || alert.resolvedAt > alert.lastSentAt)) return 'resolved';
  if (alert.lastSentAt === undefined) return 'firing';
  if (alert.lastSentAt + resendDelayMs < now) return 'resend';
  return undefined;
}

/**
 * OutgoingAlert is an alert handed to the notification pipeline: a copy of the alert when it was
 * sent, why, and the `startsAt`/`endsAt` Alertmanager expects (`endsAt` is the resolve time of a
 * resolved alert, else `validUntil`, so a receiver that hears nothing more lets it expire).
 */
export interface OutgoingAlert {
  alert: Readonly<Alert>;
  reason: SendReason;
  startsAt: number;
  endsAt: number;
}

/** AlertSnapshot is an alert as plain JSON; non-finite values are written as strings. */
export interface AlertSnapshot {
  state: AlertState;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | 'NaN' | '+Inf' | '-Inf';
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  lastSentAt?: number;
  keepFiringSince?: number;
  validUntil?: number;
}

const TIMES = ['firedAt', 'resolvedAt', 'lastSentAt', 'keepFiringSince', 'validUntil'] as const;

/** snapshotAlert writes an alert as JSON-safe data. */
export function snapshotAlert(a: Alert): AlertSnapshot {
  const out: AlertSnapshot = {
    state: a.state,
    labels: { ...a.labels },
    annotations: { ...a.annotations },
    value: Number.isFinite(a.value) ? a.value : Number.isNaN(a.value) ? 'NaN' : a.value > 0 ? '+Inf' : '-Inf',
    activeAt: a.activeAt,
  };
  for (const t of TIMES) if (a[t] !== undefined) out[t] = a[t];
  return out;
}

/** restoreAlert reads an alert back from `snapshotAlert`'s output; throws TypeError on anything else. */
export function restoreAlert(s: unknown): Alert {
  const o = s as Partial<Record<keyof AlertSnapshot, unknown>> | null;
  if (o === null || typeof o !== 'object') throw new TypeError('alert snapshot: not an object');
  if (o.state !== 'inactive' && o.state !== 'pending' && o.state !== 'firing') throw new TypeError(`alert snapshot: bad state ${JSON.stringify(o.state)}`);
  const labels = stringRecord(o.labels, 'labels');
  const annotations = stringRecord(o.annotations, 'annotations');
  const value = o.value === 'NaN' ? NaN : o.value === '+Inf' ? Infinity : o.value === '-Inf' ? -Infinity : o.value;
  if (typeof value !== 'number') throw new TypeError('alert snapshot: bad value');
  if (!isTime(o.activeAt)) throw new TypeError('alert snapshot: bad activeAt');
  const alert: Alert = { state: o.state, labels, annotations, value, activeAt: o.activeAt };
  for (const t of TIMES) {
    const v = o[t];
    if (v === undefined || v === null) continue;
    if (!isTime(v)) throw new TypeError(`alert snapshot: bad ${t}`);
    alert[t] = v;
  }
  return alert;
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function stringRecord(v: unknown, what: string): Labels {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`alert snapshot: bad ${what}`);
  const entries = Object.entries(v);
  if (entries.some(([, x]) => typeof x !== 'string')) throw new TypeError(`alert snapshot: bad ${what}`);
  return Object.freeze(Object.fromEntries(entries)) as Labels;
}
