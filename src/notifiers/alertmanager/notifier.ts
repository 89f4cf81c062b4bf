/**
 * The Alertmanager forwarder: posts every alert of a notification to every configured
 * Alertmanager (`POST /api/v2/alerts`), and, as Prometheus does, re-sends the firing alerts it
 * last forwarded every resend delay with a fresh `endsAt`, so an Alertmanager never resolves a
 * live alert on its own while the pipeline waits for its repeat interval. A resolve goes out with
 * the alert's `endsAt` and ends the re-sends for it. A reload hands the live alerts to the new
 * forwarder; with a durable state (the sidecar's store) they also survive a restart, so the
 * re-sends go on at once instead of waiting for the pipeline's next repeat of each group (4 h by
 * default), long after the Alertmanager would have resolved them.
 */
import type { AlertmanagerIntegration, Notification, NotificationAlert, Notifier, NotifyResult } from '../../pipeline/types.ts';
import type { ResolvedContext } from '../context.ts';
import { deliver, urlSecrets } from '../http.ts';
import { alertmanagerUrl, buildPostableAlerts } from './payload.ts';

const SEVERITY: Record<NotifyResult['kind'], number> = { success: 0, retryable: 1, failure: 2 };

/**
 * worstResult combines the answers of several Alertmanagers: all must accept for success; else the
 * worst one decides (a final failure over a retryable one), with the longest `Retry-After` asked.
 */
export function worstResult(results: readonly NotifyResult[]): NotifyResult {
  let worst: NotifyResult = { kind: 'success' };
  let retryAfterMs: number | undefined;
  const messages: string[] = [];
  for (const [i, r] of results.entries()) {
    if (r.kind === 'success') continue;
    messages.push(results.length > 1 ? `alertmanager ${i + 1}: ${r.message}` : r.message);
    if (r.kind === 'retryable' && r.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, r.retryAfterMs);
    if (SEVERITY[r.kind] > SEVERITY[worst.kind]) worst = r;
  }
  const w = worst as NotifyResult;
  const message = messages.join('; ');
  switch (w.kind) {
    case 'success':
      return w;
    case 'failure':
      return { ...w, message };
    case 'retryable': {
      const { retryAfterMs: _own, ...rest } = w;
      return retryAfterMs === undefined ? { ...rest, message } : { ...rest, message, retryAfterMs };
    }
  }
}

/**
 * Open forwarders by the Alertmanagers they post to, in creation order: a reload builds the new
 * forwarder before closing the old one, and the old one hands its live alerts over, so the
 * re-sends go on across reloads instead of waiting for the pipeline's next repeat.
 */
const open = new Map<string, AlertmanagerNotifier[]>();

function targetKey(cfg: AlertmanagerIntegration): string {
  return JSON.stringify([...cfg.urls].sort());
}

/** AlertmanagerNotifier forwards to one `alertmanager_configs` entry. Call `close()` when the config is replaced. */
export class AlertmanagerNotifier implements Notifier {
  readonly kind = 'alertmanager' as const;
  readonly #cfg: AlertmanagerIntegration;
  readonly #ctx: ResolvedContext;
  readonly #key: string;
  /** The firing alerts last forwarded, per group key: what the re-sends repeat. */
  readonly #live = new Map<string, NotificationAlert[]>();
  #timer: unknown = undefined;
  #resending = false;
  #closed = false;
  /** Posts run one at a time, so a re-send of a firing alert never lands after its resolve. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(cfg: AlertmanagerIntegration, ctx: ResolvedContext) {
    this.#cfg = cfg;
    this.#ctx = ctx;
    this.#key = targetKey(cfg);
    open.set(this.#key, [...(open.get(this.#key) ?? []), this]);
    this.#restore();
  }

  /**
   * #restore reads the live alerts a previous process left, when this is the only forwarder to
   * these Alertmanagers. What an older version saved may not parse or have another shape: such
   * entries are skipped (the pipeline's next repeat forwards them again), never re-sent as garbage.
   */
  #restore(): void {
    if ((open.get(this.#key)?.length ?? 0) > 1) return;
    let saved: unknown;
    try {
      saved = this.#ctx.state?.get(this.#stateKey());
    } catch (err) {
      this.#ctx.logger.warn({ integration: 'alertmanager', err: (err as Error).message }, 'notify: the saved Alertmanager re-sends do not parse; they resume at the next notification');
      return;
    }
    if (!Array.isArray(saved)) return;
    for (const entry of saved) {
      if (Array.isArray(entry) && typeof entry[0] === 'string' && Array.isArray(entry[1]) && entry[1].every(isRestorableAlert)) this.#live.set(entry[0], entry[1]);
    }
    this.#schedule();
  }

  #stateKey(): string {
    return `alertmanager-live:${this.#key}`;
  }

  /** #save writes the live alerts (group key → firing alerts) to the durable state, if any. */
  #save(): void {
    try {
      this.#ctx.state?.set(this.#stateKey(), [...this.#live]);
    } catch (err) {
      this.#ctx.logger.warn({ integration: 'alertmanager', err: (err as Error).message }, 'notify: cannot persist the alerts forwarded to Alertmanager; re-sends after a restart wait for the next notification');
    }
  }

  /** send forwards one notification's alerts to every Alertmanager; all must accept. */
  async send(notification: Notification, signal: AbortSignal): Promise<NotifyResult> {
    const { data } = notification;
    // A send still in flight on a replaced forwarder updates the forwarder that re-sends now.
    const keeper = this.#closed ? (open.get(this.#key)?.at(-1) ?? this) : this;
    keeper.#record(data.groupKey, data.alerts.filter((a) => a.status === 'firing'));
    if (data.alerts.length === 0) return { kind: 'success' };
    return this.#serial(() => this.#post(data.alerts, signal));
  }

  /** liveAlerts counts the firing alerts being re-sent (for tests and status). */
  liveAlerts(): number {
    let n = 0;
    for (const alerts of this.#live.values()) n += alerts.length;
    return n;
  }

  /** resendNow re-posts every live firing alert once (what the timer does each resend delay). */
  resendNow(signal?: AbortSignal): Promise<NotifyResult> {
    return this.#serial(() => {
      // Read the live set when the turn comes: a resolve queued earlier has already removed its alerts.
      const alerts = [...this.#live.values()].flat();
      if (alerts.length === 0) return Promise.resolve<NotifyResult>({ kind: 'success' });
      return this.#post(alerts, signal ?? AbortSignal.timeout(this.#cfg.http.timeoutMs));
    });
  }

  #serial(fn: () => Promise<NotifyResult>): Promise<NotifyResult> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * close stops the re-sends (a replaced configuration's forwarder must not keep posting) and
   * hands the live alerts to the newest forwarder to the same Alertmanagers created after it.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#ctx.timers.clearInterval(this.#timer);
    this.#timer = undefined;
    const peers = open.get(this.#key) ?? [];
    const rest = peers.filter((n) => n !== this);
    if (rest.length > 0) open.set(this.#key, rest);
    else open.delete(this.#key);
    const successor = peers.indexOf(this) < peers.length - 1 ? peers.at(-1) : undefined;
    if (successor !== undefined && successor !== this) successor.#adopt(this.#live);
    this.#live.clear();
  }

  /**
   * #record makes this notification the group's state: the newest word on a group wins, so no
   * other forwarder to the same Alertmanagers (a replaced one, or one that adopted the group)
   * keeps re-sending an older firing set.
   */
  #record(groupKey: string, firing: NotificationAlert[]): void {
    for (const peer of open.get(this.#key) ?? []) {
      if (peer !== this && peer.#live.delete(groupKey)) peer.#schedule();
    }
    if (firing.length > 0) this.#live.set(groupKey, firing);
    else this.#live.delete(groupKey);
    this.#save();
    this.#schedule();
  }

  /** #adopt takes over the live alerts of a replaced forwarder. */
  #adopt(live: ReadonlyMap<string, NotificationAlert[]>): void {
    if (this.#closed) return;
    for (const [groupKey, alerts] of live) if (!this.#live.has(groupKey)) this.#live.set(groupKey, alerts);
    this.#save();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed || this.#live.size === 0) {
      if (this.#timer !== undefined) this.#ctx.timers.clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#timer !== undefined) return;
    this.#timer = this.#ctx.timers.setInterval(() => void this.#tick(), this.#ctx.alertmanagerResendMs);
  }

  async #tick(): Promise<void> {
    if (this.#resending) return;
    this.#resending = true;
    try {
      const result = await this.resendNow();
      if (result.kind !== 'success') this.#ctx.logger.warn({ integration: 'alertmanager', err: result.message }, 'notify: re-sending firing alerts to Alertmanager failed; next try at the next resend');
    } catch (err) {
      // A timer's rejection would be unhandled and end the process; only the error's name, as its text may quote a URL.
      this.#ctx.logger.warn({ integration: 'alertmanager', err: (err as Error)?.name ?? 'error' }, 'notify: re-sending firing alerts to Alertmanager threw; next try at the next resend');
    } finally {
      this.#resending = false;
    }
  }

  async #post(alerts: readonly NotificationAlert[], signal: AbortSignal): Promise<NotifyResult> {
    const now = this.#ctx.now();
    const body = buildPostableAlerts(alerts, now, this.#ctx.alertmanagerResendMs);
    const results = await Promise.all(
      this.#cfg.urls.map(async (base) => {
        const { result } = await deliver({ url: alertmanagerUrl(base), body, http: this.#cfg.http, signal, ctx: this.#ctx, what: 'Alertmanager', secrets: urlSecrets(base) });
        return result;
      }),
    );
    return worstResult(results);
  }
}

function isStringMap(v: unknown): v is Record<string, string> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

// isTime: epoch ms that a Date can hold (goTime throws on anything else).
function isTime(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 8.64e15;
}

/** isRestorableAlert tells whether a saved firing alert has what a re-send writes (labels, annotations, times, URL). */
function isRestorableAlert(a: unknown): a is NotificationAlert {
  if (a === null || typeof a !== 'object') return false;
  const o = a as Record<string, unknown>;
  return (
    o['status'] === 'firing' &&
    isStringMap(o['labels']) &&
    isStringMap(o['annotations']) &&
    isTime(o['startsAt']) &&
    isTime(o['endsAt']) &&
    typeof o['generatorURL'] === 'string'
  );
}
