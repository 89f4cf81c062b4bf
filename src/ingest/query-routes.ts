import type { FastifyInstance } from 'fastify';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import { parseDuration } from '../config/duration.ts';
import { RESULTS } from '../domain/types.ts';
import type { Run } from '../domain/types.ts';
import { runSummaryView, runView } from '../domain/view.ts';
import { decodeCursor } from '../store/run-history.ts';
import type { RunHistory, RunRow } from '../store/run-history.ts';
import { parseTime } from './normalize.ts';
import { runParams } from './schemas.ts';

/**
 * The query API: one run, pages of runs, the workflows, a workflow's summary. Active runs are
 * answered from memory (their progress and running phases move between commits); finished runs
 * from the run index, so they outlive the in-memory cache and restarts. Query values arrive as
 * strings (the validator does not coerce), so numbers and times are parsed here.
 */

/** LiveRuns is the in-memory side of the query API (a RunRegistry). */
export interface LiveRuns {
  get(runId: string): Run | undefined;
  activeRuns(): Iterable<Run>;
}

/** QueryDeps wire the query routes. */
export interface QueryDeps {
  history: RunHistory;
  live: LiveRuns;
  clock: () => number;
}

/** DEFAULT_WINDOW is the summary window when the query names none. */
export const DEFAULT_WINDOW = '24h';

// A longer window would put its start before year 0, where Date cannot write it.
const MAX_WINDOW_MS = 100 * 365 * 24 * 3600_000;

const name = { type: 'string', minLength: 1, maxLength: 256 } as const;
const time = { type: 'string', minLength: 1, maxLength: 64 } as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    workflow: name,
    state: { type: 'string', enum: ['active', 'finished'] },
    result: { type: 'string', enum: RESULTS },
    since: time,
    until: time,
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
    cursor: { type: 'string', minLength: 1, maxLength: 2048 },
  },
} as const;

const summaryParams = { type: 'object', required: ['workflow'], properties: { workflow: name } } as const;
const summaryQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { window: { type: 'string', minLength: 1, maxLength: 32 } },
} as const;

interface ListQuery {
  workflow?: string;
  state?: 'active' | 'finished';
  result?: string;
  since?: string;
  until?: string;
  limit?: string;
  cursor?: string;
}

// Paths as the app's error handler writes schema problems of a query string.
const queryPath = (field: string) => `querystring:/${field}`;

/** queryTime parses an RFC 3339 time or epoch milliseconds given as a query string value. */
function queryTime(value: string | undefined, field: string, problems: FieldProblem[]): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseTime(/^[0-9]+$/.test(value) ? Number(value) : value, queryPath(field), 0);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    problems.push(...err.details);
    return undefined;
  }
}

/** parseWindow reads a summary window (a Prometheus duration) or throws ValidationError naming `window`. */
export function parseWindow(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0 || ms > MAX_WINDOW_MS) {
    throw new ValidationError([{ path: queryPath('window'), message: 'must be a positive duration of at most 100y, like 30m, 24h, 7d or 1h30m' }]);
  }
  return ms;
}

/**
 * listEntry is a row of `GET /v1/runs`: an active run as memory has it now; a finished one as its
 * stored view has it. A row memory and the index disagree on (between a finish and its commit)
 * is answered as memory has it.
 */
function listEntry(row: RunRow, live: LiveRuns, nowMs: number): object {
  const run = live.get(row.runId);
  if (run && (row.state === 'active' || row.brief === null)) return runSummaryView(run, nowMs);
  if (row.brief !== null) return row.brief;
  // Only a row whose run is neither in memory nor has a stored view: keep what the index knows.
  return {
    runId: row.runId,
    workflow: row.workflow,
    state: row.state,
    result: row.result,
    traceId: null,
    spanId: null,
    traceparent: null,
    startTime: new Date(row.startMs).toISOString(),
    endTime: row.endMs === null ? null : new Date(row.endMs).toISOString(),
    durationSeconds: Math.max(0, (row.endMs ?? nowMs) - row.startMs) / 1000,
    progress: null,
    lastHeartbeatTime: null,
    currentPhases: [],
  };
}

/** registerQueryRoutes adds the query API's GET routes to `app`. */
export function registerQueryRoutes(app: FastifyInstance, deps: QueryDeps): void {
  const { history, live, clock } = deps;

  app.get<{ Params: { runId: string } }>('/v1/runs/:runId', { schema: { params: runParams } }, async (request) => {
    const { runId } = request.params;
    const run = live.get(runId);
    if (run) return runView(run, clock());
    const stored = history.view(runId);
    if (stored === undefined) throw new NotFoundError(`run ${JSON.stringify(runId)} is not known`);
    return stored;
  });

  app.get<{ Querystring: ListQuery }>('/v1/runs', { schema: { querystring: listQuery } }, async (request) => {
    const q = request.query;
    const problems: FieldProblem[] = [];
    const sinceMs = queryTime(q.since, 'since', problems);
    const untilMs = queryTime(q.until, 'until', problems);
    if (q.cursor !== undefined && decodeCursor(q.cursor) === undefined) {
      problems.push({ path: queryPath('cursor'), message: 'is not a cursor this server gave out' });
    }
    if (problems.length > 0) throw new ValidationError(problems);
    const page = history.list({
      workflow: q.workflow,
      state: q.state,
      result: q.result,
      sinceMs,
      untilMs,
      limit: q.limit === undefined ? undefined : Number(q.limit),
      cursor: q.cursor,
    });
    const now = clock();
    return { runs: page.rows.map((row) => listEntry(row, live, now)), nextCursor: page.nextCursor };
  });

  app.get('/v1/workflows', async () => {
    const workflows = history.workflows();
    // The newest run's state as memory has it: `executing` says more than the index's `active`.
    for (const w of workflows) {
      const run = w.lastRun.state === 'active' ? live.get(w.lastRun.runId) : undefined;
      if (run) w.lastRun.state = run.state;
    }
    return { workflows };
  });

  app.get<{ Params: { workflow: string }; Querystring: { window?: string } }>(
    '/v1/workflows/:workflow/summary',
    { schema: { params: summaryParams, querystring: summaryQuery } },
    async (request) => history.summary(request.params.workflow, parseWindow(request.query.window ?? DEFAULT_WINDOW), clock()),
  );
}
