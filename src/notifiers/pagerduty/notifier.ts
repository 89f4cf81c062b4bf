/**
 * The PagerDuty notifier (Events API v2): posts the event and reads PagerDuty's answers: 202
 * `{"status":"success",…}` delivered; 400 `{"status":"invalid event",…,"errors":[…]}` final with
 * PagerDuty's reasons; 429 and 5xx retried. Resolved groups are only sent with `send_resolved`.
 */
import type { Notification, Notifier, NotifyResult, PagerDutyIntegration } from '../../pipeline/types.ts';
import type { ResolvedContext } from '../context.ts';
import { deliver, quoteBody } from '../http.ts';
import { buildPagerDutyEvent } from './payload.ts';

/** pagerDutyReason is the useful part of a 400 answer: its message and errors. */
function pagerDutyReason(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(parsed.errors) ? parsed.errors.filter((e): e is string => typeof e === 'string') : [];
    const message = typeof parsed.message === 'string' ? parsed.message : '';
    if (message === '' && errors.length === 0) return undefined;
    return [message, ...errors].filter((s) => s !== '').join('; ');
  } catch {
    return undefined;
  }
}

/** PagerDutyNotifier sends to one `pagerduty_configs` entry. */
export class PagerDutyNotifier implements Notifier {
  readonly kind = 'pagerduty' as const;
  readonly #cfg: PagerDutyIntegration;
  readonly #ctx: ResolvedContext;

  constructor(cfg: PagerDutyIntegration, ctx: ResolvedContext) {
    this.#cfg = cfg;
    this.#ctx = ctx;
  }

  /** send posts one event; every outcome is a NotifyResult. */
  async send(notification: Notification, signal: AbortSignal): Promise<NotifyResult> {
    if (notification.data.status === 'resolved' && !this.#cfg.sendResolved) return { kind: 'success' };
    const event = buildPagerDutyEvent(this.#cfg, notification.data, this.#ctx.definitions, this.#ctx.now());
    for (const warning of event.warnings) {
      this.#ctx.logger.warn({ receiver: notification.receiver, integration: notification.integration, err: warning }, 'notify: PagerDuty event adjusted');
    }
    const secrets = [this.#cfg.routingKey.reveal(), ...(this.#cfg.http.bearerToken ? [this.#cfg.http.bearerToken.reveal()] : [])];
    const { result, answer } = await deliver({ url: this.#cfg.url, body: event.body, http: this.#cfg.http, signal, ctx: this.#ctx, what: 'PagerDuty', secrets });
    if (result.kind === 'failure' && answer?.status === 400) {
      const reason = pagerDutyReason(answer.body);
      if (reason !== undefined) return { ...result, message: `PagerDuty refused the event (400): ${quoteBody(reason, secrets)}` };
    }
    return result;
  }
}
