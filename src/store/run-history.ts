import { formatDuration } from '../config/duration.ts';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ValidationError } from '../errors.ts';
import { RESULTS } from '../domain/types.ts';
import type { Result } from '../domain/types.ts';
import type { runSummaryView } from '../domain/view.ts';

/**
 * RunHistory answers the query API from the `runs` table: pages of runs, one finished run's
 * stored view, the workflows seen, and a workflow's summary over a time window. Read only; the
 * event store writes the table. Statements are prepared once; SQL does the filtering and reads
 * only the columns a query needs, so memory stays bounded by the page or by the window's runs.
 */

/** RunSummaryView is the list shape of a run (`runSummaryView`). */
export type RunSummaryView = ReturnType<typeof runSummaryView>;

/**
 * BRIEF_FIELDS are the fields of `runSummaryView`: a finished run's list entry is these fields of
 * its stored view, extracted by SQLite so a page never parses whole timelines.
 */
export const BRIEF_FIELDS = [
  'runId',
  'workflow',
  'state',
  'result',
  'traceId',
  'spanId',
  'traceparent',
  'startTime',
  'endTime',
  'durationSeconds',
  'progress',
  'lastHeartbeatTime',
  'currentPhases',
] as const satisfies readonly (keyof RunSummaryView)[];

/** DEFAULT_LIMIT is the page size of `list` when none is asked for. */
export const DEFAULT_LIMIT = 100;
/** MAX_LIMIT is the largest page `list` answers; larger limits are clamped to it. */
export const MAX_LIMIT = 1000;

/** ListQuery filters and pages `list`. Times are epoch ms; since/until bound start_ms, inclusive. */
export interface ListQuery {
  workflow?: string | undefined;
  state?: 'active' | 'finished' | undefined;
  result?: string | undefined;
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  /** Page size: default DEFAULT_LIMIT, clamped to 0..MAX_LIMIT. */
  limit?: number | undefined;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

/** RunRow is one row of a page. */
export interface RunRow {
  runId: string;
  workflow: string;
  state: 'active' | 'finished';
  result: string | null;
  startMs: number;
  endMs: number | null;
  /** brief is the stored view's BRIEF_FIELDS (finished runs), or null when no view is stored. */
  brief: RunSummaryView | null;
}

/** RunPage is a page of runs, newest first; `nextCursor` is null on the last page. */
export interface RunPage {
  rows: RunRow[];
  nextCursor: string | null;
}

/** LastRun is the newest run of a workflow. */
export interface LastRun {
  runId: string;
  state: string;
  result: string | null;
  startTime: string;
  endTime: string | null;
}

/** WorkflowEntry is one workflow with its run counts. */
export interface WorkflowEntry {
  workflow: string;
  runs: number;
  active: number;
  lastRun: LastRun;
}

/** DurationStats are seconds; every field is null when there was no finished run. */
export interface DurationStats {
  min: number | null;
  avg: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** HalfStats describe one half of a summary's window. */
export interface HalfStats {
  runs: number;
  successRate: number | null;
  p95DurationSeconds: number | null;
}

/** PhaseStats are a phase's attempts over the finished runs of a window. */
export interface PhaseStats {
  name: string;
  attempts: number;
  failedAttempts: number;
  failureRate: number | null;
}

/** WorkflowSummary is a workflow's runs over a window ending now. */
export interface WorkflowSummary {
  workflow: string;
  /** The window as a Prometheus duration (`1d`, `1h30m`). */
  window: string;
  from: string;
  to: string;
  runs: { finished: number; active: number; success: number; failure: number; error: number; timeout: number; cancellation: number; skip: number };
  /** success / finished; null when nothing finished. */
  successRate: number | null;
  durationSeconds: DurationStats;
  phases: PhaseStats[];
  /** Among finished runs that retried, the fraction that succeeded; null when none retried. */
  retrySuccessRate: number | null;
  /** Mean time runs spent pending before executing, over runs that did execute; null when none. */
  meanQueueWaitSeconds: number | null;
  trend: { firstHalf: HalfStats; secondHalf: HalfStats; successRateChange: number | null; p95DurationChange: number | null };
}

// Bounds that make an absent filter a no-op while keeping the start_ms range usable by the index.
const MIN_MS = Number.MIN_SAFE_INTEGER;
const MAX_MS = Number.MAX_SAFE_INTEGER;

/** encodeCursor makes the opaque cursor that resumes a page after the row (startMs, runId). */
export function encodeCursor(startMs: number, runId: string): string {
  return Buffer.from(JSON.stringify([startMs, runId])).toString('base64url');
}

/** decodeCursor reads a cursor made by encodeCursor; anything else is undefined. */
export function decodeCursor(cursor: string): { startMs: number; runId: string } | undefined {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [startMs, runId] = value as [unknown, unknown];
  if (!Number.isSafeInteger(startMs) || typeof runId !== 'string') return undefined;
  return { startMs: startMs as number, runId };
}

/**
 * percentile of ascending `sorted` values, by linear interpolation between the closest ranks
 * (rank p·(n−1), as numpy's default); undefined when there are none.
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  return a + ((sorted[hi] as number) - a) * (rank - lo);
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : b - a);
const seconds = (ms: number | undefined): number | null => (ms === undefined ? null : ms / 1000);

const LIST_COLUMNS = `run_id, workflow, state, result, start_ms, end_ms,
  CASE WHEN view IS NULL THEN NULL ELSE json_object(${BRIEF_FIELDS.map((f) => `'${f}', json_extract(view, '$.${f}')`).join(', ')}) END AS brief`;
// `start_ms <= :cs` bounds the index range; the OR breaks ties on start_ms by run_id.
const LIST_WHERE = `start_ms <= :cs AND (start_ms < :cs OR run_id < :cr)
  AND start_ms >= :since AND start_ms <= :until
  AND (:state IS NULL OR state = :state) AND (:result IS NULL OR result = :result)`;
const LIST_ORDER = 'ORDER BY start_ms DESC, run_id DESC LIMIT :limit';

const KNOWN_RESULTS: ReadonlySet<string> = new Set(RESULTS);

const WINDOW = "workflow = :workflow AND state = 'finished' AND end_ms >= :from AND end_ms <= :to";

interface ListRow {
  run_id: string;
  workflow: string;
  state: 'active' | 'finished';
  result: string | null;
  start_ms: number;
  end_ms: number | null;
  brief: string | null;
}

interface Half {
  durations: number[];
  success: number;
}

interface WindowRow {
  durationMs: number;
  endMs: number;
  result: string | null;
  retried: number | null;
  pendingMs: number | null;
}

/** RunHistory reads the run index; see the file comment. */
export class RunHistory {
  readonly #listAll: StatementSync;
  readonly #listWorkflow: StatementSync;
  readonly #view: StatementSync;
  readonly #workflows: StatementSync;
  readonly #windowRuns: StatementSync;
  readonly #windowPhases: StatementSync;
  readonly #activeCount: StatementSync;

  constructor(db: DatabaseSync) {
    this.#listAll = db.prepare(`SELECT ${LIST_COLUMNS} FROM runs WHERE ${LIST_WHERE} ${LIST_ORDER}`);
    this.#listWorkflow = db.prepare(`SELECT ${LIST_COLUMNS} FROM runs WHERE workflow = :workflow AND ${LIST_WHERE} ${LIST_ORDER}`);
    this.#view = db.prepare("SELECT view FROM runs WHERE run_id = ? AND state = 'finished'");
    // Active runs counted apart from all runs: each count can then be read from an index alone.
    this.#workflows = db.prepare(`
      SELECT w.workflow, w.runs, coalesce(a.active, 0) AS active, r.run_id, r.state, r.result, r.start_ms, r.end_ms
      FROM (SELECT workflow, count(*) AS runs FROM runs GROUP BY workflow) AS w
      LEFT JOIN (SELECT workflow, count(*) AS active FROM runs WHERE state = 'active' GROUP BY workflow) AS a USING (workflow)
      JOIN runs AS r ON r.run_id = (
        SELECT run_id FROM runs WHERE workflow = w.workflow ORDER BY start_ms DESC, run_id DESC LIMIT 1)
      ORDER BY w.workflow`);
    this.#windowRuns = db.prepare(`
      SELECT end_ms - start_ms AS durationMs, end_ms AS endMs, result,
        summary ->> '$.retried' AS retried, summary ->> '$.pendingMs' AS pendingMs
      FROM runs WHERE ${WINDOW} ORDER BY durationMs`);
    this.#windowPhases = db.prepare(`
      SELECT p.value ->> '$.name' AS name, sum(p.value ->> '$.attempts') AS attempts,
        sum(p.value ->> '$.failedAttempts') AS failedAttempts, min(p.key) AS position
      FROM runs, json_each(runs.summary, '$.phases') AS p
      WHERE ${WINDOW} AND runs.summary IS NOT NULL
      GROUP BY name ORDER BY position, name`);
    this.#activeCount = db.prepare("SELECT count(*) AS n FROM runs WHERE workflow = ? AND state = 'active'");
  }

  /**
   * list answers a page of runs newest first, by (start_ms, run_id) descending. Throws
   * ValidationError naming `cursor` for a cursor this class did not make.
   */
  list(q: ListQuery = {}): RunPage {
    const limit = Math.min(Math.max(0, Math.trunc(q.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
    let after = { startMs: MAX_MS, runId: '' };
    if (q.cursor !== undefined) {
      const decoded = decodeCursor(q.cursor);
      if (!decoded) throw new ValidationError([{ path: 'cursor', message: 'is not a cursor this server gave out' }]);
      after = decoded;
    }
    const params: Record<string, string | number | null> = {
      cs: after.startMs,
      cr: after.runId,
      since: q.sinceMs ?? MIN_MS,
      until: q.untilMs ?? MAX_MS,
      state: q.state ?? null,
      result: q.result ?? null,
      // One more than asked tells whether another page follows, so the last page says so.
      limit: limit + 1,
    };
    if (q.workflow !== undefined) params.workflow = q.workflow;
    const stmt = q.workflow === undefined ? this.#listAll : this.#listWorkflow;
    const raw = stmt.all(params) as unknown as ListRow[];
    const rows: RunRow[] = raw.slice(0, limit).map((r) => ({
      runId: r.run_id,
      workflow: r.workflow,
      state: r.state,
      result: r.result,
      startMs: r.start_ms,
      endMs: r.end_ms,
      brief: r.brief === null ? null : (JSON.parse(r.brief) as RunSummaryView),
    }));
    const last = rows[rows.length - 1];
    const nextCursor = raw.length > limit && last ? encodeCursor(last.startMs, last.runId) : null;
    return { rows, nextCursor };
  }

  /** view is the stored timeline of a finished run, or undefined (unknown, active, or pruned). */
  view(runId: string): unknown {
    const row = this.#view.get(runId) as { view: string | null } | undefined;
    return row?.view == null ? undefined : JSON.parse(row.view);
  }

  /** workflows lists every workflow in the index, by name, with its counts and newest run. */
  workflows(): WorkflowEntry[] {
    const rows = this.#workflows.all() as Array<{
      workflow: string;
      runs: number;
      active: number;
      run_id: string;
      state: string;
      result: string | null;
      start_ms: number;
      end_ms: number | null;
    }>;
    return rows.map((r) => ({
      workflow: r.workflow,
      runs: r.runs,
      active: r.active,
      lastRun: { runId: r.run_id, state: r.state, result: r.result, startTime: iso(r.start_ms) as string, endTime: iso(r.end_ms) },
    }));
  }

  /**
   * summary describes `workflow` over [nowMs − windowMs, nowMs]: finished runs are those whose
   * end falls in the window; `active` counts the workflow's runs active now. The trend splits the
   * window in two halves at its middle (a run ending exactly there is in the second half).
   */
  summary(workflow: string, windowMs: number, nowMs: number): WorkflowSummary {
    const from = nowMs - windowMs;
    const mid = from + Math.floor(windowMs / 2);
    const counts = { finished: 0, active: 0, success: 0, failure: 0, error: 0, timeout: 0, cancellation: 0, skip: 0 };
    const all: number[] = [];
    const halves: [Half, Half] = [
      { durations: [], success: 0 },
      { durations: [], success: 0 },
    ];
    let retried = 0;
    let retriedSuccess = 0;
    let pendingSum = 0;
    let pendingCount = 0;
    let sum = 0;
    // Rows come sorted by duration, so every list built here is sorted too.
    for (const row of this.#windowRuns.iterate({ workflow, from, to: nowMs }) as Iterable<WindowRow>) {
      counts.finished++;
      const ok = row.result === 'success';
      if (row.result !== null && KNOWN_RESULTS.has(row.result)) counts[row.result as Result]++;
      all.push(row.durationMs);
      sum += row.durationMs;
      const half = halves[row.endMs < mid ? 0 : 1];
      half.durations.push(row.durationMs);
      if (ok) half.success++;
      if (row.retried) {
        retried++;
        if (ok) retriedSuccess++;
      }
      if (row.pendingMs !== null) {
        pendingSum += row.pendingMs;
        pendingCount++;
      }
    }
    counts.active = (this.#activeCount.get(workflow) as { n: number }).n;
    const phases = (this.#windowPhases.all({ workflow, from, to: nowMs }) as Array<{ name: string; attempts: number; failedAttempts: number }>).map(
      (p) => ({ name: p.name, attempts: p.attempts, failedAttempts: p.failedAttempts, failureRate: ratio(p.failedAttempts, p.attempts) }),
    );
    const halfStats = (h: Half): HalfStats => ({
      runs: h.durations.length,
      successRate: ratio(h.success, h.durations.length),
      p95DurationSeconds: seconds(percentile(h.durations, 95)),
    });
    const firstHalf = halfStats(halves[0]);
    const secondHalf = halfStats(halves[1]);
    return {
      workflow,
      window: formatDuration(windowMs),
      from: iso(from) as string,
      to: iso(nowMs) as string,
      runs: counts,
      successRate: ratio(counts.success, counts.finished),
      durationSeconds: {
        min: seconds(all[0]),
        avg: all.length === 0 ? null : sum / all.length / 1000,
        p50: seconds(percentile(all, 50)),
        p95: seconds(percentile(all, 95)),
        p99: seconds(percentile(all, 99)),
        max: seconds(all[all.length - 1]),
      },
      phases,
      retrySuccessRate: ratio(retriedSuccess, retried),
      meanQueueWaitSeconds: pendingCount === 0 ? null : pendingSum / pendingCount / 1000,
      trend: {
        firstHalf,
        secondHalf,
        successRateChange: diff(firstHalf.successRate, secondHalf.successRate),
        p95DurationChange: diff(firstHalf.p95DurationSeconds, secondHalf.p95DurationSeconds),
      },
    };
  }
}
