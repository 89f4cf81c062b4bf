import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController } from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import sjson from 'secure-json-parse';
import { isRunwardenError, UnauthorizedError, ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import type { RunRegistry } from '../domain/registry.ts';
import type { EventType, Run } from '../domain/types.ts';
import type { Instruments } from '../telemetry/instruments.ts';
import type { RunHistory } from '../store/run-history.ts';
import { registerQueryRoutes } from './query-routes.ts';
import { registerRuleRoutes } from '../rules/routes.ts';
import { ResourceProbe } from '../health/resources.ts';
import { registerHealthRoutes } from '../health/routes.ts';
import type { RuleApi } from '../rules/routes.ts';
import { registerNotificationRoutes } from '../pipeline/notifications-routes.ts';
import type { NotificationApi } from '../pipeline/notifications-routes.ts';
import { registerSilenceRoutes } from '../pipeline/silences-routes.ts';
import type { Silences } from '../pipeline/silences.ts';
import * as schemas from './schemas.ts';
import type { IngestService } from './service.ts';
import { ajv, toProblems } from './validator.ts';

/** BODY_LIMIT is the largest request body accepted; larger ones get 413. */
export const BODY_LIMIT = 1024 * 1024;

/** AppOptions wire the HTTP API. */
export interface AppOptions {
  service: IngestService;
  registry: RunRegistry;
  instruments: Instruments;
  logger: Logger;
  clock: () => number;
  /** Bearer token the API requires; undefined leaves it open (it listens on loopback by default). */
  token: string | undefined;
  /** dataDir is the store's directory, whose disk `/v1/health` checks; absent: not checked. */
  dataDir?: string;
  /** history answers queries about runs no longer in memory. */
  history: RunHistory;
  /** ready tells /readyz whether listeners and exporters are up. */
  ready: () => boolean;
  /** rules answers /v1/rules and /v1/alerts; absent, those routes do not exist. */
  rules?: RuleApi;
  /** delivery answers /v1/silences and /v1/notifications; absent (no `alerting:` section), those routes do not exist. */
  delivery?: { silences: Silences; notifications: NotificationApi };
}

type Params = { runId: string; phase?: string; step?: string };
type Body = Record<string, unknown>;

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** sendError answers `{error, details?}` with the error's status; unknown errors are a 500 that hides internals. */
function errorBody(err: FastifyError | Error, log: FastifyRequest['log']): { status: number; body: { error: string; details?: FieldProblem[] } } {
  const fe = err as FastifyError & { validation?: unknown[]; validationContext?: string };
  if (fe.validation) {
    const base = fe.validationContext === 'body' ? '' : `${fe.validationContext ?? ''}:`;
    const details = toProblems(fe.validation as never, base);
    return { status: 400, body: { error: `invalid request ${fe.validationContext ?? 'body'}`, details } };
  }
  if (isRunwardenError(err)) {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    const body: { error: string; details?: FieldProblem[] } = { error: err.message };
    if (err instanceof ValidationError) body.details = err.details;
    return { status, body };
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { error: `request body is larger than ${BODY_LIMIT} bytes (1 MiB)` } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { error: 'request body is empty; send a JSON object', details: [{ path: '', message: 'must be a JSON object' }] } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { error: 'send JSON (content-type: application/json)' } };
  }
  if (err instanceof SyntaxError) {
    const forbidden = /forbidden (prototype|constructor)/.test(err.message);
    return {
      status: 400,
      body: forbidden
        ? { error: 'request body has a forbidden key', details: [{ path: '', message: 'must not contain __proto__ or constructor.prototype keys' }] }
        : { error: 'request body is not valid JSON', details: [{ path: '', message: err.message }] },
    };
  }
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error: err.message } };
  }
  log.error({ err }, 'internal error answering a request');
  return { status: 500, body: { error: 'internal error' } };
}

/** buildApp builds the ingest and query API. It does not listen; main.ts does. */
export function buildApp(o: AppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: o.logger,
    // No per-request log lines: the ingest path is hot, and its metrics say more than a line per call.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 512 },
  });
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  // Every body here is JSON, whatever the content type says: curl -d sends
  // application/x-www-form-urlencoded and fetch sends text/plain for a string body unless told
  // otherwise, and answering 415 to the simplest client helps nobody. An empty body is `{}`, so a
  // start needs none and a finish without one is told which field it lacks. Keys that could
  // pollute prototypes (`__proto__`, `constructor.prototype`) are refused, not stripped.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    if (body.length === 0) return done(null, {});
    try {
      done(null, sjson.parse(body as string, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const { status, body } = errorBody(err, request.log);
    // Events refused by their route's schema never reach the service; count them like the rest.
    const eventType = (request.routeOptions.config as { eventType?: EventType }).eventType;
    if (eventType !== undefined && (err as { validation?: unknown }).validation) o.service.countRejected(eventType, 'invalid');
    if (status === 401) reply.header('www-authenticate', 'Bearer');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` }));

  if (o.token !== undefined) {
    const expected = digest(`Bearer ${o.token}`);
    app.addHook('onRequest', async (request) => {
      const route = request.routeOptions.url;
      if (route === '/healthz' || route === '/readyz') return;
      const given = request.headers.authorization;
      if (given === undefined || !timingSafeEqual(digest(given), expected)) throw new UnauthorizedError();
    });
  }

  const latencyAttrs = new Map<string, { route: string }>();
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    let attrs = latencyAttrs.get(route);
    if (!attrs) latencyAttrs.set(route, (attrs = { route }));
    o.instruments.ingestDuration.record(reply.elapsedTime / 1000, attrs);
  });

  // A POST with no body at all (no content type, so no parser ran) is `{}` too.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined) request.body = {};
  });

  const event = (type: EventType, params: object, body: object, answer: (r: ReturnType<IngestService['apply']>) => object) =>
    ({
      schema: { params, body },
      config: { eventType: type },
      handler: async (request: FastifyRequest<{ Params: Params; Body: Body }>) => {
        const t = o.service.apply(type, request.params, request.body);
        // Acknowledge only what is durable: the answer waits for the batch's commit.
        await o.service.durable();
        return answer(t);
      },
    }) as const;

  app.post<{ Body: Body }>('/v1/runs', { schema: { body: schemas.runStartBody }, config: { eventType: 'run.start' } }, async (request, reply) => {
    const t = o.service.apply('run.start', { runId: '' }, request.body);
    await o.service.durable();
    return reply.code(t.created ? 201 : 200).send({ runId: t.run.runId, traceId: t.run.traceId, spanId: t.run.spanId, traceparent: t.traceparent });
  });
  const traceparent = (t: { traceparent: string }) => ({ traceparent: t.traceparent });
  const state = (t: { run: Run }) => ({ runId: t.run.runId, state: t.run.state, result: t.run.result ?? null });
  app.post('/v1/runs/:runId/phases/:phase/start', event('phase.start', schemas.phaseParams, schemas.startBody, traceparent));
  app.post('/v1/runs/:runId/phases/:phase/finish', event('phase.finish', schemas.phaseParams, schemas.finishBody, traceparent));
  app.post('/v1/runs/:runId/phases/:phase/steps/:step/start', event('step.start', schemas.stepParams, schemas.startBody, traceparent));
  app.post('/v1/runs/:runId/phases/:phase/steps/:step/finish', event('step.finish', schemas.stepParams, schemas.finishBody, traceparent));
  app.post('/v1/runs/:runId/heartbeat', event('heartbeat', schemas.runParams, schemas.heartbeatBody, state));
  app.post('/v1/runs/:runId/retries', event('retry', schemas.runParams, schemas.retryBody, state));
  app.post('/v1/runs/:runId/finish', event('run.finish', schemas.runParams, schemas.finishBody, state));

  app.post<{ Body: { events: unknown[] } }>('/v1/events', { schema: { body: schemas.batchBody } }, async (request) => {
    const result = o.service.applyBatch(request.body.events);
    await o.service.durable();
    return result;
  });
  app.post<{ Body: Body }>('/v1/pool', { schema: { body: schemas.poolBody } }, async (request) => {
    const p = o.service.reportPool(request.body);
    await o.service.durable();
    return { capacity: p.capacity, busy: p.busy, queued: p.queued };
  });

  registerQueryRoutes(app as unknown as FastifyInstance, { history: o.history, live: o.registry, clock: o.clock });
  if (o.rules) registerRuleRoutes(app as unknown as FastifyInstance, o.rules);
  if (o.delivery) {
    registerSilenceRoutes(app as unknown as FastifyInstance, o.delivery.silences);
    registerNotificationRoutes(app as unknown as FastifyInstance, o.delivery.notifications);
  }
  const probe = new ResourceProbe({ dataDir: o.dataDir });
  registerHealthRoutes(app as unknown as FastifyInstance, { registry: o.registry, history: o.history, clock: o.clock, resources: (now) => probe.read(now) });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply: FastifyReply) =>
    o.ready() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' }),
  );
  return app as unknown as FastifyInstance;
}
