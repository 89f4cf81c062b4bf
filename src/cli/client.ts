/**
 * The sidecar's HTTP API client, used by `runwarden exec` and the other CLI commands. Timeouts are
 * short on purpose: the CLI wraps someone's job, and an absent sidecar must cost seconds, not the
 * five minutes of undici's defaults.
 */
import { Pool } from 'undici';
import { ConfigError, SidecarHttpError, SidecarUnreachableError } from '../errors.ts';

/** SidecarUnreachableError and SidecarHttpError are defined in the registry (src/errors.ts); re-exported for the client's callers. */
export { SidecarHttpError, SidecarUnreachableError };

/** DEFAULT_SIDECAR_URL is where the CLI looks for the sidecar when `RUNWARDEN_URL` is unset. */
export const DEFAULT_SIDECAR_URL = 'http://127.0.0.1:7171';

/** RunResult is how a run or phase ended, as the sidecar API spells it. */
export type RunResult = 'success' | 'failure' | 'error' | 'timeout' | 'cancellation' | 'skip';

/** ErrorInfo describes why a run or phase did not succeed. */
export interface ErrorInfo {
  type: string;
  message: string;
}

/** StartRunBody is the body of `POST /v1/runs`. */
export interface StartRunBody {
  workflow: string;
  runId?: string;
  attributes?: Record<string, string>;
}

/** StartRunResponse is the sidecar's answer to a run start (201 new, 200 already known). */
export interface StartRunResponse {
  runId: string;
  traceId: string;
  spanId: string;
  traceparent: string;
}

/** StartPhaseBody is the body of `POST /v1/runs/{runId}/phases/{phase}/start`. */
export interface StartPhaseBody {
  attributes?: Record<string, string>;
}

/** StartPhaseResponse carries the phase span's W3C traceparent. */
export interface StartPhaseResponse {
  traceparent: string;
}

/** FinishBody is the body of a run or phase finish. */
export interface FinishBody {
  result: RunResult;
  error?: ErrorInfo;
}

/** HeartbeatBody is the body of `POST /v1/runs/{runId}/heartbeat`. */
export interface HeartbeatBody {
  message?: string;
}

/** ClientOptions configures `createClient`; every field has an environment-derived default. */
export interface ClientOptions {
  /** Sidecar base URL; default `env.RUNWARDEN_URL`, else `DEFAULT_SIDECAR_URL`. */
  url?: string;
  /** Bearer token; default `env.RUNWARDEN_TOKEN`. Empty means none. */
  token?: string;
  /** Environment to read defaults from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** TCP connect timeout in ms; default 2000. */
  connectTimeoutMs?: number;
  /** Whole-request timeout in ms (headers and body); default 10000. */
  requestTimeoutMs?: number;
}

/** SidecarClient is a typed view of the sidecar's API; every method resolves to the parsed JSON. */
export interface SidecarClient {
  /** url is the base URL this client talks to (for messages). */
  readonly url: string;
  startRun(body: StartRunBody): Promise<StartRunResponse>;
  finishRun(runId: string, body: FinishBody): Promise<unknown>;
  startPhase(runId: string, phase: string, body?: StartPhaseBody): Promise<StartPhaseResponse>;
  finishPhase(runId: string, phase: string, body: FinishBody): Promise<unknown>;
  heartbeat(runId: string, body?: HeartbeatBody): Promise<unknown>;
  getRun(runId: string): Promise<unknown>;
  /** request sends any call; `path` is appended to the base URL's path and must start with `/`. */
  request(method: string, path: string, body?: unknown): Promise<unknown>;
  /** close releases the client's sockets; pending requests finish first. */
  close(): Promise<void>;
}

/**
 * createClient builds a `SidecarClient`. One undici `Pool` per client keeps the connection alive
 * across a run's start, heartbeats and finish; call `close()` (or exit) when done.
 */
export function createClient(options: ClientOptions = {}): SidecarClient {
  const env = options.env ?? process.env;
  const url = options.url ?? (env.RUNWARDEN_URL || DEFAULT_SIDECAR_URL);
  const token = options.token ?? env.RUNWARDEN_TOKEN;
  const connectTimeout = options.connectTimeoutMs ?? 2_000;
  const requestTimeout = options.requestTimeoutMs ?? 10_000;

  let base: URL;
  try {
    base = new URL(url);
  } catch (err) {
    throw new ConfigError(`sidecar URL is not a URL: ${JSON.stringify(url)}`, undefined, { cause: err });
  }
  // A base path lets the sidecar sit behind a reverse proxy under a prefix.
  const prefix = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connectTimeout,
    headersTimeout: requestTimeout,
    bodyTimeout: requestTimeout,
  });

  async function request(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await pool.request({
        method,
        path: prefix + path,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // headersTimeout alone restarts per phase; this bounds the whole call.
        signal: AbortSignal.timeout(requestTimeout + connectTimeout),
      });
    } catch (err) {
      throw new SidecarUnreachableError(url, describeTransportError(err), { cause: err });
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw new SidecarUnreachableError(url, describeTransportError(err), { cause: err });
    }
    const parsed = parseJson(text);
    if (res.statusCode < 200 || res.statusCode > 299) {
      const obj = (parsed ?? {}) as { error?: unknown; message?: unknown; details?: unknown };
      const error =
        typeof obj.error === 'string'
          ? obj.error
          : typeof obj.message === 'string'
            ? obj.message
            : text.trim().slice(0, 200) || `status ${res.statusCode}`;
      throw new SidecarHttpError(url, res.statusCode, error, obj.details);
    }
    return parsed;
  }

  const run = (runId: string) => `/v1/runs/${encodeURIComponent(runId)}`;
  const phase = (runId: string, name: string) => `${run(runId)}/phases/${encodeURIComponent(name)}`;

  return {
    url,
    request,
    startRun: (body) => request('POST', '/v1/runs', body) as Promise<StartRunResponse>,
    finishRun: (runId, body) => request('POST', `${run(runId)}/finish`, body),
    startPhase: (runId, name, body = {}) =>
      request('POST', `${phase(runId, name)}/start`, body) as Promise<StartPhaseResponse>,
    finishPhase: (runId, name, body) => request('POST', `${phase(runId, name)}/finish`, body),
    heartbeat: (runId, body = {}) => request('POST', `${run(runId)}/heartbeat`, body),
    getRun: (runId) => request('GET', run(runId)),
    close: () => pool.close(),
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_SOCKET: 'connection closed',
};

/**
 * describeTransportError reduces undici and socket errors to a short phrase for a one-line warning;
 * Node's happy-eyeballs connect wraps the real cause in an AggregateError, so look inside it.
 */
export function describeTransportError(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; errors?: unknown[] };
  if (typeof e?.code === 'string' && REASONS[e.code]) return REASONS[e.code]!;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout';
  if (Array.isArray(e?.errors) && e.errors.length > 0) return describeTransportError(e.errors[0]);
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.message === 'string' ? e.message : String(err);
}
