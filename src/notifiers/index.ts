/**
 * Notifiers: one per integration kind (Slack, PagerDuty, webhook, Alertmanager), built from a
 * receiver's integration by `createNotifier`, plus the notification templates they render.
 */
import { readFileSync } from 'node:fs';
import type { Integration, Notifier } from '../pipeline/types.ts';
import { AlertmanagerNotifier } from './alertmanager/notifier.ts';
import type { NotifierContext, ResolvedContext } from './context.ts';
import { PagerDutyNotifier } from './pagerduty/notifier.ts';
import { SlackNotifier } from './slack/notifier.ts';
import { WebhookNotifier } from './webhook/notifier.ts';

export { AlertmanagerNotifier, worstResult } from './alertmanager/notifier.ts';
export type { NotifierContext, NotifierLogger, NotifierState, NotifierTimers } from './context.ts';
export { classifyError, classifyResponse, parseRetryAfter, postJson } from './http.ts';
export type { HttpAnswer, PostOutcome, PostRequest } from './http.ts';
export { PagerDutyNotifier } from './pagerduty/notifier.ts';
export { dedupKey } from './pagerduty/payload.ts';
export { SlackNotifier } from './slack/notifier.ts';
export { WebhookNotifier } from './webhook/notifier.ts';
export { checkNotificationTemplate, fallbackText, renderNotificationTemplate } from './template.ts';
export type { NotificationTemplateOptions, RenderedTemplate, TemplateDefinition } from './template.ts';

let packageVersion: string | undefined;

/** runwardenVersion is package.json's version, read once. */
export function runwardenVersion(): string {
  if (packageVersion === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    packageVersion = pkg.version;
  }
  return packageVersion;
}

/** DEFAULT_RESEND_MS is Prometheus's default `resend_delay`. */
export const DEFAULT_RESEND_MS = 60_000;

const GLOBAL_TIMERS = {
  setInterval(fn: () => void, ms: number): unknown {
    // Re-sends must not keep the process alive on shutdown.
    return setInterval(fn, ms).unref();
  },
  clearInterval(handle: unknown): void {
    clearInterval(handle as ReturnType<typeof setInterval>);
  },
};

/** resolveContext fills in a NotifierContext's defaults. */
export function resolveContext(ctx: NotifierContext): ResolvedContext {
  return {
    definitions: ctx.definitions,
    logger: ctx.logger,
    version: ctx.version ?? runwardenVersion(),
    now: ctx.now ?? Date.now,
    dispatcher: ctx.dispatcher,
    timers: ctx.timers ?? GLOBAL_TIMERS,
    alertmanagerResendMs: ctx.alertmanagerResendMs ?? DEFAULT_RESEND_MS,
    state: ctx.state,
  };
}

/**
 * createNotifier builds the notifier of one integration. An Alertmanager forwarder re-sends firing
 * alerts in the background: when a configuration is replaced, call `closeNotifier` on the old ones.
 */
export function createNotifier(integration: Integration, ctx: NotifierContext): Notifier {
  const resolved = resolveContext(ctx);
  switch (integration.kind) {
    case 'slack':
      return new SlackNotifier(integration, resolved);
    case 'pagerduty':
      return new PagerDutyNotifier(integration, resolved);
    case 'webhook':
      return new WebhookNotifier(integration, resolved);
    case 'alertmanager':
      return new AlertmanagerNotifier(integration, resolved);
  }
}

/** closeNotifier stops a notifier's background work (the Alertmanager forwarder's re-sends); others have none. */
export function closeNotifier(notifier: Notifier): void {
  if (notifier instanceof AlertmanagerNotifier) notifier.close();
}
