/**
 * The message shapes as the receivers' public documentation states them, written as checks
 * independent of the code under test: Slack's incoming-webhook message with Block Kit blocks
 * (header: plain_text ≤ 150; section: text object ≤ 3000; context: ≤ 10 elements; ≤ 50 blocks)
 * and PagerDuty's Events API v2 alert event (routing_key, event_action, dedup_key ≤ 255;
 * trigger payload summary ≤ 1024, source, severity in critical|error|warning|info; links with
 * href). Each returns the problems found; none means the message conforms.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** slackMessageProblems checks a Slack incoming-webhook message. */
export function slackMessageProblems(body: string): string[] {
  const problems: string[] = [];
  const msg = JSON.parse(body) as unknown;
  if (!isObject(msg)) return ['message is not an object'];
  if (!isNonEmptyString(msg.text)) problems.push('text (the notification fallback) must be a non-empty string');
  for (const key of ['channel', 'username', 'icon_emoji', 'icon_url']) {
    if (key in msg && !isNonEmptyString(msg[key])) problems.push(`${key} must be a non-empty string when present`);
  }
  const allowed = new Set(['text', 'blocks', 'channel', 'username', 'icon_emoji', 'icon_url']);
  for (const key of Object.keys(msg)) if (!allowed.has(key)) problems.push(`unexpected field ${key}`);
  if (!Array.isArray(msg.blocks)) return [...problems, 'blocks must be an array'];
  if (msg.blocks.length > 50) problems.push('at most 50 blocks');
  msg.blocks.forEach((block: unknown, i) => {
    if (!isObject(block)) return void problems.push(`blocks[${i}] is not an object`);
    const text = block.text;
    switch (block.type) {
      case 'header':
        if (!isObject(text) || text.type !== 'plain_text' || !isNonEmptyString(text.text)) problems.push(`blocks[${i}]: header needs a plain_text text`);
        else if (text.text.length > 150) problems.push(`blocks[${i}]: header text longer than 150`);
        break;
      case 'section':
        if (!isObject(text) || (text.type !== 'mrkdwn' && text.type !== 'plain_text') || !isNonEmptyString(text.text)) problems.push(`blocks[${i}]: section needs a text object`);
        else if (text.text.length > 3000) problems.push(`blocks[${i}]: section text longer than 3000`);
        break;
      case 'context': {
        const elements = block.elements;
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10) problems.push(`blocks[${i}]: context needs 1 to 10 elements`);
        else
          elements.forEach((e: unknown, j) => {
            if (!isObject(e) || (e.type !== 'mrkdwn' && e.type !== 'plain_text') || !isNonEmptyString(e.text)) problems.push(`blocks[${i}].elements[${j}] is not a text object`);
          });
        break;
      }
      default:
        problems.push(`blocks[${i}]: unexpected block type ${String(block.type)}`);
    }
  });
  return problems;
}

/** pagerDutyEventProblems checks a PagerDuty Events API v2 alert event. */
export function pagerDutyEventProblems(body: string): string[] {
  const problems: string[] = [];
  const ev = JSON.parse(body) as unknown;
  if (!isObject(ev)) return ['event is not an object'];
  if (!isNonEmptyString(ev.routing_key)) problems.push('routing_key is required');
  if (!['trigger', 'acknowledge', 'resolve'].includes(ev.event_action as string)) problems.push('event_action must be trigger, acknowledge or resolve');
  if ('dedup_key' in ev && (!isNonEmptyString(ev.dedup_key) || ev.dedup_key.length > 255)) problems.push('dedup_key must be 1 to 255 characters');
  if (ev.event_action !== 'trigger') {
    if (!isNonEmptyString(ev.dedup_key)) problems.push('acknowledge and resolve need the dedup_key');
    return problems;
  }
  const p = ev.payload;
  if (!isObject(p)) return [...problems, 'payload is required for trigger'];
  if (!isNonEmptyString(p.summary)) problems.push('payload.summary is required');
  else if ([...p.summary].length > 1024) problems.push('payload.summary longer than 1024');
  if (!isNonEmptyString(p.source)) problems.push('payload.source is required');
  if (!['critical', 'error', 'warning', 'info'].includes(p.severity as string)) problems.push('payload.severity must be critical, error, warning or info');
  for (const key of ['component', 'group', 'class', 'timestamp']) if (key in p && typeof p[key] !== 'string') problems.push(`payload.${key} must be a string`);
  if ('custom_details' in p && !isObject(p.custom_details)) problems.push('payload.custom_details must be an object');
  if ('links' in ev && (!Array.isArray(ev.links) || ev.links.some((l: unknown) => !isObject(l) || !isNonEmptyString(l.href)))) problems.push('links need an href each');
  if (Buffer.byteLength(body) > 512 * 1024) problems.push('event larger than 512 KB');
  return problems;
}
