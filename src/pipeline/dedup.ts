/**
 * Deduplication with a notification log, as Alertmanager's `DedupStage` and `nflog`: for each
 * (group, receiver, integration) the log keeps the fingerprints of the firing and resolved alerts
 * last notified. A flush notifies only when something a receiver would notice changed, so the
 * same page never goes out twice, and the log lives in SQLite so a restart neither re-pages nor
 * forgets a resolve.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** LogEntry is what was last notified for one group and integration. */
export interface LogEntry {
  firing: ReadonlySet<string>;
  resolved: ReadonlySet<string>;
  sentAt: number;
}

/** LogKey names one integration of one receiver for one aggregation group. */
export interface LogKey {
  groupKey: string;
  receiver: string;
  integration: string;
}

/**
 * NotifyReason says why a group's integration is notified (Alertmanager's `NotifyReason`): the
 * first notification of the group (or the first since it all resolved), alerts new to it, all of
 * it resolved, alerts resolved since (with `send_resolved`), or the repeat interval.
 */
export type NotifyReason = 'first_notification' | 'new_alerts_in_group' | 'all_alerts_resolved' | 'new_resolved_alerts' | 'repeat_interval_elapsed';

/**
 * notifyReason is Alertmanager's `DedupStage.needsUpdate`: with no entry, notify if anything
 * fires; notify when an alert fires that was not firing last time; when nothing fires any more,
 * notify only if the last notification had firing alerts (the resolve, whatever `send_resolved`
 * says, so the log is cleared); with `send_resolved`, notify when an alert resolved since;
 * otherwise only once the repeat interval has passed since the last notification. Undefined: do
 * not notify.
 */
export function notifyReason(
  entry: LogEntry | undefined,
  firing: ReadonlySet<string>,
  resolved: ReadonlySet<string>,
  sendResolved: boolean,
  repeatIntervalMs: number,
  now: number,
): NotifyReason | undefined {
  if (entry === undefined) return firing.size > 0 ? 'first_notification' : undefined;
  for (const fp of firing) if (!entry.firing.has(fp)) return entry.firing.size === 0 ? 'first_notification' : 'new_alerts_in_group';
  if (firing.size === 0) return entry.firing.size > 0 ? 'all_alerts_resolved' : undefined;
  if (sendResolved) for (const fp of resolved) if (!entry.resolved.has(fp)) return 'new_resolved_alerts';
  return entry.sentAt < now - repeatIntervalMs ? 'repeat_interval_elapsed' : undefined;
}

/** NotificationLog reads and writes the `notification_log` table (statements prepared once). */
export class NotificationLog {
  readonly #get: StatementSync;
  readonly #put: StatementSync;
  readonly #gc: StatementSync;

  constructor(db: DatabaseSync) {
    this.#get = db.prepare('SELECT firing, resolved, sent_ms, expires_ms FROM notification_log WHERE group_key = ? AND receiver = ? AND integration = ?');
    this.#put = db.prepare(
      `INSERT INTO notification_log (group_key, receiver, integration, firing, resolved, sent_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (group_key, receiver, integration) DO UPDATE SET firing = excluded.firing, resolved = excluded.resolved, sent_ms = excluded.sent_ms, expires_ms = excluded.expires_ms`,
    );
    this.#gc = db.prepare('DELETE FROM notification_log WHERE expires_ms <= ?');
  }

  /**
   * get returns the entry for `key` still valid at `now`, or undefined. An entry that cannot be
   * read (another version's, or damaged) counts as none: the group is notified again (a possible
   * repeat) rather than failing at every flush and never notifying again.
   */
  get(key: LogKey, now: number): LogEntry | undefined {
    const row = this.#get.get(key.groupKey, key.receiver, key.integration);
    if (row === undefined || Number(row['expires_ms']) <= now) return undefined;
    const firing = fingerprints(row['firing']);
    const resolved = fingerprints(row['resolved']);
    const sentAt = Number(row['sent_ms']);
    if (firing === undefined || resolved === undefined || !Number.isFinite(sentAt)) return undefined;
    return { firing, resolved, sentAt };
  }

  /** log records a notification sent at `now`, kept until `expiresAt`. Call it inside the outbox's transaction. */
  log(key: LogKey, firing: readonly string[], resolved: readonly string[], now: number, expiresAt: number): void {
    this.#put.run(key.groupKey, key.receiver, key.integration, JSON.stringify([...firing].sort()), JSON.stringify([...resolved].sort()), now, expiresAt);
  }

  /** gc deletes entries expired at `now`; returns how many. */
  gc(now: number): number {
    return Number(this.#gc.run(now).changes);
  }
}

// fingerprints reads a stored JSON list of fingerprints; undefined when it is anything else.
function fingerprints(text: unknown): Set<string> | undefined {
  try {
    const v: unknown = JSON.parse(String(text));
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? new Set(v) : undefined;
  } catch {
    return undefined;
  }
}
