import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notifiers/index.ts';
import { buildSlackPayload } from '../../src/notifiers/slack/payload.ts';
import { Secret, type NotifyResult, type SlackIntegration } from '../../src/pipeline/types.ts';
import { slackMessageProblems } from './documented-shapes.ts';
import { RecordingLogger, T0, fixture, freePort, notificationOf, sampleData, startReceiver, type Answer, type Receiver } from './helpers.ts';

const HOOK_PATH = '/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX';

function slackConfig(apiUrl: string, over: Partial<SlackIntegration> = {}): SlackIntegration {
  return {
    kind: 'slack',
    sendResolved: true,
    apiUrl: new Secret(apiUrl),
    channel: '#ops',
    username: '{{ template "slack.default.username" . }}',
    title: '{{ template "slack.default.title" . }}',
    titleLink: '{{ template "slack.default.titlelink" . }}',
    text: '{{ template "slack.default.text" . }}',
    color: '{{ template "slack.default.color" . }}',
    fallback: '{{ template "slack.default.fallback" . }}',
    http: { timeoutMs: 2000, bearerToken: undefined },
    ...over,
  };
}

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function sendTo(answers: Answer[], over: Partial<SlackIntegration> = {}, logger = new RecordingLogger()): Promise<NotifyResult> {
  receiver = await startReceiver(answers);
  const notifier = createNotifier(slackConfig(receiver.url + HOOK_PATH, over), { definitions: [], logger, version: '1.2.3', now: () => T0 });
  return notifier.send(notificationOf(sampleData()), AbortSignal.timeout(10_000));
}

describe('Slack notifier', () => {
  it('posts the Block Kit message byte for byte to the incoming webhook', async () => {
    const result = await sendTo([{ status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' }]);
    expect(result).toEqual({ kind: 'success' });
    const [req] = receiver?.received ?? [];
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe(HOOK_PATH);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['user-agent']).toBe('Runwarden/1.2.3');
    expect(req?.body).toBe(fixture('slack-firing.json'));
    expect(slackMessageProblems(req?.body ?? '')).toEqual([]);
    const message = JSON.parse(req?.body ?? '{}') as { text: string; blocks: { type: string }[] };
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
  });

  // Slack's documented incoming-webhook answers (plain-text bodies).
  const answers: { name: string; answer: Answer; want: NotifyResult }[] = [
    { name: '400 invalid_payload is final', answer: { status: 400, body: 'invalid_payload' }, want: { kind: 'failure', reason: 'clientError', status: 400, message: 'Slack answered 400: invalid_payload' } },
    { name: '403 invalid_token is final', answer: { status: 403, body: 'invalid_token' }, want: { kind: 'failure', reason: 'clientError', status: 403, message: 'Slack answered 403: invalid_token' } },
    { name: '403 action_prohibited is final', answer: { status: 403, body: 'action_prohibited' }, want: { kind: 'failure', reason: 'clientError', status: 403, message: 'Slack answered 403: action_prohibited' } },
    { name: '404 channel_not_found is final', answer: { status: 404, body: 'channel_not_found' }, want: { kind: 'failure', reason: 'clientError', status: 404, message: 'Slack answered 404: channel_not_found' } },
    { name: '410 channel_is_archived is final', answer: { status: 410, body: 'channel_is_archived' }, want: { kind: 'failure', reason: 'clientError', status: 410, message: 'Slack answered 410: channel_is_archived' } },
    {
      name: '429 with Retry-After seconds is retried after that delay',
      answer: { status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' },
      want: { kind: 'retryable', reason: 'rateLimited', status: 429, retryAfterMs: 30_000, message: 'Slack answered 429: rate_limited' },
    },
    { name: '500 is retried', answer: { status: 500, body: 'internal_error' }, want: { kind: 'retryable', reason: 'serverError', status: 500, message: 'Slack answered 500: internal_error' } },
    { name: '503 without body is retried', answer: { status: 503 }, want: { kind: 'retryable', reason: 'serverError', status: 503, message: 'Slack answered 503' } },
    {
      name: 'a Web API answer 200 {"ok":false} is final',
      answer: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":false,"error":"channel_not_found"}' },
      want: { kind: 'failure', reason: 'clientError', status: 200, message: 'Slack answered 200 but refused the message: channel_not_found' },
    },
  ];
  it.each(answers)('$name', async ({ answer, want }) => {
    expect(await sendTo([answer])).toEqual(want);
  });

  it('says connection refused without the webhook URL', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}${HOOK_PATH}`;
    const notifier = createNotifier(slackConfig(url), { definitions: [], logger: new RecordingLogger(), now: () => T0 });
    const result = await notifier.send(notificationOf(sampleData()), AbortSignal.timeout(10_000));
    expect(result).toEqual({ kind: 'retryable', reason: 'network', message: 'connection refused (ECONNREFUSED)' });
  });

  it('falls back to a plain text with the error when a template fails, and still sends', async () => {
    const logger = new RecordingLogger();
    const result = await sendTo([{ status: 200, body: 'ok' }], { text: '{{ index .Alerts 9 }}' }, logger);
    expect(result).toEqual({ kind: 'success' });
    const message = JSON.parse(receiver?.received[0]?.body ?? '{}') as { blocks: { type: string; text?: { text: string } }[] };
    const section = message.blocks.find((b) => b.type === 'section');
    expect(section?.text?.text).toContain('- firing: alertname=PhaseTooSlow, run_id=run-42, severity=page, workflow=nightly & weekly');
    expect(section?.text?.text).toContain('(the notification template failed: text:1:4: executing at <index .Alerts 9>: error calling index: index out of range: 9)');
    expect(logger.lines.join('\n')).toContain('index out of range');
    expect(logger.lines.join('\n')).not.toContain(HOOK_PATH);
  });

  it('keeps Slack limits: header cut to 150 characters, long text split into sections of at most 3000', () => {
    const long = 'x'.repeat(400);
    const cfg = slackConfig('http://unused', { title: long, text: `${'line of text\n'.repeat(600)}` });
    const message = JSON.parse(buildSlackPayload(cfg, sampleData(), [], T0).body) as { blocks: { type: string; text?: { text: string } }[] };
    const header = message.blocks.find((b) => b.type === 'header');
    expect([...(header?.text?.text ?? '')].length).toBe(150);
    expect(header?.text?.text.endsWith('…')).toBe(true);
    const sections = message.blocks.filter((b) => b.type === 'section').map((b) => b.text?.text ?? '');
    expect(sections.length).toBe(3);
    for (const s of sections) expect([...s].length).toBeLessThanOrEqual(3000);
    expect(sections.join('')).toBe('line of text\n'.repeat(600));
  });

  it('never puts the webhook URL in a result message, even when the receiver echoes it', async () => {
    receiver = await startReceiver([{ status: 400, body: `invalid_payload for ${HOOK_PATH}` }]);
    const notifier = createNotifier(slackConfig(receiver.url + HOOK_PATH), { definitions: [], logger: new RecordingLogger(), now: () => T0 });
    const result = await notifier.send(notificationOf(sampleData()), AbortSignal.timeout(10_000));
    expect(result.kind).toBe('failure');
    expect(JSON.stringify(result)).not.toContain(HOOK_PATH);
  });
});
