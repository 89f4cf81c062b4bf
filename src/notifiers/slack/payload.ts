/**
 * The Slack incoming-webhook message: a Block Kit message (header with the title, sections with
 * the text in mrkdwn, a context line with the links) and the top-level `text` as the
 * notification fallback, within Slack's documented limits (header text 150 characters, section
 * text 3000, context 10 elements, 50 blocks).
 */
import type { NotificationData, SlackIntegration } from '../../pipeline/types.ts';
import { goJson } from '../go-json.ts';
import { renderNotificationTemplate, type TemplateDefinition } from '../template.ts';
import { splitText, truncateText } from '../text.ts';

/** Slack's documented limits, counted in UTF-16 units (Slack does not say; this is the stricter count). */
export const SLACK_LIMITS = { headerText: 150, sectionText: 3000, contextElements: 10, sections: 20 } as const;

/** SlackPayload is the built message: its exact bytes and the template problems met on the way. */
export interface SlackPayload {
  body: string;
  templateErrors: string[];
}

/** escapeMrkdwn escapes what Slack's mrkdwn treats as control characters in plain text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function link(url: string, label: string): string {
  return `<${url.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${escapeMrkdwn(label)}>`;
}

/** buildSlackPayload renders the integration's templates for `data` and builds the message bytes. */
export function buildSlackPayload(cfg: SlackIntegration, data: NotificationData, definitions: readonly TemplateDefinition[], nowMs: number): SlackPayload {
  const templateErrors: string[] = [];
  const render = (name: string, text: string | undefined): string => {
    if (text === undefined) return '';
    const r = renderNotificationTemplate(text, data, definitions, { name, nowMs });
    if (!r.ok) templateErrors.push(r.error);
    return r.text;
  };
  const title = render('title', cfg.title).trim();
  const text = render('text', cfg.text);
  const titleLink = render('title_link', cfg.titleLink).trim();
  const fallback = render('fallback', cfg.fallback);

  const blocks: object[] = [];
  if (title !== '') blocks.push({ type: 'header', text: { type: 'plain_text', text: truncateText(title, SLACK_LIMITS.headerText, 'utf16').text, emoji: true } });
  if (text.trim() !== '') {
    const pieces = splitText(text, SLACK_LIMITS.sectionText, 'utf16');
    const kept = pieces.slice(0, SLACK_LIMITS.sections);
    if (pieces.length > kept.length) kept[kept.length - 1] = truncateText(`${kept[kept.length - 1]}\n…`, SLACK_LIMITS.sectionText, 'utf16').text;
    for (const piece of kept) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: piece } });
  }
  const links: { type: 'mrkdwn'; text: string }[] = [];
  if (/^https?:\/\//.test(titleLink)) links.push({ type: 'mrkdwn', text: link(titleLink, 'Open in Runwarden') });
  for (const alert of data.alerts) {
    if (links.length >= SLACK_LIMITS.contextElements) break;
    if (alert.status !== 'firing' || alert.traceURL === undefined || alert.traceURL === '') continue;
    const run = alert.labels.run_id;
    links.push({ type: 'mrkdwn', text: link(alert.traceURL, run === undefined ? 'Trace' : `Trace of run ${run}`) });
  }
  if (links.length > 0) blocks.push({ type: 'context', elements: links });

  const message: Record<string, unknown> = {};
  const channel = render('channel', cfg.channel).trim();
  const username = render('username', cfg.username).trim();
  const iconEmoji = render('icon_emoji', cfg.iconEmoji).trim();
  const iconUrl = render('icon_url', cfg.iconUrl).trim();
  if (channel !== '') message.channel = channel;
  if (username !== '') message.username = username;
  if (iconEmoji !== '') message.icon_emoji = iconEmoji;
  if (iconUrl !== '') message.icon_url = iconUrl;
  // The fallback shows in notifications and clients without Block Kit; never leave it empty.
  message.text = fallback.trim() !== '' ? fallback : title !== '' ? title : `[${data.status.toUpperCase()}] ${data.receiver}`;
  message.blocks = blocks;
  return { body: goJson(message), templateErrors };
}
