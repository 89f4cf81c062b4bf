/**
 * A real OTLP/HTTP receiver for tests: what an OpenTelemetry Collector's `otlphttp` receiver does
 * on the wire, on 127.0.0.1 port 0. It accepts POST /v1/traces and /v1/metrics as
 * application/x-protobuf or application/json, optionally gzip- or deflate-compressed, decodes the
 * real bytes, and answers 200 with an empty Export*ServiceResponse in the request's encoding. An
 * outage is simulated with `setFailure(status)`: requests are then answered with that status and a
 * google.rpc.Status body, and nothing is recorded as received.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { decodeMetricsRequest, decodeTraceRequest, encodeRpcStatus } from './otlp-decode.ts';
import type { DecodedMetric, DecodedSpan } from './otlp-decode.ts';
import { decodeMetricsJson, decodeTraceJson } from './otlp-json.ts';

export type {
  DecodedDataPoint, DecodedExponentialHistogram, DecodedHistogram, DecodedMetric, DecodedSpan, DecodedSummary, MetricType,
} from './otlp-decode.ts';

/** ReceivedRequest records one HTTP request the receiver answered, whatever its outcome. */
export interface ReceivedRequest {
  method: string;
  path: string;
  /** The media type without parameters, e.g. `application/x-protobuf`; '' when absent. */
  contentType: string;
  /** The Content-Encoding header, '' when absent. */
  contentEncoding: string;
  status: number;
}

/** OtlpReceiver is a running receiver. Close it after each test. */
export interface OtlpReceiver {
  /** Base URL, `http://127.0.0.1:PORT`; exporters want `${url}/v1/traces` or `${url}/v1/metrics`. */
  url: string;
  /** Every span accepted so far, in arrival order. */
  spans: DecodedSpan[];
  /** Every metric accepted so far (one entry per metric per export), in arrival order. */
  metrics: DecodedMetric[];
  /** Every request answered, accepted or not. */
  requests: ReceivedRequest[];
  /**
   * waitForSpans resolves once `spans.length >= count`, or once at least one span matches
   * `predicate`, with the matching spans (all spans for a count). Rejects after `timeoutMs`.
   */
  waitForSpans(what: number | ((span: DecodedSpan) => boolean), timeoutMs?: number): Promise<DecodedSpan[]>;
  /** waitForMetrics is waitForSpans for metrics. */
  waitForMetrics(what: number | ((metric: DecodedMetric) => boolean), timeoutMs?: number): Promise<DecodedMetric[]>;
  /** setFailure answers every export with `status` (e.g. 503) until called with null. */
  setFailure(status: number | null): void;
  /** close stops the server, drops kept-alive connections and rejects pending waits. */
  close(): Promise<void>;
}

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/** HTTP status → google.rpc.Code, as the Collector maps them (see its errors package). */
const RPC_CODES: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 413: 8, 429: 8, 500: 13, 501: 12, 502: 14, 503: 14, 504: 4 };

interface Waiter {
  /** settle tries to resolve; true when done. */
  settle(): boolean;
  fail(err: Error): void;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function decompress(body: Buffer, encoding: string): Buffer {
  try {
    if (encoding === '' || encoding === 'identity') return body;
    if (encoding === 'gzip') return gunzipSync(body);
    if (encoding === 'deflate') return inflateSync(body);
  } catch (err) {
    throw new HttpError(400, `bad ${encoding} body: ${(err as Error).message}`);
  }
  throw new HttpError(400, `unsupported Content-Encoding: ${encoding}`);
}

function decode(path: string, contentType: string, body: Buffer): { spans?: DecodedSpan[]; metrics?: DecodedMetric[] } {
  try {
    if (contentType === PROTOBUF) {
      return path === '/v1/traces' ? { spans: decodeTraceRequest(body) } : { metrics: decodeMetricsRequest(body) };
    }
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return path === '/v1/traces' ? { spans: decodeTraceJson(parsed) } : { metrics: decodeMetricsJson(parsed) };
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
}

function waitFor<T>(
  items: T[], waiters: Set<Waiter>, what: number | ((item: T) => boolean), timeoutMs: number,
  describe: () => string,
): Promise<T[]> {
  const pick = (): T[] | undefined => {
    if (typeof what === 'number') return items.length >= what ? items.slice() : undefined;
    const matched = items.filter(what);
    return matched.length > 0 ? matched : undefined;
  };
  const now = pick();
  if (now) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const waiter: Waiter = {
      settle: () => {
        const got = pick();
        if (!got) return false;
        clearTimeout(timer);
        resolve(got);
        return true;
      },
      fail: (err) => {
        clearTimeout(timer);
        reject(err);
      },
    };
    const timer = setTimeout(() => {
      waiters.delete(waiter);
      const wanted = typeof what === 'number' ? `${what} items` : 'a match for the predicate';
      reject(new Error(`otlp receiver: timed out after ${timeoutMs} ms waiting for ${wanted}; ${describe()}`));
    }, timeoutMs);
    waiters.add(waiter);
  });
}

/** startOtlpReceiver starts a receiver on 127.0.0.1, port 0. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: DecodedSpan[] = [];
  const metrics: DecodedMetric[] = [];
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<Waiter>();
  let failure: number | null = null;

  const answer = (res: ServerResponse, status: number, contentType: string, body: Uint8Array): void => {
    res.writeHead(status, { 'content-type': contentType, 'content-length': body.length });
    res.end(body);
  };
  const answerError = (res: ServerResponse, status: number, contentType: string, message: string): void => {
    const code = RPC_CODES[status] ?? 2;
    if (contentType === PROTOBUF) answer(res, status, PROTOBUF, encodeRpcStatus(code, message));
    else answer(res, status, JSON_TYPE, Buffer.from(JSON.stringify({ code, message })));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const contentEncoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
    const record = (status: number): void => {
      requests.push({ method: req.method ?? '', path, contentType, contentEncoding, status });
    };
    const raw = await readBody(req);
    try {
      if (path !== '/v1/traces' && path !== '/v1/metrics') throw new HttpError(404, `unknown path ${path}`);
      if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} not allowed`);
      if (contentType !== PROTOBUF && contentType !== JSON_TYPE) {
        throw new HttpError(415, `unsupported content type ${contentType || '(none)'}`);
      }
      if (failure !== null) throw new HttpError(failure, 'simulated outage');
      const decoded = decode(path, contentType, decompress(raw, contentEncoding));
      spans.push(...(decoded.spans ?? []));
      metrics.push(...(decoded.metrics ?? []));
      record(200);
      answer(res, 200, contentType, contentType === PROTOBUF ? new Uint8Array(0) : Buffer.from('{}'));
      for (const w of waiters) if (w.settle()) waiters.delete(w);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      record(status);
      answerError(res, status, contentType === PROTOBUF ? PROTOBUF : JSON_TYPE, (err as Error).message);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) answerError(res, 500, JSON_TYPE, String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const names = <T extends { name: string }>(items: T[]): string => `got ${items.length}: [${items.map((i) => i.name).join(', ')}]`;

  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    metrics,
    requests,
    waitForSpans: (what, timeoutMs = 5000) => waitFor(spans, waiters, what, timeoutMs, () => names(spans)),
    waitForMetrics: (what, timeoutMs = 5000) => waitFor(metrics, waiters, what, timeoutMs, () => names(metrics)),
    setFailure: (status) => {
      failure = status;
    },
    close: async () => {
      for (const w of waiters) w.fail(new Error('otlp receiver: closed while waiting'));
      waiters.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
