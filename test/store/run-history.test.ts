/**
 * RunHistory over a real store: rows written straight into `runs` the way the event store writes
 * them, then read back through pages, views, the workflow list and summaries whose numbers are
 * worked out by hand below.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import { openDatabase } from '../../src/store/database.ts';
import { formatDuration } from '../../src/config/duration.ts';
import { decodeCursor, encodeCursor, percentile, RunHistory } from '../../src/store/run-history.ts';
import type { ListQuery } from '../../src/store/run-history.ts';

const NOW = Date.UTC(2026, 0, 2, 12, 0, 0);
const H = 3600_000;
const S = 1000;

interface Row {
  runId: string;
  workflow: string;
  startMs: number;
  endMs?: number;
  result?: string;
  summary?: object;
  view?: object;
}

let dir: string;
let db: DatabaseSync;
let history: RunHistory;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runwarden-history-'));
  db = openDatabase(dir);
  history = new RunHistory(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** insert writes rows as the event store does: active at start, completed at finish. */
function insert(...rows: Row[]): void {
  const start = db.prepare("INSERT INTO runs (run_id, workflow, state, start_ms, first_seq) VALUES (?, ?, 'active', ?, 0)");
  const finish = db.prepare("UPDATE runs SET state = 'finished', result = ?, end_ms = ?, summary = ?, view = ? WHERE run_id = ?");
  for (const r of rows) {
    start.run(r.runId, r.workflow, r.startMs);
    if (r.endMs === undefined) continue;
    const summary = r.summary ?? { durationMs: r.endMs - r.startMs, pendingMs: null, retried: false, phases: [] };
    const view = r.view ?? { runId: r.runId, workflow: r.workflow, state: 'finished', result: r.result, phases: [] };
    finish.run(r.result ?? 'success', r.endMs, JSON.stringify(summary), JSON.stringify(view), r.runId);
  }
}

const ids = (q: ListQuery) => history.list(q).rows.map((r) => r.runId);

describe('list', () => {
  beforeEach(() => {
    insert(
      { runId: 'a1', workflow: 'nightly', startMs: 1 * S, endMs: 9 * S, result: 'success' },
      { runId: 'b1', workflow: 'release', startMs: 2 * S, endMs: 5 * S, result: 'failure' },
      { runId: 'a2', workflow: 'nightly', startMs: 3 * S },
      { runId: 'b2', workflow: 'release', startMs: 4 * S, endMs: 8 * S, result: 'success' },
      { runId: 'a3', workflow: 'nightly', startMs: 5 * S },
    );
  });

  it.each<[string, ListQuery, string[]]>([
    ['everything, newest first', {}, ['a3', 'b2', 'a2', 'b1', 'a1']],
    ['one workflow', { workflow: 'nightly' }, ['a3', 'a2', 'a1']],
    ['an unknown workflow', { workflow: 'other' }, []],
    ['active only', { state: 'active' }, ['a3', 'a2']],
    ['finished only', { state: 'finished' }, ['b2', 'b1', 'a1']],
    ['by result', { result: 'success' }, ['b2', 'a1']],
    ['workflow and state', { workflow: 'release', state: 'finished' }, ['b2', 'b1']],
    ['workflow and result', { workflow: 'release', result: 'failure' }, ['b1']],
    ['since is inclusive', { sinceMs: 3 * S }, ['a3', 'b2', 'a2']],
    ['until is inclusive', { untilMs: 2 * S }, ['b1', 'a1']],
    ['since and until', { sinceMs: 2 * S, untilMs: 4 * S }, ['b2', 'a2', 'b1']],
    ['since after until', { sinceMs: 4 * S, untilMs: 2 * S }, []],
    ['a limit', { limit: 2 }, ['a3', 'b2']],
    ['a zero limit', { limit: 0 }, []],
    ['a limit over the maximum is the maximum', { limit: 5000 }, ['a3', 'b2', 'a2', 'b1', 'a1']],
  ])('%s', (_name, q, expected) => {
    expect(ids(q)).toEqual(expected);
  });

  it('says there is a next page only when there is one', () => {
    expect(history.list({ limit: 4 }).nextCursor).not.toBeNull();
    expect(history.list({ limit: 5 }).nextCursor).toBeNull();
    expect(history.list({ limit: 0 }).nextCursor).toBeNull();
  });

  it('answers each row with its index columns and, once finished, the list fields of its view only', () => {
    insert({
      runId: 'v1',
      workflow: 'deploy',
      startMs: 10 * S,
      endMs: 12 * S,
      result: 'success',
      view: { runId: 'v1', workflow: 'deploy', state: 'finished', result: 'success', traceId: 't', currentPhases: [], progress: 0.5, phases: [{ name: 'x' }], attributes: { a: 1 } },
    });
    const [finished, active] = history.list({ limit: 2 }).rows;
    expect(finished).toEqual({
      runId: 'v1',
      workflow: 'deploy',
      state: 'finished',
      result: 'success',
      startMs: 10 * S,
      endMs: 12 * S,
      brief: expect.objectContaining({ runId: 'v1', traceId: 't', currentPhases: [], progress: 0.5 }),
    });
    expect(finished?.brief).not.toHaveProperty('phases');
    expect(finished?.brief).not.toHaveProperty('attributes');
    expect(active).toEqual({ runId: 'a3', workflow: 'nightly', state: 'active', result: null, startMs: 5 * S, endMs: null, brief: null });
  });
});

describe('pagination', () => {
  // Three runs share each start time: order within a tie is by run id, descending.
  const rows: Row[] = ['x', 'y', 'z'].flatMap((suffix) => [1, 2, 3].map((t) => ({ runId: `r${t}${suffix}`, workflow: t === 2 ? 'w2' : 'w', startMs: t * S })));
  const all = ['r3z', 'r3y', 'r3x', 'r2z', 'r2y', 'r2x', 'r1z', 'r1y', 'r1x'];

  function walk(q: ListQuery): string[][] {
    const pages: string[][] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = history.list({ ...q, cursor });
      pages.push(page.rows.map((r) => r.runId));
      if (page.nextCursor === null) return pages;
      cursor = page.nextCursor;
    }
    throw new Error('pagination never ended');
  }

  beforeEach(() => insert(...rows));

  it.each([1, 2, 3, 4, 8, 9, 10])('walks every run once, in order, with pages of %i across ties', (limit) => {
    const pages = walk({ limit });
    expect(pages.flat()).toEqual(all);
    expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
  });

  it('keeps the filters from page to page', () => {
    expect(walk({ limit: 2, workflow: 'w' }).flat()).toEqual(all.filter((id) => !id.startsWith('r2')));
    expect(walk({ limit: 2, sinceMs: 2 * S }).flat()).toEqual(all.slice(0, 6));
  });

  it('is not shifted by runs that start between two pages', () => {
    const first = history.list({ limit: 4 });
    insert({ runId: 'new', workflow: 'w', startMs: 10 * S }, { runId: 'r3a', workflow: 'w', startMs: 3 * S });
    const second = history.list({ limit: 5, cursor: first.nextCursor as string });
    expect([...first.rows, ...second.rows].map((r) => r.runId)).toEqual(all);
  });

  it('round-trips a cursor', () => {
    expect(decodeCursor(encodeCursor(1234, 'run/ä'))).toEqual({ startMs: 1234, runId: 'run/ä' });
  });

  it.each([
    ['not base64url', 'abc+/='],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['an object', Buffer.from('{"a":1}').toString('base64url')],
    ['too short', Buffer.from('[1]').toString('base64url')],
    ['a fractional time', Buffer.from('[1.5,"x"]').toString('base64url')],
    ['a time as a string', Buffer.from('["1","x"]').toString('base64url')],
    ['a run id as a number', Buffer.from('[1,2]').toString('base64url')],
  ])('refuses a cursor that is %s, naming cursor', (_name, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
    let thrown: unknown;
    try {
      history.list({ cursor });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).details).toEqual([{ path: 'cursor', message: expect.any(String) }]);
  });
});

describe('view', () => {
  it('answers the stored view of a finished run, and nothing for an active or unknown one', () => {
    const view = { runId: 'f', workflow: 'w', state: 'finished', phases: [{ name: 'build', attempts: [] }] };
    insert({ runId: 'f', workflow: 'w', startMs: 1, endMs: 2, view }, { runId: 'a', workflow: 'w', startMs: 1 });
    expect(history.view('f')).toEqual(view);
    expect(history.view('a')).toBeUndefined();
    expect(history.view('missing')).toBeUndefined();
  });
});

describe('workflows', () => {
  it('lists each workflow by name with its runs, active runs and newest run', () => {
    insert(
      { runId: 'n1', workflow: 'nightly', startMs: 1 * H, endMs: 2 * H, result: 'failure' },
      { runId: 'n2', workflow: 'nightly', startMs: 3 * H },
      { runId: 'n3', workflow: 'nightly', startMs: 3 * H, endMs: 4 * H, result: 'success' },
      { runId: 'd1', workflow: 'deploy', startMs: 5 * H, endMs: 6 * H, result: 'success' },
    );
    expect(history.workflows()).toEqual([
      {
        workflow: 'deploy',
        runs: 1,
        active: 0,
        lastRun: { runId: 'd1', state: 'finished', result: 'success', startTime: new Date(5 * H).toISOString(), endTime: new Date(6 * H).toISOString() },
      },
      {
        // n2 and n3 started together: the tie goes to the greater run id, as in lists.
        workflow: 'nightly',
        runs: 3,
        active: 1,
        lastRun: { runId: 'n3', state: 'finished', result: 'success', startTime: new Date(3 * H).toISOString(), endTime: new Date(4 * H).toISOString() },
      },
    ]);
  });

  it('is empty for an empty store', () => {
    expect(history.workflows()).toEqual([]);
  });
});

describe('summary', () => {
  const phase = (name: string, attempts: number, failedAttempts: number, result: string) => ({ name, attempts, failedAttempts, result });
  const finished = (runId: string, endMs: number, seconds: number, result: string, pendingMs: number | null, retried: boolean, phases: object[], workflow = 'etl'): Row => ({
    runId,
    workflow,
    startMs: endMs - seconds * S,
    endMs,
    result,
    summary: { durationMs: seconds * S, pendingMs, retried, phases },
  });

  // The 24 h window is [NOW-24h, NOW]; its halves meet at NOW-12h.
  beforeEach(() => {
    insert(
      finished('f0', NOW - 24 * H, 30, 'cancellation', 2000, false, [phase('extract', 1, 0, 'cancellation')]), // on the window's start: in
      finished('f1', NOW - 20 * H, 60, 'success', 1000, false, [phase('extract', 1, 0, 'success'), phase('load', 1, 0, 'success')]),
      finished('f2', NOW - 15 * H, 120, 'failure', 3000, true, [phase('extract', 2, 2, 'failure')]),
      finished('f3', NOW - 6 * H, 180, 'success', null, true, [phase('extract', 2, 1, 'success'), phase('load', 1, 0, 'success')]),
      finished('f4', NOW - 3 * H, 240, 'timeout', 5000, false, [phase('extract', 1, 0, 'success'), phase('load', 1, 1, 'timeout')]),
      finished('f5', NOW, 300, 'success', 0, false, [phase('extract', 1, 0, 'success'), phase('load', 1, 0, 'success')]), // on the window's end: in
      finished('old', NOW - 24 * H - 1, 1000, 'failure', 9000, true, [phase('extract', 5, 5, 'failure')]), // just before the window
      finished('late', NOW + 1, 999, 'failure', 9000, true, [phase('extract', 5, 5, 'failure')]), // after now
      finished('web1', NOW - H, 5, 'failure', 7000, true, [phase('extract', 3, 3, 'failure')], 'web'), // another workflow
      { runId: 'act', workflow: 'etl', startMs: NOW - 30 * 24 * H }, // active, started long ago: counted
    );
  });

  it('counts, rates and percentiles the finished runs of the window', () => {
    const s = history.summary('etl', 24 * H, NOW);
    expect(s).toMatchObject({
      workflow: 'etl',
      window: '1d',
      from: new Date(NOW - 24 * H).toISOString(),
      to: new Date(NOW).toISOString(),
      runs: { finished: 6, active: 1, success: 3, failure: 1, error: 0, timeout: 1, cancellation: 1, skip: 0 },
      successRate: 0.5,
      phases: [
        { name: 'extract', attempts: 8, failedAttempts: 3, failureRate: 0.375 },
        { name: 'load', attempts: 4, failedAttempts: 1, failureRate: 0.25 },
      ],
      // f2 (failure) and f3 (success) retried.
      retrySuccessRate: 0.5,
    });
    // Durations 30 60 120 180 240 300 s: ranks p·5, interpolated.
    const d = s.durationSeconds;
    expect(d.min).toBe(30);
    expect(d.max).toBe(300);
    expect(d.avg).toBeCloseTo(155, 9); // 930 / 6
    expect(d.p50).toBeCloseTo(150, 9); // rank 2.5: 120 + 0.5·60
    expect(d.p95).toBeCloseTo(285, 9); // rank 4.75: 240 + 0.75·60
    expect(d.p99).toBeCloseTo(297, 9); // rank 4.95: 240 + 0.95·60
    // pendingMs 2000 1000 3000 5000 0 (f3 never left pending: not counted).
    expect(s.meanQueueWaitSeconds).toBeCloseTo(2.2, 9);
  });

  it('compares the two halves of the window', () => {
    const { trend } = history.summary('etl', 24 * H, NOW);
    // First half f0 f1 f2 (30 60 120 s, one success); second f3 f4 f5 (180 240 300 s, two).
    expect(trend.firstHalf.runs).toBe(3);
    expect(trend.secondHalf.runs).toBe(3);
    expect(trend.firstHalf.successRate).toBeCloseTo(1 / 3, 9);
    expect(trend.secondHalf.successRate).toBeCloseTo(2 / 3, 9);
    expect(trend.firstHalf.p95DurationSeconds).toBeCloseTo(114, 9); // rank 1.9: 60 + 0.9·60
    expect(trend.secondHalf.p95DurationSeconds).toBeCloseTo(294, 9); // rank 1.9: 240 + 0.9·60
    expect(trend.successRateChange).toBeCloseTo(1 / 3, 9);
    expect(trend.p95DurationChange).toBeCloseTo(180, 9);
  });

  it('narrows to a shorter window', () => {
    const s = history.summary('etl', 4 * H, NOW); // f4 and f5; halves meet at NOW-2h
    expect(s.window).toBe('4h');
    expect(s.runs).toMatchObject({ finished: 2, success: 1, timeout: 1 });
    expect(s.durationSeconds).toMatchObject({ min: 240, max: 300, p50: 270 });
    expect(s.retrySuccessRate).toBeNull();
    expect(s.trend.firstHalf).toEqual({ runs: 1, successRate: 0, p95DurationSeconds: 240 });
    expect(s.trend.secondHalf).toEqual({ runs: 1, successRate: 1, p95DurationSeconds: 300 });
  });

  it('puts a run ending exactly at the middle of the window in the second half', () => {
    insert(finished('mid', NOW - 12 * H, 10, 'success', null, false, [], 'edge'));
    const { trend } = history.summary('edge', 24 * H, NOW);
    expect([trend.firstHalf.runs, trend.secondHalf.runs]).toEqual([0, 1]);
  });

  it.each([
    ['a workflow with no runs', 'none', 24 * H, 0],
    ['a window with no finished run', 'etl', 60 * S, 1],
  ])('answers zeros and nulls for %s', (_name, workflow, windowMs, active) => {
    const s = history.summary(workflow, windowMs, NOW - 2 * H);
    expect(s.runs).toEqual({ finished: 0, active, success: 0, failure: 0, error: 0, timeout: 0, cancellation: 0, skip: 0 });
    expect(s.successRate).toBeNull();
    expect(s.durationSeconds).toEqual({ min: null, avg: null, p50: null, p95: null, p99: null, max: null });
    expect(s.phases).toEqual([]);
    expect(s.retrySuccessRate).toBeNull();
    expect(s.meanQueueWaitSeconds).toBeNull();
    expect(s.trend).toEqual({
      firstHalf: { runs: 0, successRate: null, p95DurationSeconds: null },
      secondHalf: { runs: 0, successRate: null, p95DurationSeconds: null },
      successRateChange: null,
      p95DurationChange: null,
    });
  });
});

describe('percentile', () => {
  it.each<[number[], number, number | undefined]>([
    [[], 50, undefined],
    [[7], 99, 7],
    [[1, 2], 50, 1.5],
    [[1, 2, 3, 4], 0, 1],
    [[1, 2, 3, 4], 100, 4],
    [[1, 2, 3, 4], 50, 2.5],
    [[10, 20, 30, 40, 50], 90, 46],
  ])('of %j at p%i is %s', (sorted, p, expected) => {
    const got = percentile(sorted, p);
    if (expected === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(expected, 9);
  });
});

describe('formatDuration', () => {
  it.each([
    [30 * 60_000, '30m'],
    [24 * H, '1d'],
    [90 * 60_000, '1h30m'],
    [7 * 24 * H, '1w'],
    [1500, '1s500ms'],
    [0, '0s'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
