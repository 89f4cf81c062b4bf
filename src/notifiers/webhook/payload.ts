/**
 * Alertmanager's webhook payload, version "4", byte for byte as Alertmanager's encoder writes it
 * (field order of its structs, map keys sorted, Go's time format, Go's HTML escaping, a final
 * newline), so any receiver built for Alertmanager's webhooks works unchanged.
 */
import type { NotificationData } from '../../pipeline/types.ts';
import { goJson, goTime, sortedRecord } from '../go-json.ts';
import { quoteMeta } from '../template-data.ts';

/** buildWebhookPayload builds the message; `maxAlerts` > 0 keeps the first alerts and counts the rest in `truncatedAlerts`. */
export function buildWebhookPayload(data: NotificationData, maxAlerts: number): string {
  const kept = maxAlerts > 0 && data.alerts.length > maxAlerts ? data.alerts.slice(0, maxAlerts) : data.alerts;
  const message = {
    // Alertmanager's template data quotes the receiver name as a regexp; its webhooks carry it so.
    receiver: quoteMeta(data.receiver),
    status: data.status,
    alerts: kept.map((a) => ({
      status: a.status,
      labels: sortedRecord(a.labels),
      annotations: sortedRecord(a.annotations),
      startsAt: goTime(a.startsAt),
      endsAt: goTime(a.endsAt),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
    groupLabels: sortedRecord(data.groupLabels),
    commonLabels: sortedRecord(data.commonLabels),
    commonAnnotations: sortedRecord(data.commonAnnotations),
    externalURL: data.externalURL,
    version: '4',
    groupKey: data.groupKey,
    truncatedAlerts: data.truncatedAlerts + (data.alerts.length - kept.length),
  };
  return goJson(message);
}
