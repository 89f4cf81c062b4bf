/**
 * The PagerDuty Events API v2 event for a notification. A firing group triggers; a resolved one
 * resolves. `dedup_key` is the SHA-256 of the group key (Alertmanager's `Key.Hash()`), so a
 * re-send after a crash updates the same incident and the resolve closes it. A resolve carries
 * only `routing_key`, `dedup_key` and `event_action`, all the Events API needs.
 */
import { createHash } from 'node:crypto';
import type { NotificationData, PagerDutyIntegration } from '../../pipeline/types.ts';
import { goJson, sortedRecord } from '../go-json.ts';
import { renderNotificationTemplate, type TemplateDefinition } from '../template.ts';
import { truncateText } from '../text.ts';

/** PAGERDUTY_LIMITS: summary length and event size the Events API accepts. */
export const PAGERDUTY_LIMITS = { summaryRunes: 1024, eventBytes: 512 * 1024, links: 5 } as const;

/** PAGERDUTY_SEVERITIES are the severities the Events API v2 accepts. */
export const PAGERDUTY_SEVERITIES: ReadonlySet<string> = new Set(['critical', 'error', 'warning', 'info']);

/** PagerDutyEvent is the built event: its bytes, its action and the problems met on the way. */
export interface PagerDutyEvent {
  body: string;
  action: 'trigger' | 'resolve';
  dedupKey: string;
  /** Template errors and replaced values, for the log (no secrets). */
  warnings: string[];
}

/** dedupKey is Alertmanager's `notify.Key.Hash()`: hex SHA-256 of the group key. */
export function dedupKey(groupKey: string): string {
  return createHash('sha256').update(groupKey, 'utf8').digest('hex');
}

/** buildPagerDutyEvent renders the integration's templates for `data` and builds the event bytes. */
export function buildPagerDutyEvent(cfg: PagerDutyIntegration, data: NotificationData, definitions: readonly TemplateDefinition[], nowMs: number): PagerDutyEvent {
  const warnings: string[] = [];
  const render = (name: string, text: string | undefined): string => {
    if (text === undefined) return '';
    const r = renderNotificationTemplate(text, data, definitions, { name, nowMs });
    if (!r.ok) warnings.push(r.error);
    return r.text;
  };
  const key = dedupKey(data.groupKey);
  const routingKey = cfg.routingKey.reveal();
  if (data.status === 'resolved') {
    return { body: goJson({ routing_key: routingKey, dedup_key: key, event_action: 'resolve' }), action: 'resolve', dedupKey: key, warnings };
  }

  let description = render('description', cfg.description);
  if (description.trim() === '') {
    // PagerDuty refuses an event without a summary: say what Alertmanager's default says instead.
    warnings.push('description rendered empty; sending the default subject');
    description = render('description', '{{ template "__subject" . }}');
    if (description.trim() === '') description = `[${data.status.toUpperCase()}] alert group of ${data.receiver}`;
  }
  const summary = truncateText(description, PAGERDUTY_LIMITS.summaryRunes, 'runes');
  if (summary.truncated) warnings.push(`summary cut to ${PAGERDUTY_LIMITS.summaryRunes} characters`);
  let severity = render('severity', cfg.severity).trim();
  if (!PAGERDUTY_SEVERITIES.has(severity)) {
    warnings.push(`severity ${JSON.stringify(severity)} is not one of critical, error, warning, info; sending error`);
    severity = 'error';
  }
  const client = render('client', cfg.client);
  const clientUrl = render('client_url', cfg.clientUrl);
  const details: Record<string, string> = {};
  for (const [name, text] of Object.entries(cfg.details)) details[name] = render(`details.${name}`, text);

  const payload: Record<string, unknown> = {
    summary: summary.text,
    // Alertmanager's default source is the client's name; PagerDuty requires one.
    source: client.trim() !== '' ? client : 'Runwarden',
    severity,
  };
  const cls = render('class', cfg.class);
  const component = render('component', cfg.component);
  const group = render('group', cfg.group);
  if (cls !== '') payload.class = cls;
  if (component !== '') payload.component = component;
  if (group !== '') payload.group = group;
  if (Object.keys(details).length > 0) payload.custom_details = sortedRecord(details);

  const event: Record<string, unknown> = { routing_key: routingKey, dedup_key: key, event_action: 'trigger', payload };
  if (client !== '') event.client = client;
  if (clientUrl !== '') event.client_url = clientUrl;
  const links = data.alerts
    .filter((a) => a.status === 'firing' && a.traceURL !== undefined && a.traceURL !== '')
    .slice(0, PAGERDUTY_LIMITS.links)
    .map((a) => ({ href: a.traceURL as string, text: a.labels.run_id === undefined ? 'Trace' : `Trace of run ${a.labels.run_id}` }));
  if (links.length > 0) event.links = links;

  let body = goJson(event);
  if (Buffer.byteLength(body) > PAGERDUTY_LIMITS.eventBytes && payload.custom_details !== undefined) {
    payload.custom_details = { error: `custom_details left out: the event was larger than PagerDuty's ${PAGERDUTY_LIMITS.eventBytes / 1024} KiB limit` };
    warnings.push('custom_details left out: event too large');
    body = goJson(event);
  }
  return { body, action: 'trigger', dedupKey: key, warnings };
}
