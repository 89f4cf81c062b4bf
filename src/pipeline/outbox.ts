/**
 * The durable outbox (issue 5): every notification is written to the store before any send, then
 * delivered by one lane per `(receiver, integration)`, strictly in id order with one attempt in
 * flight, so a receiver sees its notifications in the order the pipeline made them. A retryable
 * failure holds the lane (head-of-line) until the head is delivered or becomes a dead letter;
 * retries back off exponentially with full jitter and honour `Retry-After`; a circuit breaker per
 * lane stops attempts to a dead endpoint and probes it half-open. Delivery is at-least-once: a
 * row is marked sent only after the receiver answered, so a crash between the answer and the mark
 * sends it again after a restart (Alertmanager and PagerDuty deduplicate; Slack and webhooks see
 * the one duplicate).
 *
 * Lanes wake on enqueue and on their own timer (the head's next attempt, or the circuit's reset):
 * there is no polling. A lane's head is one indexed read per attempt; counts per lane are kept in
 * memory, read from the store once at start.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Logger } from 'pino';
import { ConflictError, NotFoundError } from '../errors.ts';
import { backoffDelay } from './backoff.ts';
import { CIRCUIT_STATE_VALUE, CircuitBreaker } from './circuit-breaker.ts';
import type { DeliveryMetrics, LaneStats } from './delivery-metrics.ts';
import { OutboxStore, parseBody } from './outbox-store.ts';
import type { ListQuery, OutboxRow } from './outbox-store.ts';
import { notificationDetail, notificationView } from './outbox-view.ts';
import type { NotificationDetail, NotificationView } from './outbox-view.ts';
import type { DeliverySettings, Notification, NotificationRequest, Notifier, NotifyResult } from './types.ts';

/** TimerHandle is whatever `setTimer` returns; only `clearTimer` reads it. */
export type TimerHandle = unknown;

/** OutboxOptions wire an Outbox. */
export interface OutboxOptions {
  clock: () => number;
  settings: DeliverySettings;
  /** The notifier of a receiver's integration in the current configuration; undefined when it is gone. */
  notifierFor(receiver: string, integration: string): Notifier | undefined;
  logger: Logger;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** Timers for retries and circuit resets; default setTimeout/clearTimeout. Tests pass fake ones. */
  setTimer?: (fn: () => void, ms: number) => TimerHandle;
  clearTimer?: (handle: TimerHandle) => void;
  /** Where delivery counters go; the outbox binds its lane gauges to it. */
  metrics?: DeliveryMetrics;
  /** Sent rows are kept this long (default 24 h) … */
  sentRetentionMs?: number;
  /** … and at most this many (default 10,000), then pruned oldest first. */
  sentRetentionCount?: number;
  /** How long `stop()` lets in-flight attempts finish before aborting them (default 5 s). */
  stopTimeoutMs?: number;
  /** A bound on one attempt, for a notifier that ignores its own timeout (default 2 min). */
  attemptTimeoutMs?: number;
}

/** ListOptions select notifications for `list`: newest first, ids below `before` when given. */
export type ListOptions = ListQuery;

interface Lane {
  receiver: string;
  integration: string;
  breaker: CircuitBreaker;
  depth: number;
  dead: number;
  running: Promise<void> | undefined;
  timer: TimerHandle | undefined;
  controller: AbortController | undefined;
}

// setTimeout fires at once for a delay beyond 2^31-1 ms; a longer wait is taken in steps.
const MAX_TIMER_MS = 2_147_483_647;

// Pruning runs every PRUNE_EVERY deliveries and deletes at most PRUNE_BATCH rows: bounded work per send.
const PRUNE_EVERY = 64;
const PRUNE_BATCH = 512;

/** Outbox persists notification requests and delivers them; see the file comment for its guarantees. */
export class Outbox {
  readonly #store: OutboxStore;
  readonly #clock: () => number;
  readonly #notifierFor: OutboxOptions['notifierFor'];
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #setTimer: (fn: () => void, ms: number) => TimerHandle;
  readonly #clearTimer: (handle: TimerHandle) => void;
  readonly #metrics: DeliveryMetrics | undefined;
  readonly #sentRetentionMs: number;
  readonly #sentRetentionCount: number;
  readonly #stopTimeoutMs: number;
  readonly #attemptTimeoutMs: number;
  readonly #lanes = new Map<string, Lane>();
  #settings: DeliverySettings;
  #started = false;
  #stopping = false;
  #sentCount = 0;
  #sinceprune = 0;

  constructor(db: DatabaseSync, options: OutboxOptions) {
    this.#store = new OutboxStore(db);
    this.#clock = options.clock;
    this.#settings = options.settings;
    this.#notifierFor = options.notifierFor;
    this.#logger = options.logger;
    this.#random = options.random ?? Math.random;
    this.#setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.#clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.#metrics = options.metrics;
    this.#sentRetentionMs = options.sentRetentionMs ?? 24 * 3600_000;
    this.#sentRetentionCount = options.sentRetentionCount ?? 10_000;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? 120_000;
    this.#metrics?.bind(() => this.laneStats());
  }

  /**
   * start reads the lanes' counts and wakes every lane with pending rows: notifications left by a
   * previous process (killed between enqueue and send, or between send and the sent mark) go out
   * again. Idempotent.
   */
  start(): void {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    for (const c of this.#store.countByLane('pending')) this.#lane(c.receiver, c.integration).depth = c.n;
    for (const c of this.#store.countByLane('dead')) this.#lane(c.receiver, c.integration).dead = c.n;
    this.#sentCount = this.#store.countSent();
    for (const lane of this.#lanes.values()) if (lane.depth > 0) this.#wake(lane);
  }

  /**
   * enqueue writes every request, and whatever `withinTransaction` writes (the pipeline's
   * notification log), in one transaction, and returns the new ids in request order. The rows are
   * durable when it returns; delivery starts after it returns. Throws what SQLite throws, having
   * written nothing.
   */
  enqueue(requests: readonly NotificationRequest[], withinTransaction?: () => void): number[] {
    if (requests.length === 0 && withinTransaction === undefined) return [];
    const ids = this.#store.insert(requests, this.#clock(), this.#settings.deadlineMs, withinTransaction);
    for (const r of requests) this.#lane(r.receiver, r.integration).depth++;
    for (const r of requests) this.#wake(this.#lane(r.receiver, r.integration));
    return ids;
  }

  /** configure takes new delivery settings (a config reload); rows already enqueued keep their deadline. */
  configure(settings: DeliverySettings): void {
    this.#settings = settings;
    for (const lane of this.#lanes.values()) lane.breaker.configure({ failureThreshold: settings.circuitFailures, resetMs: settings.circuitResetMs });
  }

  /**
   * stop stops delivering: no new attempts, timers cleared; in-flight attempts get up to
   * `stopTimeoutMs` to finish, then are aborted. Rows not delivered stay pending for the next start.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    const running: Promise<void>[] = [];
    for (const lane of this.#lanes.values()) {
      if (lane.timer !== undefined) this.#clearTimer(lane.timer);
      lane.timer = undefined;
      if (lane.running) running.push(lane.running);
    }
    if (running.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#stopTimeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.all(running), grace]);
    clearTimeout(timer);
    for (const lane of this.#lanes.values()) lane.controller?.abort(new Error('outbox stopping'));
    await Promise.all(running);
  }

  /** depth is the number of pending notifications. */
  depth(): number {
    let n = 0;
    for (const lane of this.#lanes.values()) n += lane.depth;
    return n;
  }

  /** laneStats lists every lane's depth, dead letters and circuit state (the metric gauges). */
  laneStats(): LaneStats[] {
    const now = this.#clock();
    return [...this.#lanes.values()].map((l) => ({
      receiver: l.receiver,
      integration: l.integration,
      depth: l.depth,
      dead: l.dead,
      circuit: CIRCUIT_STATE_VALUE[l.breaker.state(now)],
    }));
  }

  /** list pages through notifications of one state, newest first. */
  list(options: ListOptions): NotificationView[] {
    return this.#store.list(options).map(notificationView);
  }

  /** get is one notification with its content, or undefined. */
  get(id: number): NotificationDetail | undefined {
    const row = this.#store.get(id);
    return row ? notificationDetail(row) : undefined;
  }

  /**
   * retry sends a dead letter again: pending, due now, attempts from 0, a fresh deadline. Throws
   * NotFoundError for an unknown id and ConflictError for a notification that is not dead.
   */
  retry(id: number): NotificationDetail {
    const row = this.#store.get(id);
    if (!row) throw new NotFoundError(`no notification ${id}`);
    if (row.state !== 'dead' || !this.#store.revive(id, this.#clock(), this.#settings.deadlineMs)) {
      throw new ConflictError(`notification ${id} is ${row.state}; only dead notifications can be retried`);
    }
    const lane = this.#lane(row.receiver, row.integration);
    lane.dead = Math.max(0, lane.dead - 1);
    lane.depth++;
    this.#logger.info({ id, receiver: row.receiver, integration: row.integration }, 'dead notification queued again');
    this.#wake(lane);
    return notificationDetail(this.#store.get(id) as OutboxRow);
  }

  #lane(receiver: string, integration: string): Lane {
    const key = `${receiver}\u0000${integration}`;
    let lane = this.#lanes.get(key);
    if (!lane) {
      const breaker = new CircuitBreaker({ failureThreshold: this.#settings.circuitFailures, resetMs: this.#settings.circuitResetMs });
      lane = { receiver, integration, breaker, depth: 0, dead: 0, running: undefined, timer: undefined, controller: undefined };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  /**
   * wake starts a lane's loop unless it is running or waiting on its timer: a waiting lane waits
   * for its head, and new rows queue behind it. The loop starts in a microtask, never inside the
   * caller (enqueue returns before any send begins).
   */
  #wake(lane: Lane): void {
    if (!this.#started || this.#stopping || lane.running !== undefined || lane.timer !== undefined) return;
    lane.running = Promise.resolve()
      .then(() => this.#drain(lane))
      .catch((err: unknown) => {
        // A store error (disk full): the rows stay pending; try again later rather than crash.
        this.#logger.error({ err, receiver: lane.receiver, integration: lane.integration }, 'outbox lane failed; retrying later');
        lane.running = undefined;
        this.#sleep(lane, this.#settings.initialBackoffMs);
      })
      .finally(() => {
        lane.running = undefined;
      });
  }

  #sleep(lane: Lane, ms: number): void {
    if (this.#stopping) return;
    if (lane.timer !== undefined) this.#clearTimer(lane.timer);
    lane.timer = this.#setTimer(() => {
      lane.timer = undefined;
      this.#wake(lane);
    }, Math.min(Math.max(0, ms), MAX_TIMER_MS));
  }

  async #drain(lane: Lane): Promise<void> {
    while (!this.#stopping) {
      const row = this.#store.head(lane.receiver, lane.integration);
      if (!row) {
        // Nothing pending: the true depth is 0 even if an enqueue nested in someone else's
        // transaction was rolled back after counting its rows.
        lane.depth = 0;
        return;
      }
      const now = this.#clock();
      if (row.next_ms > now) return this.#sleep(lane, row.next_ms - now);
      const notifier = this.#notifierFor(lane.receiver, lane.integration);
      if (!notifier) {
        this.#dead(lane, row, row.attempts, now, `receiver "${lane.receiver}" has no integration "${lane.integration}" in the current configuration`);
        continue;
      }
      const admission = lane.breaker.admit(now);
      if (!admission.allowed) {
        if (now >= row.deadline_ms) {
          this.#dead(lane, row, row.attempts, now, withLast('deadline passed while the circuit was open', row.last_error));
          continue;
        }
        return this.#sleep(lane, Math.min(admission.waitMs, row.deadline_ms - now));
      }
      const result = await this.#attempt(lane, notifier, row);
      if (result === undefined) {
        lane.breaker.released();
        return;
      }
      this.#record(lane, row, result);
    }
  }

  /** attempt makes one send; undefined when the outbox stopped during a send that did not succeed. */
  async #attempt(lane: Lane, notifier: Notifier, row: OutboxRow): Promise<NotifyResult | undefined> {
    const controller = new AbortController();
    lane.controller = controller;
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this.#attemptTimeoutMs)]);
    let result: NotifyResult;
    try {
      const notification: Notification = {
        id: row.id,
        receiver: row.receiver,
        integration: row.integration,
        data: parseBody(row),
        createdAt: row.created_ms,
        attempts: row.attempts,
      };
      result = await untilAborted(notifier.send(notification, signal), signal);
    } catch (err) {
      // Not the receiver's answer: a notifier bug, or the attempt bound. The message of an
      // arbitrary error may carry a URL, so only its name goes in the row.
      result = signal.aborted
        ? { kind: 'retryable', reason: 'timeout', message: 'attempt aborted' }
        : err instanceof SyntaxError
          ? { kind: 'failure', reason: 'other', message: 'stored notification is not valid JSON' }
          : { kind: 'retryable', reason: 'other', message: `notifier threw ${(err as Error)?.name ?? 'an error'}` };
    } finally {
      lane.controller = undefined;
    }
    if (this.#stopping && result.kind !== 'success') return undefined;
    return result;
  }

  #record(lane: Lane, row: OutboxRow, result: NotifyResult): void {
    const now = this.#clock();
    const attempts = row.attempts + 1;
    if (result.kind === 'success') {
      lane.breaker.succeeded();
      if (this.#store.markSent(row.id, attempts, now)) {
        lane.depth = Math.max(0, lane.depth - 1);
        this.#sentCount++;
        this.#metrics?.delivered(row.receiver, row.integration, (now - row.created_ms) / 1000);
        if (++this.#sinceprune >= PRUNE_EVERY) this.#prune(now);
      }
      return;
    }
    this.#metrics?.attemptFailed(row.receiver, row.integration, result.reason);
    const message = describe(result);
    if (result.kind === 'failure') {
      // The endpoint answered, so it is alive: a refused payload does not count towards opening the circuit.
      lane.breaker.succeeded();
      this.#dead(lane, row, attempts, now, message);
      return;
    }
    const wasOpen = lane.breaker.state(now) !== 'closed';
    lane.breaker.failed(now);
    if (!wasOpen && lane.breaker.state(now) === 'open') {
      this.#logger.warn({ receiver: lane.receiver, integration: lane.integration, error: message }, 'notifier circuit opened');
    }
    if (now >= row.deadline_ms) {
      this.#dead(lane, row, attempts, now, `deadline passed after ${attempts} attempts; last error: ${message}`);
      return;
    }
    const retryAfterMs = Math.max(0, Math.ceil(result.retryAfterMs ?? 0));
    if (now + retryAfterMs > row.deadline_ms) {
      // Waiting as asked would hold the whole lane past the deadline (a garbage Retry-After, for years).
      this.#dead(lane, row, attempts, now, `the receiver asks to wait ${Math.ceil(retryAfterMs / 1000)} s, beyond the deadline; last error: ${message}`);
      return;
    }
    const delay = backoffDelay(attempts, this.#settings, this.#random, result.retryAfterMs);
    // The last try happens at the deadline (the Retry-After asked ends before it).
    const next = Math.max(Math.min(now + delay, row.deadline_ms), now + retryAfterMs);
    this.#store.reschedule(row.id, attempts, next, now, message);
    this.#logger.debug({ id: row.id, receiver: row.receiver, integration: row.integration, attempts, retryInMs: next - now, error: message }, 'notification attempt failed; retrying');
  }

  #dead(lane: Lane, row: OutboxRow, attempts: number, now: number, error: string): void {
    if (!this.#store.markDead(row.id, attempts, now, error)) return;
    lane.depth = Math.max(0, lane.depth - 1);
    lane.dead++;
    this.#metrics?.deadLettered(row.receiver, row.integration);
    this.#logger.warn({ id: row.id, receiver: row.receiver, integration: row.integration, attempts, error }, 'notification dead-lettered');
  }

  #prune(now: number): void {
    this.#sinceprune = 0;
    let removed = this.#store.pruneSentBefore(now - this.#sentRetentionMs, PRUNE_BATCH);
    const over = this.#sentCount - removed - this.#sentRetentionCount;
    if (over > 0) removed += this.#store.pruneOldestSent(Math.min(over, PRUNE_BATCH));
    this.#sentCount = Math.max(0, this.#sentCount - removed);
  }
}

/** describe is a failed attempt as its row keeps it: reason, status and the notifier's (secret-free) message. */
function describe(r: Exclude<NotifyResult, { kind: 'success' }>): string {
  const status = r.status === undefined ? '' : ` ${r.status}`;
  return `${r.reason}${status}: ${r.message}`;
}

function withLast(what: string, last: string | null): string {
  return last === null ? what : `${what}; last error: ${last}`;
}

/** untilAborted settles with `p`, or rejects when `signal` aborts first (a notifier that ignores its signal). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
