/**
 * The one way notifiers talk HTTP: `postJson` (undici, per-request timeout, caller's AbortSignal,
 * bearer auth, `User-Agent: Runwarden/<version>`) and the one classification of what came back
 * (`classifyResponse`, `classifyError`), as Alertmanager's `Retrier.Check` plus the network
 * cases: 2xx success; 429 and 5xx retryable honouring `Retry-After`; other 4xx final; connection
 * errors and timeouts retryable. Messages never contain the URL (webhook URLs are secrets) nor
 * any other secret the caller names.
 */
import { request, type Dispatcher } from 'undici';
import type { HttpSettings, NotifyResult } from '../pipeline/types.ts';

/** MAX_BODY_BYTES bounds how much of an answer is read: enough for any documented error body. */
const MAX_BODY_BYTES = 64 * 1024;
/** Bodies quoted in messages are cut to this many characters. */
const MAX_QUOTED_CHARS = 200;

/** PostRequest is one POST of a JSON body. */
export interface PostRequest {
  /** The URL, revealed from its Secret; used for the request only, never in a message. */
  url: string;
  /** The exact bytes to send (notifiers build them to match the receiver's documented shape). */
  body: string;
  http: HttpSettings;
  signal: AbortSignal;
  /** Runwarden's version for `User-Agent`. */
  version: string;
  /** Values to blank out of any message (routing keys, tokens) besides the URL. */
  secrets?: readonly string[];
  /** For tests: a dispatcher other than undici's global one. */
  dispatcher?: Dispatcher;
}

/** HttpAnswer is what the receiver said: status, headers (lower-case names) and the body text. */
export interface HttpAnswer {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
}

/** PostOutcome is an answer, or a NotifyResult when no answer came (network error, timeout, abort). */
export type PostOutcome = { answered: true; answer: HttpAnswer } | { answered: false; result: NotifyResult };

/**
 * postJson POSTs `body` as `application/json`. It never throws for anything the network or the
 * receiver does: no answer becomes a retryable (or, for an unusable URL, failed) NotifyResult.
 */
export async function postJson(req: PostRequest): Promise<PostOutcome> {
  const timeout = AbortSignal.timeout(req.http.timeoutMs);
  const signal = AbortSignal.any([req.signal, timeout]);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': `Runwarden/${req.version}`,
  };
  const token = req.http.bearerToken?.reveal();
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  try {
    const res = await request(req.url, { method: 'POST', body: req.body, headers, signal, dispatcher: req.dispatcher });
    let body = '';
    try {
      body = await readBounded(res.body, MAX_BODY_BYTES);
    } catch (err) {
      // The status is what counts; a body cut short (timeout while reading) is only a detail.
      if (timeout.aborted || req.signal.aborted) return { answered: false, result: classifyError(err, { timedOut: timeout.aborted, timeoutMs: req.http.timeoutMs }) };
    }
    return { answered: true, answer: { status: res.statusCode, headers: res.headers, body } };
  } catch (err) {
    return { answered: false, result: classifyError(err, { timedOut: timeout.aborted && !req.signal.aborted, timeoutMs: req.http.timeoutMs }) };
  }
}

/** readBounded reads at most `max` bytes of a body as UTF-8 and drops the rest (a proxy's error page can be large). */
async function readBounded(body: AsyncIterable<Uint8Array> & { destroy(): unknown }, max: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= max) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the receiver',
  UND_ERR_CLOSED: 'connection closed',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
};

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * classifyError turns a failed request (no answer) into a NotifyResult: timeouts and network
 * errors are retryable; an unusable URL is a final failure. Only error codes reach the message,
 * never an error's own text (which may quote the URL).
 */
export function classifyError(err: unknown, info: { timedOut: boolean; timeoutMs: number }): NotifyResult {
  const code = errorCode(err);
  if (info.timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return { kind: 'retryable', reason: 'timeout', message: `no answer within ${info.timeoutMs} ms` };
  }
  const name = err instanceof Error ? err.name : '';
  if (name === 'AbortError' || code === 'ABORT_ERR' || code === 'UND_ERR_ABORTED') {
    return { kind: 'retryable', reason: 'other', message: 'request aborted (shutting down)' };
  }
  if (code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG' || err instanceof TypeError) {
    return { kind: 'failure', reason: 'other', message: 'the URL is not a valid http(s) URL' };
  }
  const what = code !== undefined ? (NETWORK_CODES[code] ?? 'network error') : 'network error';
  return { kind: 'retryable', reason: 'network', message: code !== undefined ? `${what} (${code})` : what };
}

/**
 * parseRetryAfter reads `Retry-After` as delay-seconds or an HTTP-date (RFC 9110), in ms from
 * `nowMs`; undefined when absent or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (v === undefined || v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // IMF-fixdate, RFC 850 or asctime; all are GMT, and asctime says so only by definition.
  if (!/^[A-Za-z]{3,9},? /.test(v)) return undefined;
  const at = Date.parse(/(GMT|UTC|Z)$/i.test(v) ? v : `${v} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * urlSecrets lists the parts of a secret URL that must not appear in a message: the URL, its
 * path and query, and every long path segment or query value (Slack's token is the last segment).
 */
export function urlSecrets(url: string): string[] {
  const out = [url];
  try {
    const u = new URL(url);
    out.push(`${u.pathname}${u.search}`);
    if (u.username !== '' || u.password !== '') out.push(u.username, u.password);
    for (const part of u.pathname.split('/')) if (part.length >= 8) out.push(part);
    for (const value of u.searchParams.values()) if (value.length >= 8) out.push(value);
  } catch {
    // Not a URL: the whole string is all there is to hide.
  }
  // Longest first, so a part never leaves pieces of a longer secret behind.
  return out.filter((s) => s.length >= 4 && s !== '/').sort((a, b) => b.length - a.length);
}

/** redact blanks each secret out of a text. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s.length >= 4) out = out.split(s).join('<secret>');
  return out;
}

/** quoteBody is a body on one line, cut short, secrets blanked, for a message. */
export function quoteBody(body: string, secrets: readonly string[] = []): string {
  const line = redact(body, secrets).replace(/\s+/g, ' ').trim();
  return line.length > MAX_QUOTED_CHARS ? `${line.slice(0, MAX_QUOTED_CHARS)}…` : line;
}

/**
 * classifyResponse is the status classification: 2xx success; 429 retryable (`rateLimited`); 5xx
 * retryable (`serverError`); any other status a final failure (`clientError` for 4xx). 429 and
 * 5xx carry the `Retry-After` delay when given. `what` names the receiver in the message
 * ("Slack"), and the body (cut short, secrets blanked) explains the status.
 */
export function classifyResponse(answer: HttpAnswer, nowMs: number, what: string, secrets: readonly string[] = []): NotifyResult {
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'success' };
  const body = quoteBody(answer.body, secrets);
  const message = `${what} answered ${status}${body === '' ? '' : `: ${body}`}`;
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(answer.headers['retry-after'], nowMs);
    const reason = status === 429 ? 'rateLimited' : 'serverError';
    return retryAfterMs === undefined ? { kind: 'retryable', reason, message, status } : { kind: 'retryable', reason, message, status, retryAfterMs };
  }
  return { kind: 'failure', reason: status >= 400 ? 'clientError' : 'other', message, status };
}

/** Delivery is a classified attempt, with the receiver's answer when one came (for integration-specific checks). */
export interface Delivery {
  result: NotifyResult;
  answer?: HttpAnswer;
}

/**
 * deliver POSTs `body` to `url` with the integration's HTTP settings and classifies the answer as
 * `what` (`'Slack'`, `'the webhook'`). Everything secret in the URL, the bearer token and `secrets`
 * is blanked out of any message.
 */
export async function deliver(o: {
  url: string;
  body: string;
  http: HttpSettings;
  signal: AbortSignal;
  ctx: { version: string; now: () => number; dispatcher: Dispatcher | undefined };
  what: string;
  secrets?: readonly string[];
}): Promise<Delivery> {
  const secrets = [...urlSecrets(o.url), ...(o.secrets ?? []), ...(o.http.bearerToken ? [o.http.bearerToken.reveal()] : [])];
  const out = await postJson({ url: o.url, body: o.body, http: o.http, signal: o.signal, version: o.ctx.version, secrets, dispatcher: o.ctx.dispatcher });
  if (!out.answered) return { result: out.result };
  return { result: classifyResponse(out.answer, o.ctx.now(), o.what, secrets), answer: out.answer };
}
