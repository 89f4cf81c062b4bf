/**
 * Receivers with Alertmanager's field names and defaults: `slack_configs` (incoming webhooks),
 * `pagerduty_configs` (Events API v2), `webhook_configs`, and Runwarden's `alertmanager_configs`
 * (forward to real Alertmanagers). Alertmanager fields Runwarden does not implement are refused
 * by name rather than ignored.
 */
import type { Node } from 'yaml';
import type { Position } from '../../errors.ts';
import type {
  AlertmanagerIntegration,
  HttpSettings,
  Integration,
  PagerDutyIntegration,
  Receiver,
  SlackIntegration,
  WebhookIntegration,
} from '../../pipeline/types.ts';
import type { Fields, Reader } from './reader.ts';
import { join } from './reader.ts';
import type { ReadSecret, SecretSources } from './secrets.ts';
import { readSecret, urlProblem } from './secrets.ts';

/** DEFAULT_HTTP_TIMEOUT_MS is the per-request timeout when none is set. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/** DEFAULT_PAGERDUTY_URL is Alertmanager's `global.pagerduty_url` default. */
export const DEFAULT_PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';

/** Globals are the `global:` settings receivers fall back on. */
export interface Globals {
  slackApiUrl?: ReadSecret;
  /** A `global.slack_api_url(_file)` was written but is broken (already reported). */
  slackApiUrlBroken?: boolean;
  pagerdutyUrl: string;
  http?: Omit<HttpSettings, 'timeoutMs'>;
}

/** TemplateField is a templated value to check once the `templates:` files are known. */
export interface TemplateField {
  text: string;
  what: string;
  where: Position;
}

/** ReceiverContext is what reading receivers needs and collects. */
export interface ReceiverContext {
  globals: Globals;
  sources: SecretSources;
  /** Every templated field set by the user, checked against the template files at the end. */
  templates: TemplateField[];
}

const SUPPORTED = ['slack_configs', 'pagerduty_configs', 'webhook_configs', 'alertmanager_configs'];
const UNSUPPORTED_RECEIVERS = [
  'email_configs', 'opsgenie_configs', 'wechat_configs', 'pushover_configs', 'victorops_configs', 'sns_configs',
  'telegram_configs', 'webex_configs', 'msteams_configs', 'msteamsv2_configs', 'discord_configs', 'jira_configs',
  'rocketchat_configs', 'mattermost_configs', 'incidentio_configs', 'labels',
];

/** readReceivers reads `receivers:`, refusing a missing or repeated name. Order is kept. */
export function readReceivers(r: Reader, node: Node | null, ctx: ReceiverContext): Map<string, Receiver> {
  const out = new Map<string, Receiver>();
  r.walk.sequence(node, 'receivers').forEach((item, i) => {
    const what = `receivers[${i}]`;
    const fields = r.fields(item, what, ['name', ...SUPPORTED], UNSUPPORTED_RECEIVERS);
    if (fields === undefined) return;
    const name = r.string(fields, 'name', what);
    const integrations: Integration[] = [];
    const each = (key: string, read: (f: Fields | undefined, at: string, n: Node) => Integration | undefined): void => {
      r.sequence(fields.get(key), join(what, key)).forEach((n, j) => {
        const at = `${what}.${key}[${j}]`;
        const integration = read(r.fields(n, at, KNOWN[key] ?? [], UNSUPPORTED[key] ?? []), at, n);
        if (integration) integrations.push(integration);
      });
    };
    each('slack_configs', (f, at, n) => slack(r, f, at, n, ctx));
    each('pagerduty_configs', (f, at, n) => pagerduty(r, f, at, n, ctx));
    each('webhook_configs', (f, at, n) => webhook(r, f, at, n, ctx));
    each('alertmanager_configs', (f, at, n) => alertmanager(r, f, at, n, ctx));
    if (name === undefined || name === '') {
      r.report(`${what}: missing name in receiver`, fields.has('name') ? r.atField(fields.get('name')!) : r.at(item));
      return;
    }
    if (out.has(name)) {
      r.report(`${what}.name: receiver name ${JSON.stringify(name)} is not unique`, r.atField(fields.get('name')!));
      return;
    }
    out.set(name, { name, integrations });
  });
  return out;
}

const HTTP = ['http_config', 'timeout', 'send_resolved'];
const KNOWN: Record<string, string[]> = {
  slack_configs: [...HTTP, 'api_url', 'api_url_file', 'channel', 'username', 'icon_emoji', 'icon_url', 'title', 'title_link', 'text', 'color', 'fallback'],
  pagerduty_configs: [...HTTP, 'routing_key', 'routing_key_file', 'service_key', 'service_key_file', 'url', 'client', 'client_url', 'description', 'severity', 'class', 'component', 'group', 'details'],
  webhook_configs: [...HTTP, 'url', 'url_file', 'max_alerts'],
  alertmanager_configs: ['http_config', 'timeout', 'urls'],
};
const UNSUPPORTED: Record<string, string[]> = {
  slack_configs: ['app_token', 'app_token_file', 'app_url', 'pretext', 'message_text', 'fields', 'short_fields', 'footer', 'callback_id', 'image_url', 'thumb_url', 'link_names', 'mrkdwn_in', 'actions', 'update_message'],
  pagerduty_configs: ['images', 'links', 'source'],
  webhook_configs: ['payload'],
};

// Alertmanager's default templates for unset fields (config/notifiers.go, notify/pagerduty/config.go).
const SLACK_DEFAULTS = {
  title: '{{ template "slack.default.title" . }}',
  titleLink: '{{ template "slack.default.titlelink" . }}',
  text: '{{ template "slack.default.text" . }}',
  color: '{{ template "slack.default.color" . }}',
  fallback: '{{ template "slack.default.fallback" . }}',
};
const PAGERDUTY_DEFAULTS = {
  description: '{{ template "pagerduty.default.description" .}}',
  client: '{{ template "pagerduty.default.client" . }}',
  clientUrl: '{{ template "pagerduty.default.clientURL" . }}',
  severity: 'error',
};
const PAGERDUTY_DETAILS: Record<string, string> = {
  firing: '{{ .Alerts.Firing | toJson }}',
  resolved: '{{ .Alerts.Resolved | toJson }}',
  num_firing: '{{ .Alerts.Firing | len }}',
  num_resolved: '{{ .Alerts.Resolved | len }}',
};

function slack(r: Reader, f: Fields | undefined, what: string, node: Node, ctx: ReceiverContext): SlackIntegration | undefined {
  const own = readSecret(r, f, 'api_url', 'api_url_file', what, ctx.sources);
  const source = own ?? ctx.globals.slackApiUrl;
  const http = readHttp(r, f, what, ctx);
  const t = (name: string, fallback: string): string => template(r, f, name, what, ctx) ?? fallback;
  const out = {
    kind: 'slack' as const,
    sendResolved: r.bool(f, 'send_resolved', what) ?? false,
    title: t('title', SLACK_DEFAULTS.title),
    titleLink: t('title_link', SLACK_DEFAULTS.titleLink),
    text: t('text', SLACK_DEFAULTS.text),
    color: t('color', SLACK_DEFAULTS.color),
    fallback: t('fallback', SLACK_DEFAULTS.fallback),
    http,
  };
  const extra: Partial<SlackIntegration> = {};
  const channel = template(r, f, 'channel', what, ctx);
  const username = template(r, f, 'username', what, ctx);
  const iconEmoji = template(r, f, 'icon_emoji', what, ctx);
  const iconUrl = template(r, f, 'icon_url', what, ctx);
  if (channel !== undefined) extra.channel = channel;
  if (username !== undefined) extra.username = username;
  if (iconEmoji !== undefined) extra.iconEmoji = iconEmoji;
  if (iconUrl !== undefined) extra.iconUrl = iconUrl;
  const hadOwn = f?.has('api_url') || f?.has('api_url_file');
  if (source === undefined) {
    // A broken own api_url was reported already; only a missing one needs saying.
    if (!hadOwn && !ctx.globals.slackApiUrlBroken) r.report(`${what}: no Slack API URL set: give api_url or api_url_file here, or global.slack_api_url(_file)`, r.at(node));
    return undefined;
  }
  if (own !== undefined && !checkUrl(r, own, what)) return undefined;
  return { ...out, ...extra, apiUrl: source.secret };
}

function pagerduty(r: Reader, f: Fields | undefined, what: string, node: Node, ctx: ReceiverContext): PagerDutyIntegration | undefined {
  for (const old of ['service_key', 'service_key_file']) {
    const field = f?.get(old);
    if (field) r.report(`${join(what, old)}: PagerDuty's Events API v1 (service_key) is not supported; use routing_key (Events API v2)`, r.at(field.key));
  }
  const key = readSecret(r, f, 'routing_key', 'routing_key_file', what, ctx.sources);
  const hadKey = f?.has('routing_key') || f?.has('routing_key_file');
  const hadService = f?.has('service_key') || f?.has('service_key_file');
  if (!hadKey && !hadService) r.report(`${what}: missing routing key in PagerDuty config (routing_key or routing_key_file)`, r.at(node));
  const url = plainUrl(r, f, 'url', what) ?? ctx.globals.pagerdutyUrl;
  const http = readHttp(r, f, what, ctx);
  const t = (name: string, fallback: string): string => template(r, f, name, what, ctx) ?? fallback;
  const details: Record<string, string> = { ...PAGERDUTY_DETAILS };
  for (const entry of r.walk.stringMap(f?.get('details'), join(what, 'details'))) {
    const at = `${join(what, 'details')}.${entry.name}`;
    checkLater(ctx, entry.value, at, r.at(entry.node, entry.key));
    details[entry.name] = entry.value;
  }
  const optional: Partial<Pick<PagerDutyIntegration, 'class' | 'component' | 'group'>> = {};
  for (const name of ['class', 'component', 'group'] as const) {
    const value = template(r, f, name, what, ctx);
    if (value !== undefined) optional[name] = value;
  }
  const common = {
    sendResolved: r.bool(f, 'send_resolved', what) ?? true,
    url,
    client: t('client', PAGERDUTY_DEFAULTS.client),
    clientUrl: t('client_url', PAGERDUTY_DEFAULTS.clientUrl),
    description: t('description', PAGERDUTY_DEFAULTS.description),
    severity: t('severity', PAGERDUTY_DEFAULTS.severity),
    details,
    http,
  };
  if (key === undefined) return undefined;
  return { kind: 'pagerduty', routingKey: key.secret, ...common, ...optional };
}

function webhook(r: Reader, f: Fields | undefined, what: string, node: Node, ctx: ReceiverContext): WebhookIntegration | undefined {
  const url = readSecret(r, f, 'url', 'url_file', what, ctx.sources);
  const had = f?.has('url') || f?.has('url_file');
  if (!had) r.report(`${what}: one of url or url_file must be configured`, r.at(node));
  const out = {
    kind: 'webhook' as const,
    sendResolved: r.bool(f, 'send_resolved', what) ?? true,
    maxAlerts: r.integer(f, 'max_alerts', what, 0) ?? 0,
    http: readHttp(r, f, what, ctx),
  };
  if (url === undefined || !checkUrl(r, url, what)) return undefined;
  return { ...out, url: url.secret };
}

function alertmanager(r: Reader, f: Fields | undefined, what: string, node: Node, ctx: ReceiverContext): AlertmanagerIntegration | undefined {
  const list = r.strings(f, 'urls', what);
  const urls: string[] = [];
  for (const { value, node: n } of list ?? []) {
    const problem = urlProblem(value);
    if (problem) r.report(`${join(what, 'urls')}: ${JSON.stringify(value)} ${problem}`, r.at(n));
    else urls.push(value);
  }
  const http = readHttp(r, f, what, ctx);
  if (list === undefined || list.length === 0) {
    r.report(`${what}: urls must list at least one Alertmanager URL`, r.at(node));
    return undefined;
  }
  if (urls.length < list.length) return undefined;
  return { kind: 'alertmanager', sendResolved: true, urls, http };
}

/** checkUrl refuses a secret URL that does not parse, naming the field but never the value. */
export function checkUrl(r: Reader, url: ReadSecret, what: string): boolean {
  const problem = urlProblem(url.secret.reveal());
  if (problem === undefined) return true;
  r.report(`${join(what, url.field)}: ${problem}`, url.where);
  return false;
}

/** plainUrl reads a URL that is not a secret (`url` of PagerDuty, `global.pagerduty_url`). */
export function plainUrl(r: Reader, f: Fields | undefined, name: string, what: string): string | undefined {
  const value = r.string(f, name, what);
  if (value === undefined) return undefined;
  const problem = urlProblem(value);
  if (problem === undefined) return value;
  r.report(`${join(what, name)}: ${JSON.stringify(value)} ${problem}`, r.atField(f!.get(name)!));
  return undefined;
}

function template(r: Reader, f: Fields | undefined, name: string, what: string, ctx: ReceiverContext): string | undefined {
  const value = r.string(f, name, what);
  const field = f?.get(name);
  if (value !== undefined && field) checkLater(ctx, value, join(what, name), r.atField(field));
  return value;
}

function checkLater(ctx: ReceiverContext, text: string, what: string, where: Position): void {
  ctx.templates.push({ text, what, where });
}

const HTTP_FIELDS = ['authorization', 'bearer_token', 'bearer_token_file', 'follow_redirects', 'enable_http2'];
const HTTP_UNSUPPORTED = ['basic_auth', 'oauth2', 'tls_config', 'proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header', 'http_headers'];

/**
 * readHttpConfig reads an `http_config`: a bearer token from `authorization` (type Bearer) or the
 * older `bearer_token`. `follow_redirects` and `enable_http2` are accepted and have no effect.
 */
export function readHttpConfig(r: Reader, node: Node | null, what: string, sources: SecretSources): Omit<HttpSettings, 'timeoutMs'> {
  const f = r.fields(node, what, HTTP_FIELDS, HTTP_UNSUPPORTED);
  r.bool(f, 'follow_redirects', what);
  r.bool(f, 'enable_http2', what);
  const out: Omit<HttpSettings, 'timeoutMs'> = {};
  const auth = f?.get('authorization');
  const old = f?.has('bearer_token') || f?.has('bearer_token_file');
  if (auth && old) r.report(`${what}: at most one of bearer_token & authorization must be configured`, r.at(auth.key));
  if (auth) {
    const at = join(what, 'authorization');
    const af = r.fields(auth.value, at, ['type', 'credentials', 'credentials_file']);
    const type = r.string(af, 'type', at);
    if (type !== undefined && type.toLowerCase() !== 'bearer') {
      r.report(`${at}.type: only the Bearer type is supported, got ${JSON.stringify(type)}`, r.atField(af!.get('type')!));
    }
    const secret = readSecret(r, af, 'credentials', 'credentials_file', at, sources);
    if (secret) out.bearerToken = secret.secret;
  } else if (old) {
    const secret = readSecret(r, f, 'bearer_token', 'bearer_token_file', what, sources);
    if (secret) out.bearerToken = secret.secret;
  }
  return out;
}

// readHttp reads an integration's `http_config` (or takes the global one) and its `timeout`.
function readHttp(r: Reader, f: Fields | undefined, what: string, ctx: ReceiverContext): HttpSettings {
  const own = f?.get('http_config');
  const base = own ? readHttpConfig(r, own.value, join(what, 'http_config'), ctx.sources) : (ctx.globals.http ?? {});
  return { timeoutMs: r.duration(f, 'timeout', what, true) ?? DEFAULT_HTTP_TIMEOUT_MS, ...base };
}
