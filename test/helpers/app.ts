/**
 * An in-process Runwarden ingest API for HTTP tests: wired like `src/main.ts` (registry →
 * telemetry → recorder → ingest service → fastify app) but not listening — drive it with
 * `app.inject` — with a fake clock, a silent logger and spans captured by an InMemorySpanExporter.
 * Close it after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/database.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { RunHistory } from '../../src/store/run-history.ts';
import { DurationGaugeProducer } from '../../src/health/duration-gauges.ts';
import { LearnedBudgets } from '../../src/health/learned-budget.ts';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { RunRegistry } from '../../src/domain/registry.ts';
import { buildApp } from '../../src/ingest/server.ts';
import { IngestService } from '../../src/ingest/service.ts';
import { readOtelEnv } from '../../src/telemetry/otel-env.ts';
import { Recorder } from '../../src/telemetry/recorder.ts';
import { createTelemetry } from '../../src/telemetry/sdk.ts';
import type { Telemetry } from '../../src/telemetry/sdk.ts';
import { parseExposition, value } from './exposition.ts';

/** T0 is where a test app's clock starts unless told otherwise: 2026-01-02T03:04:05.000Z. */
export const T0 = Date.parse('2026-01-02T03:04:05.000Z');

/** FakeClock is a clock that moves only when a test moves it. */
export interface FakeClock {
  /** now is the current time in epoch ms; pass it (unbound) wherever a `() => number` clock goes. */
  now: () => number;
  set(ms: number): void;
  advance(ms: number): void;
}

/** createFakeClock starts a FakeClock at `startMs`. */
export function createFakeClock(startMs = T0): FakeClock {
  let t = startMs;
  return {
    now: () => t,
    set(ms) {
      t = ms;
    },
    advance(ms) {
      t += ms;
    },
  };
}

/** TestAppOptions configure createTestApp. */
export interface TestAppOptions {
  /** Bearer token the API requires; absent leaves it open. */
  token?: string;
  /** Start of the fake clock, epoch ms (default T0). */
  now?: number;
}

/** TestApp is a wired, non-listening ingest API and the fakes around it. */
export interface TestApp {
  app: FastifyInstance;
  registry: RunRegistry;
  telemetry: Telemetry;
  spans: InMemorySpanExporter;
  clock: FakeClock;
  /** store is the event store behind the app, in a temporary directory removed on close. */
  store: EventStore;
  /** post injects a POST; a string body is sent as is, anything else as JSON. */
  post(url: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  /** get injects a GET. */
  get(url: string, headers?: Record<string, string>): Promise<Answer>;
  /** metrics scrapes the Prometheus endpoint and resolves to its exposition text. */
  metrics(): Promise<string>;
  /** flushSpans pushes every ended span through the batch processor and returns all exported so far. */
  flushSpans(): Promise<ReadableSpan[]>;
  close(): Promise<void>;
}

/** Answer is an injected call's status, headers and body (parsed when it is JSON). */
export interface Answer {
  status: number;
  headers: Record<string, unknown>;
  /** The parsed JSON body (the raw text when it is not JSON): tests read it loosely, assertions type it. */
  body: any;
  text: string;
}

/** createTestApp wires the ingest API the way `startSidecar` does, minus the listeners. */
export function createTestApp(options: TestAppOptions = {}): TestApp {
  const logger = pino({ level: 'silent' });
  const clock = createFakeClock(options.now);
  // An empty environment: no OTEL_TRACES_EXPORTER, so the in-memory exporter is the only one.
  const env: NodeJS.ProcessEnv = {};
  const registry = new RunRegistry();
  const spans = new InMemorySpanExporter();
  const telemetry = createTelemetry({ otel: readOtelEnv(env), env, logger, clock: clock.now, gauges: registry, spanExporter: spans });
  const recorder = new Recorder(telemetry, logger);
  // A real store in a temporary directory: ingest answers only what it made durable.
  const dataDir = mkdtempSync(join(tmpdir(), 'runwarden-app-'));
  const db = openDatabase(dataDir);
  const store = new EventStore(db);
  const learned = new LearnedBudgets(db);
  const history = new RunHistory(db);
  telemetry.addPrometheusProducer(new DurationGaugeProducer({ history, clock: clock.now, resource: telemetry.resource }));
  const service = new IngestService({
    registry,
    recorder,
    instruments: telemetry.instruments,
    clock: clock.now,
    newRunId: randomUUID,
    store,
    learnBudget: (workflow, phase) => learned.budget(workflow, phase),
  });
  let closed = false;
  const app = buildApp({
    service,
    registry,
    instruments: telemetry.instruments,
    logger,
    clock: clock.now,
    token: options.token,
    history,
    ready: () => !closed && telemetry.ready(),
  });

  const call = async (method: 'GET' | 'POST', url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const res = await app.inject({
      method,
      url,
      headers: body === undefined || typeof body === 'string' ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    let parsed: unknown = res.body;
    if (String(res.headers['content-type'] ?? '').startsWith('application/json')) parsed = JSON.parse(res.body);
    return { status: res.statusCode, headers: res.headers, body: parsed, text: res.body };
  };

  return {
    app,
    registry,
    store,
    telemetry,
    spans,
    clock,
    post: (url, body, headers) => call('POST', url, body, headers),
    get: (url, headers) => call('GET', url, undefined, headers),
    metrics: () => scrape(telemetry),
    async flushSpans() {
      await telemetry.forceFlush();
      return spans.getFinishedSpans();
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      // Not telemetry.shutdown() first: shutting the InMemorySpanExporter down forgets its spans,
      // and a test may still read them after close.
      await telemetry.shutdown();
      store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** scrape answers a fake Prometheus scrape through Telemetry.handleMetrics. */
function scrape(telemetry: Telemetry): Promise<string> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const res = {
      set statusCode(code: number) {
        status = code;
      },
      get statusCode() {
        return status;
      },
      setHeader() {
        return res;
      },
      end(body?: string) {
        if (status !== 200) reject(new Error(`metrics scrape answered ${status}: ${body}`));
        else resolve(body ?? '');
        return res;
      },
    };
    const req = { method: 'GET', url: '/metrics', headers: {} };
    telemetry.handleMetrics(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
}

/** parseSamples parses every sample line of Prometheus exposition text with the sidecar's own reader. */
export const parseSamples = parseExposition;

/**
 * sampleValue is the value of the one sample named `name` whose labels include `labels`, or
 * undefined when there is none. Throws when several match: the test must say which it means.
 */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return value(parseExposition(text), name, labels);
}
