/**
 * The webhook notifier: posts Alertmanager's webhook payload (version 4) to `url`; 2xx delivered,
 * 429 and 5xx retried, other statuses final, as Alertmanager's webhook notifier.
 */
import type { Notification, Notifier, NotifyResult, WebhookIntegration } from '../../pipeline/types.ts';
import type { ResolvedContext } from '../context.ts';
import { deliver } from '../http.ts';
import { buildWebhookPayload } from './payload.ts';

/** WebhookNotifier sends to one `webhook_configs` entry. */
export class WebhookNotifier implements Notifier {
  readonly kind = 'webhook' as const;
  readonly #cfg: WebhookIntegration;
  readonly #ctx: ResolvedContext;

  constructor(cfg: WebhookIntegration, ctx: ResolvedContext) {
    this.#cfg = cfg;
    this.#ctx = ctx;
  }

  /** send posts one notification; every outcome is a NotifyResult. */
  async send(notification: Notification, signal: AbortSignal): Promise<NotifyResult> {
    const body = buildWebhookPayload(notification.data, this.#cfg.maxAlerts);
    return (await deliver({ url: this.#cfg.url.reveal(), body, http: this.#cfg.http, signal, ctx: this.#ctx, what: 'the webhook' })).result;
  }
}
