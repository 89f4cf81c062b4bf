/**
 * Alerts for Alertmanager's `POST /api/v2/alerts` (a JSON array of `postableAlert`), as
 * Prometheus's notifier sends them. A firing alert's `endsAt` is how long it stays valid without
 * news (Prometheus: `now + 4 × resend delay`), so Alertmanager resolves it by itself only if
 * Runwarden goes quiet; a resolved alert carries its real end.
 */
import type { NotificationAlert } from '../../pipeline/types.ts';
import { goJson, goTime, sortedRecord } from '../go-json.ts';

/** VALIDITY_RESENDS: a firing alert stays valid this many resend delays (Prometheus's factor). */
export const VALIDITY_RESENDS = 4;

/** alertmanagerUrl is the alerts endpoint under a base URL (`http://am:9093` or with a route prefix). */
export function alertmanagerUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/v2/alerts`;
}

/** postableEndsAt is the `endsAt` sent: a resolved alert's end, or a firing one's validity. */
export function postableEndsAt(alert: NotificationAlert, nowMs: number, resendMs: number): number {
  if (alert.status === 'resolved') return alert.endsAt > 0 ? alert.endsAt : nowMs;
  const validUntil = nowMs + VALIDITY_RESENDS * resendMs;
  return alert.endsAt > validUntil ? alert.endsAt : validUntil;
}

/** buildPostableAlerts is the request body for a set of alerts at `nowMs`. */
export function buildPostableAlerts(alerts: readonly NotificationAlert[], nowMs: number, resendMs: number): string {
  return goJson(
    alerts.map((a) => ({
      labels: sortedRecord(a.labels),
      annotations: sortedRecord(a.annotations),
      startsAt: goTime(a.startsAt),
      endsAt: goTime(postableEndsAt(a, nowMs, resendMs)),
      generatorURL: a.generatorURL,
    })),
  );
}
