/**
 * A fake Runwarden sidecar for CLI tests: a port-0 `node:http` server on 127.0.0.1 implementing the
 * run/phase/heartbeat routes minimally, recording every request, and answering errors on demand.
 * Close it after each test.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';

/** RouteName names the routes the fake implements. */
export type RouteName = 'startRun' | 'finishRun' | 'startPhase' | 'finishPhase' | 'heartbeat' | 'getRun';

/** RecordedRequest is one request the fake received, in arrival order. */
export interface RecordedRequest {
  route: RouteName | 'unknown';
  method: string;
  /** The raw request path, still percent-encoded. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/** FakeRun is what the fake remembers of one run. */
export interface FakeRun {
  runId: string;
  workflow: string;
  traceId: string;
  spanId: string;
  traceparent: string;
  phases: Map<string, { traceparent: string }>;
}

/** FakeSidecar is a running fake; `url` has no trailing slash. */
export interface FakeSidecar {
  url: string;
  requests: RecordedRequest[];
  runs: Map<string, FakeRun>;
  /** routes lists the route of every request so far, for order assertions. */
  routes(): string[];
  /** fail makes every later call to `route` answer `status` with `body` (default `{error}`). */
  fail(route: RouteName, status: number, body?: unknown): void;
  /** addRun registers a run as if it had been started, for phase tests. */
  addRun(runId: string, workflow?: string): FakeRun;
  close(): Promise<void>;
}

const ROUTES: Array<{ route: RouteName; method: string; pattern: RegExp }> = [
  { route: 'startRun', method: 'POST', pattern: /^\/v1\/runs$/ },
  { route: 'finishRun', method: 'POST', pattern: /^\/v1\/runs\/([^/]+)\/finish$/ },
  { route: 'heartbeat', method: 'POST', pattern: /^\/v1\/runs\/([^/]+)\/heartbeat$/ },
  { route: 'startPhase', method: 'POST', pattern: /^\/v1\/runs\/([^/]+)\/phases\/([^/]+)\/start$/ },
  { route: 'finishPhase', method: 'POST', pattern: /^\/v1\/runs\/([^/]+)\/phases\/([^/]+)\/finish$/ },
  { route: 'getRun', method: 'GET', pattern: /^\/v1\/runs\/([^/]+)$/ },
];

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** startFakeSidecar listens on 127.0.0.1:0 and resolves once it accepts connections. */
export async function startFakeSidecar(): Promise<FakeSidecar> {
  const requests: RecordedRequest[] = [];
  const runs = new Map<string, FakeRun>();
  const failures = new Map<RouteName, { status: number; body: unknown }>();

  const addRun = (runId: string, workflow = 'fake'): FakeRun => {
    const traceId = hex(16);
    const spanId = hex(8);
    const run = { runId, workflow, traceId, spanId, traceparent: `00-${traceId}-${spanId}-01`, phases: new Map() };
    runs.set(runId, run);
    return run;
  };

  const handle = (req: IncomingMessage, raw: string, res: ServerResponse) => {
    const path = req.url ?? '/';
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const match = ROUTES.map((r) => ({ ...r, m: r.pattern.exec(path) })).find(
      (r) => r.m !== null && r.method === req.method,
    );
    requests.push({ route: match?.route ?? 'unknown', method: req.method ?? '', path, headers: req.headers, body });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    if (!match) return send(404, { error: 'not_found', details: { path } });
    const failure = failures.get(match.route);
    if (failure) return send(failure.status, failure.body);

    const runId = match.m![1] === undefined ? undefined : decodeURIComponent(match.m![1]);
    const phase = match.m![2] === undefined ? undefined : decodeURIComponent(match.m![2]);
    const b = (body ?? {}) as { workflow?: string; runId?: string };
    if (match.route === 'startRun') {
      const existing = b.runId === undefined ? undefined : runs.get(b.runId);
      const run = existing ?? addRun(b.runId ?? randomUUID(), b.workflow);
      const { traceId, spanId, traceparent } = run;
      return send(existing ? 200 : 201, { runId: run.runId, traceId, spanId, traceparent });
    }
    const run = runs.get(runId!);
    if (!run) return send(404, { error: 'run_not_found', details: { runId } });
    if (match.route === 'startPhase') {
      const traceparent = `00-${run.traceId}-${hex(8)}-01`;
      run.phases.set(phase!, { traceparent });
      return send(200, { traceparent });
    }
    if (match.route === 'getRun') return send(200, { runId: run.runId, workflow: run.workflow });
    return send(200, {});
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => handle(req, raw, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    runs,
    routes: () => requests.map((r) => r.route),
    fail: (route, status, body = { error: `injected ${status}` }) => failures.set(route, { status, body }),
    addRun,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** closedPortUrl returns the URL of a port that was just free: connecting to it is refused. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
