/**
 * OutboxStore: the outbox table's statements, prepared once (src/store/migrations.ts v2). Every
 * read the delivery loop makes goes through an index: a lane's head by the partial
 * `outbox_pending (receiver, integration, id)` index, sent rows by `outbox_sent (updated_ms)`,
 * dead letters by `outbox_dead (id)`. Statements that filter by state name the state literally,
 * because SQLite uses a partial index only when the query's WHERE visibly implies the index's.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { NotificationData, NotificationRequest } from './types.ts';

/** OutboxState is a notification's delivery state. */
export type OutboxState = 'pending' | 'sent' | 'dead';

/** OutboxRow is one outbox row, the body still JSON text. */
export interface OutboxRow {
  id: number;
  receiver: string;
  integration: string;
  body: string;
  state: OutboxState;
  attempts: number;
  created_ms: number;
  next_ms: number;
  deadline_ms: number;
  updated_ms: number;
  last_error: string | null;
}

/** LaneCount is how many rows of one state a lane has. */
export interface LaneCount {
  receiver: string;
  integration: string;
  n: number;
}

/** ListQuery selects rows for GET /v1/notifications: newest first, below `before` when given; every state when `state` is absent. */
export interface ListQuery {
  state?: OutboxState;
  receiver?: string;
  limit: number;
  before?: number;
}

const COLUMNS = 'id, receiver, integration, body, state, attempts, created_ms, next_ms, deadline_ms, updated_ms, last_error';

/** OutboxStore reads and writes outbox rows; it never opens a transaction across an await. */
export class OutboxStore {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #head: StatementSync;
  readonly #get: StatementSync;
  readonly #markSent: StatementSync;
  readonly #markDead: StatementSync;
  readonly #reschedule: StatementSync;
  readonly #revive: StatementSync;
  readonly #countByLane: Record<'pending' | 'dead', StatementSync>;
  readonly #countSent: StatementSync;
  readonly #pruneOlder: StatementSync;
  readonly #pruneOldest: StatementSync;
  readonly #list = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO outbox (receiver, integration, body, state, attempts, created_ms, next_ms, deadline_ms, updated_ms) VALUES (?, ?, ?, 'pending', 0, ?, ?, ?, ?)`,
    );
    this.#head = db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE state = 'pending' AND receiver = ? AND integration = ? ORDER BY id LIMIT 1`);
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE id = ?`);
    this.#markSent = db.prepare(`UPDATE outbox SET state = 'sent', attempts = ?, updated_ms = ? WHERE id = ? AND state = 'pending'`);
    this.#markDead = db.prepare(`UPDATE outbox SET state = 'dead', attempts = ?, updated_ms = ?, last_error = ? WHERE id = ? AND state = 'pending'`);
    this.#reschedule = db.prepare(`UPDATE outbox SET attempts = ?, next_ms = ?, updated_ms = ?, last_error = ? WHERE id = ? AND state = 'pending'`);
    this.#revive = db.prepare(`UPDATE outbox SET state = 'pending', attempts = 0, next_ms = ?, deadline_ms = ?, updated_ms = ? WHERE id = ? AND state = 'dead'`);
    this.#countByLane = {
      pending: db.prepare(`SELECT receiver, integration, count(*) AS n FROM outbox WHERE state = 'pending' GROUP BY receiver, integration`),
      dead: db.prepare(`SELECT receiver, integration, count(*) AS n FROM outbox WHERE state = 'dead' GROUP BY receiver, integration`),
    };
    this.#countSent = db.prepare(`SELECT count(*) AS n FROM outbox WHERE state = 'sent'`);
    this.#pruneOlder = db.prepare(
      `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state = 'sent' AND updated_ms < ? ORDER BY updated_ms LIMIT ?)`,
    );
    this.#pruneOldest = db.prepare(`DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state = 'sent' ORDER BY updated_ms LIMIT ?)`);
    for (const state of ['pending', 'sent', 'dead', undefined] as const) {
      for (const byReceiver of [false, true]) {
        const where = [...(state === undefined ? [] : [`state = '${state}'`]), 'id < ?', ...(byReceiver ? ['receiver = ?'] : [])].join(' AND ');
        this.#list.set(`${state ?? 'undefined'}:${byReceiver}`, db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE ${where} ORDER BY id DESC LIMIT ?`));
      }
    }
  }

  /**
   * insert writes the requests as pending rows and runs `within`, all in one transaction, and
   * returns their ids. Inside a transaction someone else holds open on the same connection (the
   * event store's batch), it nests as a savepoint and commits with that transaction.
   */
  insert(requests: readonly NotificationRequest[], now: number, deadlineMs: number, within?: () => void): number[] {
    const nested = this.#db.isTransaction;
    this.#db.exec(nested ? 'SAVEPOINT outbox_enqueue' : 'BEGIN IMMEDIATE');
    try {
      const ids: number[] = [];
      for (const r of requests) {
        const res = this.#insert.run(r.receiver, r.integration, JSON.stringify(r.data), now, now, now + deadlineMs, now);
        ids.push(Number(res.lastInsertRowid));
      }
      within?.();
      this.#db.exec(nested ? 'RELEASE outbox_enqueue' : 'COMMIT');
      return ids;
    } catch (err) {
      try {
        this.#db.exec(nested ? 'ROLLBACK TO outbox_enqueue; RELEASE outbox_enqueue' : 'ROLLBACK');
      } catch {
        // SQLite may already have rolled back (disk full); nothing is left to undo.
      }
      throw err;
    }
  }

  /** head is a lane's oldest pending row. */
  head(receiver: string, integration: string): OutboxRow | undefined {
    return this.#head.get(receiver, integration) as OutboxRow | undefined;
  }

  /** get is one row by id. */
  get(id: number): OutboxRow | undefined {
    return this.#get.get(id) as OutboxRow | undefined;
  }

  /** markSent records a delivery; false when the row was no longer pending. */
  markSent(id: number, attempts: number, now: number): boolean {
    return Number(this.#markSent.run(attempts, now, id).changes) === 1;
  }

  /** markDead makes a pending row a dead letter with `error`. */
  markDead(id: number, attempts: number, now: number, error: string): boolean {
    return Number(this.#markDead.run(attempts, now, error, id).changes) === 1;
  }

  /** reschedule records a failed attempt and when to try again. */
  reschedule(id: number, attempts: number, nextMs: number, now: number, error: string): void {
    this.#reschedule.run(attempts, nextMs, now, error, id);
  }

  /** revive makes a dead letter pending again, due now, with a fresh deadline; false when it was not dead. */
  revive(id: number, now: number, deadlineMs: number): boolean {
    return Number(this.#revive.run(now, now + deadlineMs, now, id).changes) === 1;
  }

  /** countByLane counts a state's rows per lane (start-up only: it reads the whole partial index). */
  countByLane(state: 'pending' | 'dead'): LaneCount[] {
    return this.#countByLane[state].all() as unknown as LaneCount[];
  }

  /** countSent counts sent rows (start-up only). */
  countSent(): number {
    return (this.#countSent.get() as { n: number }).n;
  }

  /** pruneSentBefore deletes at most `max` sent rows updated before `cutoff`; returns how many. */
  pruneSentBefore(cutoff: number, max: number): number {
    return Number(this.#pruneOlder.run(cutoff, max).changes);
  }

  /** pruneOldestSent deletes the `n` oldest sent rows; returns how many. */
  pruneOldestSent(n: number): number {
    return Number(this.#pruneOldest.run(n).changes);
  }

  /** list answers a ListQuery. */
  list(q: ListQuery): OutboxRow[] {
    const stmt = this.#list.get(`${q.state ?? 'undefined'}:${q.receiver !== undefined}`) as StatementSync;
    const before = q.before ?? Number.MAX_SAFE_INTEGER;
    const rows = q.receiver === undefined ? stmt.all(before, q.limit) : stmt.all(before, q.receiver, q.limit);
    return rows as unknown as OutboxRow[];
  }
}

/** parseBody reads a row's NotificationData back. */
export function parseBody(row: OutboxRow): NotificationData {
  return JSON.parse(row.body) as NotificationData;
}
