import { afterEach, describe, expect, it } from 'vitest';
import { classifyResponse, parseRetryAfter, postJson, quoteBody, urlSecrets, type HttpAnswer } from '../../src/notifiers/http.ts';
import { Secret, type NotifyResult } from '../../src/pipeline/types.ts';
import { freePort, startReceiver, type Receiver } from './helpers.ts';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('parseRetryAfter', () => {
  const cases: { value: string | string[] | undefined; want: number | undefined }[] = [
    { value: undefined, want: undefined },
    { value: '', want: undefined },
    { value: '0', want: 0 },
    { value: '120', want: 120_000 },
    { value: ' 7 ', want: 7000 },
    { value: ['3', '9'], want: 3000 },
    { value: 'Mon, 23 Nov 2026 12:01:30 GMT', want: 90_000 },
    { value: 'Monday, 23-Nov-26 12:00:10 GMT', want: 10_000 },
    { value: 'Mon Nov 23 12:00:20 2026', want: 20_000 },
    { value: 'Mon, 23 Nov 2026 11:00:00 GMT', want: 0 },
    { value: '-5', want: undefined },
    { value: '1.5', want: undefined },
    { value: 'soon', want: undefined },
  ];
  it.each(cases)('$value → $want', ({ value, want }) => {
    expect(parseRetryAfter(value, NOW)).toBe(want);
  });
});

describe('classifyResponse', () => {
  const answer = (status: number, body = '', headers: Record<string, string> = {}): HttpAnswer => ({ status, body, headers });
  const cases: { name: string; answer: HttpAnswer; want: NotifyResult }[] = [
    { name: '200', answer: answer(200, 'ok'), want: { kind: 'success' } },
    { name: '202', answer: answer(202), want: { kind: 'success' } },
    { name: '204', answer: answer(204), want: { kind: 'success' } },
    { name: '301 is final', answer: answer(301), want: { kind: 'failure', reason: 'other', status: 301, message: 'X answered 301' } },
    { name: '400 is final', answer: answer(400, 'bad'), want: { kind: 'failure', reason: 'clientError', status: 400, message: 'X answered 400: bad' } },
    { name: '401 is final', answer: answer(401), want: { kind: 'failure', reason: 'clientError', status: 401, message: 'X answered 401' } },
    { name: '404 is final', answer: answer(404), want: { kind: 'failure', reason: 'clientError', status: 404, message: 'X answered 404' } },
    { name: '429 is retried', answer: answer(429), want: { kind: 'retryable', reason: 'rateLimited', status: 429, message: 'X answered 429' } },
    { name: '429 with seconds', answer: answer(429, '', { 'retry-after': '5' }), want: { kind: 'retryable', reason: 'rateLimited', status: 429, retryAfterMs: 5000, message: 'X answered 429' } },
    {
      name: '503 with an HTTP-date',
      answer: answer(503, '', { 'retry-after': 'Mon, 23 Nov 2026 12:00:45 GMT' }),
      want: { kind: 'retryable', reason: 'serverError', status: 503, retryAfterMs: 45_000, message: 'X answered 503' },
    },
    { name: '500 is retried', answer: answer(500, 'oops\n  line two'), want: { kind: 'retryable', reason: 'serverError', status: 500, message: 'X answered 500: oops line two' } },
  ];
  it.each(cases)('$name', ({ answer: a, want }) => {
    expect(classifyResponse(a, NOW, 'X')).toEqual(want);
  });

  it('cuts long bodies and blanks secrets in them', () => {
    expect(quoteBody(`${'a'.repeat(300)}`)).toBe(`${'a'.repeat(200)}…`);
    expect(quoteBody('key R0UTINGKEY123 refused', ['R0UTINGKEY123'])).toBe('key <secret> refused');
  });

  it('urlSecrets covers the path and long segments of a webhook URL', () => {
    const parts = urlSecrets('https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnop?token=qrstuvwxyz12');
    expect(parts).toContain('abcdefghijklmnop');
    expect(parts).toContain('qrstuvwxyz12');
    expect(parts).toContain('/services/T0001/B0001/abcdefghijklmnop?token=qrstuvwxyz12');
  });
});

describe('postJson', () => {
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('sends the body as JSON with User-Agent and bearer token, and returns the answer', async () => {
    receiver = await startReceiver([{ status: 202, headers: { 'retry-after': '1' }, body: '{"status":"success"}' }]);
    const out = await postJson({ url: `${receiver.url}/hook`, body: '{"a":1}\n', http: { timeoutMs: 5000, bearerToken: new Secret('t0ken-value') }, signal: AbortSignal.timeout(10_000), version: '9.9.9' });
    expect(out).toEqual({ answered: true, answer: { status: 202, headers: expect.objectContaining({ 'retry-after': '1' }), body: '{"status":"success"}' } });
    const [req] = receiver.received;
    expect(req).toMatchObject({ method: 'POST', path: '/hook', body: '{"a":1}\n' });
    expect(req?.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': 'Runwarden/9.9.9', authorization: 'Bearer t0ken-value' });
  });

  it('reads at most 64 KiB of a large answer', async () => {
    receiver = await startReceiver([{ status: 502, body: 'x'.repeat(2 * 1024 * 1024) }]);
    const out = await postJson({ url: receiver.url, body: '{}', http: { timeoutMs: 5000 }, signal: AbortSignal.timeout(10_000), version: '1' });
    expect(out.answered && out.answer.status).toBe(502);
    expect(out.answered && out.answer.body.length).toBe(64 * 1024);
  });

  it('gives up on a receiver that never answers: retryable timeout', async () => {
    receiver = await startReceiver(['hang']);
    const out = await postJson({ url: `${receiver.url}/secret-path-123`, body: '{}', http: { timeoutMs: 200 }, signal: AbortSignal.timeout(10_000), version: '1' });
    expect(out).toEqual({ answered: false, result: { kind: 'retryable', reason: 'timeout', message: 'no answer within 200 ms' } });
  });

  it('connection refused is a retryable network error naming no URL', async () => {
    const port = await freePort();
    const out = await postJson({ url: `http://127.0.0.1:${port}/secret-path-123`, body: '{}', http: { timeoutMs: 2000 }, signal: AbortSignal.timeout(10_000), version: '1' });
    expect(out).toEqual({ answered: false, result: { kind: 'retryable', reason: 'network', message: 'connection refused (ECONNREFUSED)' } });
  });

  it('an abort by the caller (shutdown) is retryable, not a timeout', async () => {
    receiver = await startReceiver(['hang']);
    const controller = new AbortController();
    const pending = postJson({ url: receiver.url, body: '{}', http: { timeoutMs: 60_000 }, signal: controller.signal, version: '1' });
    while (receiver.received.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect(await pending).toEqual({ answered: false, result: { kind: 'retryable', reason: 'other', message: 'request aborted (shutting down)' } });
  });

  it('an unusable URL is a final failure that does not quote it', async () => {
    const out = await postJson({ url: 'not a url/with-secret', body: '{}', http: { timeoutMs: 1000 }, signal: AbortSignal.timeout(10_000), version: '1' });
    expect(out).toEqual({ answered: false, result: { kind: 'failure', reason: 'other', message: 'the URL is not a valid http(s) URL' } });
  });
});
