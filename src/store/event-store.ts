import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreUnavailableError } from '../errors.ts';
import type { PoolReport, RunEvent } from '../domain/types.ts';
import { isDiskFull } from './database.ts';

/**
 * EventStore is the durable event log and the run index, with group commit: the first write of an
 * event-loop turn opens a transaction, every write of that turn joins it, and it commits once, on
 * setImmediate. Callers await `committed()` before they acknowledge, so an answered event is on
 * disk (in the WAL) whatever happens next, `kill -9` included, and durability costs one commit per
 * turn rather than one per event.
 *
 * When a write or the commit fails (a full disk), the whole batch is rolled back, every waiter is
 * rejected with StoreUnavailableError (HTTP 503), and the rollback listener is told which runs the
 * batch touched so their in-memory state can be rebuilt from what was committed. The next batch
 * simply tries again: the sidecar recovers by itself when space returns.
 */

/** StoredEvent is one entry of the log. */
export interface StoredEvent {
  seq: number;
  event: RunEvent;
}

/** FinishedRunRow is what the run index keeps of a finished run. */
export interface FinishedRunRow {
  runId: string;
  result: string;
  endMs: number;
  summary: unknown;
  view: unknown;
  /** The seq of the run.finish event. */
  lastSeq: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** EventStore writes and reads the log. Statements are prepared once. */
export class EventStore {
  readonly #db: DatabaseSync;
  readonly #insertEvent: StatementSync;
  readonly #insertRun: StatementSync;
  readonly #finishRun: StatementSync;
  readonly #setMeta: StatementSync;
  readonly #getMeta: StatementSync;
  readonly #eventsOf: StatementSync;
  readonly #activeRuns: StatementSync;
  readonly #runSeqs: StatementSync;
  readonly #scan: StatementSync;
  readonly #firstSeqOf: StatementSync;
  readonly #runsTouched: StatementSync;
  readonly #pruneRuns: StatementSync;
  readonly #pruneOverflow: StatementSync;
  readonly #deleteRun: StatementSync;
  readonly #deleteEvents: StatementSync;
  readonly #countFinished: StatementSync;
  readonly #latestResults: StatementSync;
  readonly #maxSeq: StatementSync;
  #nextSeq: number;
  #committedSeq: number;
  #inTx = false;
  #waiters: Waiter[] = [];
  #batchRuns = new Set<string>();
  #batchMaxSeq = 0;
  #onRollback: (runIds: Set<string>) => void = () => {};
  #onCommit: (maxSeq: number) => void = () => {};

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insertEvent = db.prepare('INSERT INTO events (seq, run_id, body) VALUES (?, ?, ?)');
    this.#insertRun = db.prepare("INSERT OR IGNORE INTO runs (run_id, workflow, state, start_ms, first_seq) VALUES (?, ?, 'active', ?, ?)");
    this.#finishRun = db.prepare("UPDATE runs SET state = 'finished', result = ?, end_ms = ?, summary = ?, view = ?, last_seq = ? WHERE run_id = ?");
    this.#runSeqs = db.prepare('SELECT first_seq, last_seq FROM runs WHERE run_id = ?');
    this.#scan = db.prepare('SELECT seq, run_id, body FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq');
    this.#setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.#getMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.#eventsOf = db.prepare('SELECT seq, body FROM events WHERE seq >= ? AND seq <= ? AND run_id = ? ORDER BY seq');
    this.#activeRuns = db.prepare("SELECT run_id, first_seq FROM runs WHERE state = 'active'");
    this.#runsTouched = db.prepare('SELECT DISTINCT run_id FROM events WHERE seq > ? AND seq <= ?');
    this.#firstSeqOf = db.prepare('SELECT min(first_seq) AS seq FROM runs WHERE run_id IN (SELECT value FROM json_each(?))');
    this.#pruneRuns = db.prepare("SELECT run_id FROM runs WHERE state = 'finished' AND end_ms < ? ORDER BY end_ms LIMIT ?");
    this.#pruneOverflow = db.prepare("SELECT run_id FROM runs WHERE state = 'finished' ORDER BY end_ms LIMIT ?");
    this.#deleteRun = db.prepare('DELETE FROM runs WHERE run_id = ?');
    this.#deleteEvents = db.prepare('DELETE FROM events WHERE seq >= ? AND seq <= ? AND run_id = ?');
    this.#countFinished = db.prepare("SELECT count(*) AS n FROM runs WHERE state = 'finished'");
    // SQLite returns the bare columns of the row that holds max(end_ms) in each group.
    this.#latestResults = db.prepare("SELECT workflow, run_id, result, max(end_ms) AS end_ms FROM runs WHERE state = 'finished' GROUP BY workflow");
    this.#maxSeq = db.prepare('SELECT max(seq) AS seq FROM events');
    this.#committedSeq = this.#loggedMaxSeq();
    this.#nextSeq = this.#committedSeq + 1;
  }

  /** committedSeq is the seq of the newest committed event. */
  get committedSeq(): number {
    return this.#committedSeq;
  }

  /** lastSeq is the seq of the newest event written (committed or in the open batch). */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** setRollbackListener registers who rebuilds runs whose uncommitted events were rolled back. */
  setRollbackListener(listener: (runIds: Set<string>) => void): void {
    this.#onRollback = listener;
  }

  /** setCommitListener registers who acts on a committed batch (telemetry), given its highest seq. */
  setCommitListener(listener: (maxSeq: number) => void): void {
    this.#onCommit = listener;
  }

  #begin(): void {
    if (this.#inTx) return;
    this.#db.exec('BEGIN');
    this.#inTx = true;
    setImmediate(() => this.#commit());
  }

  #write(runId: string, write: () => void): void {
    // The run first, BEGIN inside the try: a BEGIN that fails rolls the run back too (its
    // in-memory state already moved), as a failed write does.
    this.#batchRuns.add(runId);
    try {
      this.#begin();
      write();
    } catch (err) {
      this.#rollback(err);
      throw unavailable(err);
    }
  }

  /** append writes `event` into the open batch and returns its seq. Throws StoreUnavailableError. */
  append(event: RunEvent): number {
    const seq = this.#nextSeq;
    this.#write(event.runId, () => this.#insertEvent.run(seq, event.runId, JSON.stringify(event)));
    this.#nextSeq = seq + 1;
    this.#batchMaxSeq = seq;
    return seq;
  }

  /** runStarted indexes a new run whose run.start is the event `seq`. */
  runStarted(runId: string, workflow: string, startMs: number, seq: number): void {
    this.#write(runId, () => this.#insertRun.run(runId, workflow, startMs, seq));
  }

  /** runFinished completes a run's index row with its result, summary and final view. */
  runFinished(row: FinishedRunRow): void {
    this.#write(row.runId, () => this.#finishRun.run(row.result, row.endMs, JSON.stringify(row.summary), JSON.stringify(row.view), row.lastSeq, row.runId));
  }

  /** setMeta writes a named value in the open batch (it commits with the batch). */
  setMeta(key: string, value: unknown): void {
    this.#write('', () => this.#setMeta.run(key, JSON.stringify(value)));
  }

  /** meta reads a named value. */
  meta<T>(key: string): T | undefined {
    const row = this.#getMeta.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  /** latestResults is each workflow's most recently finished run (by end time) still in the store. */
  latestResults(): Array<{ workflow: string; runId: string; result: string; endMs: number }> {
    const rows = this.#latestResults.all() as Array<{ workflow: string; run_id: string; result: string | null; end_ms: number | null }>;
    const out: Array<{ workflow: string; runId: string; result: string; endMs: number }> = [];
    for (const r of rows) if (r.result !== null && r.end_ms !== null) out.push({ workflow: r.workflow, runId: r.run_id, result: r.result, endMs: r.end_ms });
    return out;
  }

  /** pool is the last pool report, if any. */
  pool(): PoolReport | undefined {
    return this.meta<PoolReport>('pool');
  }

  /** committed resolves once everything written so far is committed; rejects if it was rolled back. */
  committed(): Promise<void> {
    if (!this.#inTx) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #commit(): void {
    if (!this.#inTx) return;
    try {
      this.#db.exec('COMMIT');
    } catch (err) {
      this.#rollback(err);
      return;
    }
    const waiters = this.#waiters;
    const maxSeq = this.#batchMaxSeq;
    if (maxSeq > this.#committedSeq) this.#committedSeq = maxSeq;
    this.#reset();
    this.#onCommit(maxSeq);
    for (const w of waiters) w.resolve();
  }

  #rollback(cause: unknown): void {
    try {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
    } catch {
      // A failed ROLLBACK leaves nothing to undo: SQLite already rolled the transaction back.
    }
    const waiters = this.#waiters;
    const runs = this.#batchRuns;
    this.#nextSeq = this.#loggedMaxSeq() + 1;
    this.#reset();
    // The waiters first: their requests are answered 503 even if rebuilding the runs fails.
    const err = unavailable(cause);
    for (const w of waiters) w.reject(err);
    this.#onRollback(runs);
  }

  /** The newest seq in the log (0 when empty): after a rollback, the next seq continues from it. */
  #loggedMaxSeq(): number {
    return (this.#maxSeq.get() as { seq: number | null }).seq ?? 0;
  }

  #reset(): void {
    this.#inTx = false;
    this.#waiters = [];
    this.#batchRuns = new Set();
    this.#batchMaxSeq = 0;
  }

  /**
   * eventsOf reads one run's events, in order, between its first and last seq. It costs a scan of
   * everything logged while the run lived: a rare path (late events for runs long finished, a
   * rollback); replays of many runs use `scan`. A run the index does not know costs one lookup.
   */
  eventsOf(runId: string): StoredEvent[] {
    const seqs = this.#runSeqs.get(runId) as { first_seq: number; last_seq: number | null } | undefined;
    if (!seqs) return [];
    const rows = this.#eventsOf.all(seqs.first_seq, seqs.last_seq ?? Number.MAX_SAFE_INTEGER, runId) as { seq: number; body: string }[];
    return rows.map((r) => ({ seq: r.seq, event: JSON.parse(r.body) as RunEvent }));
  }

  /**
   * scan reads, in one pass in seq order, the events with seq in [fromSeq, toSeq] of the runs in
   * `runIds`, grouped by run. Replaying many runs costs one scan, not one per run.
   */
  scan(fromSeq: number, toSeq: number, runIds: ReadonlySet<string>): Map<string, StoredEvent[]> {
    const out = new Map<string, StoredEvent[]>();
    for (const row of this.#scan.iterate(fromSeq, toSeq) as Iterable<{ seq: number; run_id: string; body: string }>) {
      if (!runIds.has(row.run_id)) continue;
      let list = out.get(row.run_id);
      if (!list) out.set(row.run_id, (list = []));
      list.push({ seq: row.seq, event: JSON.parse(row.body) as RunEvent });
    }
    return out;
  }

  /** firstSeqOf is the lowest first_seq among `runIds` (where a replay of them must start). */
  firstSeqOf(runIds: Iterable<string>): number | undefined {
    const row = this.#firstSeqOf.get(JSON.stringify([...runIds])) as { seq: number | null };
    return row.seq ?? undefined;
  }

  /** activeRuns lists the runs the index says are active, with where each starts in the log. */
  activeRuns(): { runId: string; firstSeq: number }[] {
    return (this.#activeRuns.all() as { run_id: string; first_seq: number }[]).map((r) => ({ runId: r.run_id, firstSeq: r.first_seq }));
  }

  /** runsTouched lists the runs with events in (fromSeq, toSeq]. */
  runsTouched(fromSeq: number, toSeq: number): string[] {
    return (this.#runsTouched.all(fromSeq, toSeq) as { run_id: string }[]).map((r) => r.run_id);
  }

  /**
   * prune deletes up to `batch` finished runs (index rows and events) that ended before
   * `olderThanMs` or exceed `maxRuns`, oldest first, in its own short transaction. Returns the ids
   * it deleted (a full batch means a caller should come back for more, off the hot path).
   */
  prune(olderThanMs: number, maxRuns: number | undefined, batch: number): string[] {
    if (this.#inTx) return [];
    const ids = (this.#pruneRuns.all(olderThanMs, batch) as { run_id: string }[]).map((r) => r.run_id);
    if (ids.length < batch && maxRuns !== undefined) {
      const over = (this.#countFinished.get() as { n: number }).n - ids.length - maxRuns;
      if (over > 0) {
        const extra = (this.#pruneOverflow.all(Math.min(over + ids.length, batch)) as { run_id: string }[]).map((r) => r.run_id);
        for (const id of extra) if (!ids.includes(id)) ids.push(id);
      }
    }
    if (ids.length === 0) return ids;
    this.#db.exec('BEGIN');
    try {
      for (const id of ids) {
        const seqs = this.#runSeqs.get(id) as { first_seq: number; last_seq: number | null } | undefined;
        if (seqs) this.#deleteEvents.run(seqs.first_seq, seqs.last_seq ?? Number.MAX_SAFE_INTEGER, id);
        this.#deleteRun.run(id);
      }
      this.#db.exec('COMMIT');
    } catch (err) {
      // As in #rollback: SQLite may have rolled back already, and a failing ROLLBACK would hide `err`.
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw unavailable(err);
    }
    this.#db.exec('PRAGMA incremental_vacuum(256)');
    return ids;
  }

  /** close commits the open batch, if any, and closes the database. */
  close(): void {
    this.#commit();
    this.#db.close();
  }
}

function unavailable(cause: unknown): StoreUnavailableError {
  if (cause instanceof StoreUnavailableError) return cause;
  const reason = isDiskFull(cause) ? 'the disk is full' : ((cause as Error).message ?? String(cause));
  return new StoreUnavailableError(`cannot persist the event: ${reason}; nothing was recorded, retry later`, { cause });
}
