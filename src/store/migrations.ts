/**
 * The store's schema, as numbered migrations. `PRAGMA user_version` holds the version a file is
 * at; opening applies the missing migrations in one transaction. A file at a version newer than
 * the last one here was written by a newer Runwarden and is refused, never downgraded.
 * Append migrations; never edit one that has shipped.
 */

/** Migration is one schema step. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** MIGRATIONS in order; the last version is the schema this code reads and writes. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'event log, run index, meta',
    sql: `
      -- The durable log: every accepted run event, in the order it was applied. Run state is a
      -- projection of it. body is the normalised event as JSON (times in epoch ms). There is no
      -- index by run on purpose: with many runs in flight it would dirty a page per run per commit
      -- (measured: 9x the bytes written, a third of the throughput). A run's events are found
      -- between its first_seq and last_seq in the run index, and replays scan in seq order.
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        body TEXT NOT NULL
      );

      -- One row per run, for queries: written at run start, completed at run finish.
      -- summary (JSON, finished runs): {durationMs, pendingMs, retried, phases: [{name, attempts,
      -- failedAttempts, result}]}; view (JSON, finished runs): the run's timeline as GET answers it.
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('active', 'finished')),
        result TEXT,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER,
        first_seq INTEGER NOT NULL,
        last_seq INTEGER,
        summary TEXT,
        view TEXT
      );
      CREATE INDEX runs_by_start ON runs (start_ms DESC, run_id DESC);
      CREATE INDEX runs_by_workflow ON runs (workflow, start_ms DESC, run_id DESC);
      CREATE INDEX runs_finished_by_end ON runs (end_ms) WHERE state = 'finished';
      CREATE INDEX runs_finished_by_workflow ON runs (workflow, end_ms) WHERE state = 'finished';
      CREATE INDEX runs_active ON runs (workflow) WHERE state = 'active';

      -- Small named values: the span export mark, the last pool report.
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'alert delivery: outbox, notification log, silences, escalation counts',
    sql: `
      -- Every notification, written before any send (src/pipeline/outbox.ts). Delivered in id
      -- order per (receiver, integration). state: pending (to send or retry at next_ms), sent,
      -- dead (failed past its deadline, or for good: kept for GET /v1/notifications?state=dead and
      -- a manual retry). body: the NotificationData as JSON. deadline_ms: created_ms plus the
      -- deadline, moved on by a manual retry (which keeps created_ms for the latency metric).
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        receiver TEXT NOT NULL,
        integration TEXT NOT NULL,
        body TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_ms INTEGER NOT NULL,
        next_ms INTEGER NOT NULL,
        deadline_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        last_error TEXT
      );
      CREATE INDEX outbox_pending ON outbox (receiver, integration, id) WHERE state = 'pending';
      CREATE INDEX outbox_dead ON outbox (id) WHERE state = 'dead';
      CREATE INDEX outbox_sent ON outbox (updated_ms) WHERE state = 'sent';

      -- Alertmanager's notification log: what each integration was last sent for each group
      -- (fingerprints of the firing and resolved alerts), so a flush after a restart neither
      -- re-pages nor forgets to resolve (src/pipeline/). firing, resolved: JSON arrays.
      CREATE TABLE notification_log (
        group_key TEXT NOT NULL,
        receiver TEXT NOT NULL,
        integration TEXT NOT NULL,
        firing TEXT NOT NULL,
        resolved TEXT NOT NULL,
        sent_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        PRIMARY KEY (group_key, receiver, integration)
      );

      -- Silences in Alertmanager's v2 shape (body: JSON {id, matchers, startsAt, endsAt,
      -- createdBy, comment, updatedAt}); expired ones kept until ends_ms + retention.
      CREATE TABLE silences (
        id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        ends_ms INTEGER NOT NULL
      );

      -- Escalation by occurrence: each time an alert matching a policy starts firing, one row,
      -- keyed by the alert's labels minus the policy's ignored ones (src/pipeline/escalation.ts).
      CREATE TABLE escalation_occurrences (
        policy TEXT NOT NULL,
        alert_key TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      );
      CREATE INDEX escalation_by_key ON escalation_occurrences (policy, alert_key, at_ms);

      -- Which receiver an escalated alert (by fingerprint) went to, so its resolve goes there too.
      CREATE TABLE escalation_assignments (
        fingerprint TEXT PRIMARY KEY,
        receiver TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      );
    `,
  },
];

/** SCHEMA_VERSION is the version this code reads and writes. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
