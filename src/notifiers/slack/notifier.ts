/**
 * The Slack notifier: posts the Block Kit message to the incoming webhook and reads Slack's
 * answers: `200 ok`; `400 invalid_payload`, `403 invalid_token`/`action_prohibited`,
 * `404 channel_not_found`, `410 channel_is_archived` are final; 429 (with `Retry-After`) and 5xx
 * are retried. Alertmanager drops Slack's 429; Runwarden retries it.
 */
import type { Notification, Notifier, NotifyResult, SlackIntegration } from '../../pipeline/types.ts';
import type { ResolvedContext } from '../context.ts';
import { deliver } from '../http.ts';
import { buildSlackPayload } from './payload.ts';

/** slackOkFailure reads a 2xx body that still says no (`{"ok":false,"error":"channel_not_found"}` from Web API URLs). */
function slackOkFailure(body: string): string | undefined {
  if (!body.trimStart().startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(body) as { ok?: unknown; error?: unknown };
    if (parsed.ok === false) return typeof parsed.error === 'string' ? parsed.error : 'ok: false';
  } catch {
    return undefined;
  }
  return undefined;
}

/** SlackNotifier sends to one `slack_configs` entry. */
export class SlackNotifier implements Notifier {
  readonly kind = 'slack' as const;
  readonly #cfg: SlackIntegration;
  readonly #ctx: ResolvedContext;

  constructor(cfg: SlackIntegration, ctx: ResolvedContext) {
    this.#cfg = cfg;
    this.#ctx = ctx;
  }

  /** send posts one notification; every outcome is a NotifyResult. */
  async send(notification: Notification, signal: AbortSignal): Promise<NotifyResult> {
    const now = this.#ctx.now();
    const payload = buildSlackPayload(this.#cfg, notification.data, this.#ctx.definitions, now);
    for (const error of payload.templateErrors) {
      this.#ctx.logger.warn({ receiver: notification.receiver, integration: notification.integration, err: error }, 'notify: template failed; sending the plain fallback text');
    }
    const { result, answer } = await deliver({ url: this.#cfg.apiUrl.reveal(), body: payload.body, http: this.#cfg.http, signal, ctx: this.#ctx, what: 'Slack' });
    if (result.kind === 'success' && answer !== undefined) {
      const refused = slackOkFailure(answer.body);
      if (refused !== undefined) return { kind: 'failure', reason: 'clientError', message: `Slack answered ${answer.status} but refused the message: ${refused}`, status: answer.status };
    }
    return result;
  }
}
