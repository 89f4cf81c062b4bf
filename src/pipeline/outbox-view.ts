/**
 * How an outbox row is shown by `GET /v1/notifications` and the CLI: times in RFC 3339, the
 * notification's status, group key and alert count, never the integration's configuration (the
 * URLs, keys and tokens live there, not in the row).
 */
import type { OutboxRow, OutboxState } from './outbox-store.ts';
import { parseBody } from './outbox-store.ts';
import type { NotificationData, NotificationStatus } from './types.ts';

/** NotificationView is one notification as the API lists it. */
export interface NotificationView {
  id: number;
  receiver: string;
  integration: string;
  state: OutboxState;
  /** Attempts made so far (reset to 0 by a manual retry). */
  attempts: number;
  createdAt: string;
  updatedAt: string;
  /** When the next attempt is due; null unless pending. */
  nextAttemptAt: string | null;
  /** When a still-failing notification becomes a dead letter; null unless pending. */
  deadlineAt: string | null;
  /** Why the last attempt failed (or why it is dead); null when none failed. */
  lastError: string | null;
  status: NotificationStatus | null;
  groupKey: string | null;
  /** Alerts the notification carries. */
  alerts: number;
}

/** NotificationDetail is one notification with what it says (`GET /v1/notifications/{id}`). */
export interface NotificationDetail extends NotificationView {
  data: NotificationData | null;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

function body(row: OutboxRow): NotificationData | null {
  try {
    return parseBody(row);
  } catch {
    return null;
  }
}

/** notificationView is a row as the list shows it. */
export function notificationView(row: OutboxRow): NotificationView {
  return viewOf(row, body(row));
}

/** notificationDetail is a row with its NotificationData. */
export function notificationDetail(row: OutboxRow): NotificationDetail {
  const data = body(row);
  return { ...viewOf(row, data), data };
}

function viewOf(row: OutboxRow, data: NotificationData | null): NotificationView {
  const pending = row.state === 'pending';
  return {
    id: row.id,
    receiver: row.receiver,
    integration: row.integration,
    state: row.state,
    attempts: row.attempts,
    createdAt: rfc3339(row.created_ms),
    updatedAt: rfc3339(row.updated_ms),
    nextAttemptAt: pending ? rfc3339(row.next_ms) : null,
    deadlineAt: pending ? rfc3339(row.deadline_ms) : null,
    lastError: row.last_error,
    status: data?.status ?? null,
    groupKey: data?.groupKey ?? null,
    alerts: Array.isArray(data?.alerts) ? data.alerts.length : 0,
  };
}
