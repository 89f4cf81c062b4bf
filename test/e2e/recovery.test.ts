/**
 * Crash recovery end to end: the real `runwarden serve`, killed with SIGKILL in the middle of
 * runs (and in the middle of requests), restarted on the same data directory, checked from the
 * outside: its first scrape, its run answers, and the spans a real OTLP receiver decodes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORE_FILE } from '../../src/store/database.ts';
import { parseExposition, value } from '../helpers/exposition.ts';
import type { Sample } from '../helpers/exposition.ts';
import { startOtlpReceiver } from '../helpers/otlp-receiver.ts';
import type { DecodedSpan, OtlpReceiver } from '../helpers/otlp-receiver.ts';
import { post, startSidecarProcess } from '../helpers/sidecar-process.ts';
import type { SidecarProcess } from '../helpers/sidecar-process.ts';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const nanos = (s: number) => BigInt(T0 + s * 1000) * 1_000_000n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let receiver: OtlpReceiver;
let dataDir: string;
const sidecars: SidecarProcess[] = [];

beforeEach(async () => {
  receiver = await startOtlpReceiver();
  dataDir = mkdtempSync(join(tmpdir(), 'runwarden-crash-'));
});
afterEach(async () => {
  for (const s of sidecars.splice(0)) await s.stop('SIGKILL');
  await receiver.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(bspDelayMs: number, extra: Record<string, string> = {}): Promise<SidecarProcess> {
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: String(bspDelayMs), ...extra };
  const s = await startSidecarProcess(env, [], { dataDir });
  sidecars.push(s);
  return s;
}

/** kill SIGKILLs a sidecar and checks it died of it. */
async function kill(s: SidecarProcess): Promise<void> {
  const { signal } = await s.stop('SIGKILL');
  expect(signal).toBe('SIGKILL');
  sidecars.splice(sidecars.indexOf(s), 1);
}

async function ok(call: Promise<{ status: number; body: unknown }>): Promise<void> {
  const r = await call;
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
}

async function getRun(api: string, runId: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api}/v1/runs/${runId}`);
  return { status: res.status, body: await res.json() };
}

/** stable drops what depends on when the answer is read: the elapsed times of running things. */
function stable(view: unknown): unknown {
  if (Array.isArray(view)) return view.map(stable);
  if (view === null || typeof view !== 'object') return view;
  return Object.fromEntries(
    Object.entries(view)
      .filter(([k]) => k !== 'durationSeconds' && k !== 'secondsSince')
      .map(([k, v]) => [k, stable(v)]),
  );
}

async function scrape(s: SidecarProcess): Promise<Sample[]> {
  const res = await fetch(s.metricsUrl);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

/** readStore reads the log and the export mark from the data directory, read-only. */
function readStore(): { events: { seq: number; run_id: string; body: string }[]; mark: number } {
  const db = new DatabaseSync(join(dataDir, STORE_FILE), { readOnly: true });
  try {
    const events = db.prepare('SELECT seq, run_id, body FROM events ORDER BY seq').all() as { seq: number; run_id: string; body: string }[];
    const row = db.prepare("SELECT value FROM meta WHERE key = 'span_mark'").get() as { value: string } | undefined;
    return { events, mark: row ? Number(JSON.parse(row.value)) : 0 };
  } finally {
    db.close();
  }
}

/** waitForMark waits until the persisted export mark covers the whole log (every span exported). */
async function waitForMark(timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { events, mark } = readStore();
    const last = events[events.length - 1]?.seq ?? 0;
    if (mark >= last) return;
    if (Date.now() > deadline) throw new Error(`export mark ${mark} did not reach the last event ${last} in ${timeoutMs} ms`);
    await sleep(50);
  }
}

// Five runs, stopped part-way: what each has done before the crash and does after it.
// Every run's answer must survive the crash: the four active ones and etl-d, finished before it.
const RUNS = ['etl-a', 'etl-b', 'etl-c', 'etl-d', 'etl-e'];

async function beforeCrash(api: string): Promise<void> {
  // etl-a: a phase failed and is being retried, a step done, progress 3/4.
  await ok(post(api, '/v1/runs', {
    workflow: 'nightly-etl', runId: 'etl-a', attributes: { team: 'data' }, heartbeatIntervalSeconds: 30,
    phases: [{ name: 'extract', budgetSeconds: 600 }, { name: 'load', budgetSeconds: 300 }], time: at(0),
  }));
  await ok(post(api, '/v1/runs/etl-a/phases/extract/start', { time: at(1) }));
  await ok(post(api, '/v1/runs/etl-a/phases/extract/steps/download/start', { time: at(2) }));
  await ok(post(api, '/v1/runs/etl-a/phases/extract/steps/download/finish', { result: 'success', time: at(4) }));
  await ok(post(api, '/v1/runs/etl-a/heartbeat', { progress: 0.4, message: 'rows 400/1000', time: at(5) }));
  await ok(post(api, '/v1/runs/etl-a/phases/extract/finish', { result: 'failure', error: { type: 'http_503', message: 'source unavailable' }, time: at(6) }));
  await ok(post(api, '/v1/runs/etl-a/retries', { phase: 'extract', attempt: 2, reason: 'source unavailable', time: at(7) }));
  await ok(post(api, '/v1/runs/etl-a/phases/extract/start', { time: at(8) }));
  await ok(post(api, '/v1/runs/etl-a/heartbeat', { done: 3, total: 4, time: at(9) }));
  // etl-b: one phase done, the second running with a step open.
  await ok(post(api, '/v1/runs', { workflow: 'nightly-etl', runId: 'etl-b', phases: [{ name: 'build', budgetSeconds: 120 }, { name: 'test', budgetSeconds: 900 }], time: at(100) }));
  await ok(post(api, '/v1/runs/etl-b/phases/build/start', { time: at(101) }));
  await ok(post(api, '/v1/runs/etl-b/phases/build/finish', { result: 'success', time: at(103) }));
  await ok(post(api, '/v1/runs/etl-b/phases/test/start', { time: at(104) }));
  await ok(post(api, '/v1/runs/etl-b/phases/test/steps/unit/start', { time: at(105) }));
  await ok(post(api, '/v1/runs/etl-b/heartbeat', { progress: 0.5, time: at(106) }));
  // etl-c: registered, still pending.
  await ok(post(api, '/v1/runs', { workflow: 'deploy', runId: 'etl-c', phases: [{ name: 'rollout', budgetSeconds: 60 }], time: at(200) }));
  // etl-d: over before the crash.
  await ok(post(api, '/v1/runs', { workflow: 'deploy', runId: 'etl-d', time: at(300) }));
  await ok(post(api, '/v1/runs/etl-d/phases/rollout/start', { time: at(301) }));
  await ok(post(api, '/v1/runs/etl-d/phases/rollout/finish', { result: 'success', time: at(302) }));
  await ok(post(api, '/v1/runs/etl-d/finish', { result: 'success', time: at(303) }));
  // etl-e: executing on heartbeats alone.
  await ok(post(api, '/v1/runs', { workflow: 'deploy', runId: 'etl-e', time: at(400) }));
  await ok(post(api, '/v1/runs/etl-e/heartbeat', { message: 'warming', time: at(401) }));
}

async function afterRestart(api: string): Promise<void> {
  await ok(post(api, '/v1/runs/etl-a/phases/extract/finish', { result: 'success', time: at(20) }));
  await ok(post(api, '/v1/runs/etl-a/phases/load/start', { time: at(21) }));
  await ok(post(api, '/v1/runs/etl-a/phases/load/finish', { result: 'success', time: at(25) }));
  await ok(post(api, '/v1/runs/etl-a/finish', { result: 'success', time: at(26) }));
  await ok(post(api, '/v1/runs/etl-b/phases/test/steps/unit/finish', { result: 'success', time: at(110) }));
  await ok(post(api, '/v1/runs/etl-b/phases/test/finish', { result: 'failure', error: 'tests failed', time: at(111) }));
  await ok(post(api, '/v1/runs/etl-b/finish', { result: 'failure', time: at(112) }));
  await ok(post(api, '/v1/runs/etl-c/finish', { result: 'cancellation', time: at(210) }));
  await ok(post(api, '/v1/runs/etl-e/finish', { result: 'success', time: at(410) }));
}

/** key names a span by run, name and attempt: what must arrive exactly once. */
const key = (s: DecodedSpan) => `${s.attributes['cicd.pipeline.run.id']} ${s.name}${s.attributes['runwarden.attempt'] === undefined ? '' : ` #${s.attributes['runwarden.attempt']}`}`;
const BEFORE_CRASH_SPANS = ['etl-a download #1', 'etl-a extract #1', 'etl-b build #1', 'etl-d RUN deploy', 'etl-d rollout #1'];
const ALL_SPANS = [
  ...BEFORE_CRASH_SPANS,
  'etl-a extract #2', 'etl-a load #1', 'etl-a RUN nightly-etl',
  'etl-b unit #1', 'etl-b test #1', 'etl-b RUN nightly-etl',
  'etl-c RUN deploy', 'etl-e RUN deploy',
].sort();
const RUN_TIMES: Record<string, [number, number]> = { 'etl-a': [0, 26], 'etl-b': [100, 112], 'etl-c': [200, 210], 'etl-d': [300, 303], 'etl-e': [400, 410] };

/** checkRecovered checks the first scrape and the run answers of a restarted sidecar. */
async function checkRecovered(s: SidecarProcess, views: Map<string, unknown>): Promise<void> {
  // The very first scrape, before any new event: the gauges the runs had.
  const samples = await scrape(s);
  const active = (workflow: string, state: string) => value(samples, 'cicd_pipeline_run_active', { cicd_pipeline_name: workflow, cicd_pipeline_run_state: state }) ?? 0;
  expect(active('nightly-etl', 'executing')).toBe(2);
  expect(active('nightly-etl', 'pending')).toBe(0);
  expect(active('deploy', 'pending')).toBe(1);
  expect(active('deploy', 'executing')).toBe(1);
  const run = (id: string, extra: Record<string, string> = {}) => ({ cicd_pipeline_run_id: id, ...extra });
  expect(value(samples, 'runwarden_run_progress', run('etl-a'))).toBe(0.75);
  expect(value(samples, 'runwarden_run_progress', run('etl-b'))).toBe(0.5);
  expect(value(samples, 'runwarden_run_heartbeat_interval', run('etl-a'))).toBe(30);
  expect(value(samples, 'runwarden_run_phase_budget', run('etl-a', { cicd_pipeline_task_name: 'extract' }))).toBe(600);
  expect(value(samples, 'runwarden_run_phase_budget', run('etl-b', { cicd_pipeline_task_name: 'test' }))).toBe(900);
  expect(value(samples, 'runwarden_run_phase_budget', run('etl-b', { cicd_pipeline_task_name: 'build' }))).toBeUndefined();
  const elapsed = value(samples, 'runwarden_run_phase_elapsed', run('etl-a', { cicd_pipeline_task_name: 'extract' }));
  expect(elapsed).toBeGreaterThan((Date.now() - (T0 + 8000)) / 1000 - 60);
  expect(value(samples, 'runwarden_run_heartbeat_age', run('etl-d'))).toBeUndefined();
  expect(value(samples, 'runwarden_run_heartbeat_age', run('etl-c'))).toBeGreaterThan(0);

  for (const id of RUNS) {
    const now = await getRun(s.apiUrl, id);
    expect(now.status, id).toBe(200);
    expect(stable(now.body), `GET /v1/runs/${id} after the restart`).toEqual(views.get(id));
  }
}

/** checkTraces checks the whole set of spans: each once, one root per run, every child under its root. */
function checkTraces(spans: DecodedSpan[]): void {
  expect(spans.map(key).sort()).toEqual(ALL_SPANS);
  const ids = spans.map((s) => s.spanId);
  expect(new Set(ids).size, 'duplicate span ids').toBe(ids.length);
  for (const [runId, [startS, endS]] of Object.entries(RUN_TIMES)) {
    const mine = spans.filter((s) => s.attributes['cicd.pipeline.run.id'] === runId);
    const roots = mine.filter((s) => s.parentSpanId === '');
    expect(roots, `roots of ${runId}`).toHaveLength(1);
    const root = roots[0] as DecodedSpan;
    expect(root.name).toMatch(/^RUN /);
    expect([root.startTimeUnixNano, root.endTimeUnixNano], `${runId} root times`).toEqual([nanos(startS), nanos(endS)]);
    for (const child of mine.filter((s) => s !== root)) {
      expect(child.traceId, `${key(child)} trace`).toBe(root.traceId);
      const phase = child.attributes['runwarden.phase'];
      if (phase === undefined) {
        expect(child.parentSpanId, `${key(child)} parent`).toBe(root.spanId);
      } else {
        // A step: under its phase's attempt, which is under the root.
        const parent = mine.find((p) => p.spanId === child.parentSpanId);
        expect(parent?.name, `${key(child)} parent`).toBe(phase);
        expect(parent?.parentSpanId).toBe(root.spanId);
      }
    }
  }
  const retried = spans.find((s) => key(s) === 'etl-a extract #2');
  const first = spans.find((s) => key(s) === 'etl-a extract #1');
  expect(retried?.links.map((l) => l.spanId)).toEqual([first?.spanId]);
}

async function recordViews(api: string): Promise<Map<string, unknown>> {
  const views = new Map<string, unknown>();
  for (const id of RUNS) {
    const r = await getRun(api, id);
    expect(r.status).toBe(200);
    views.set(id, stable(r.body));
  }
  return views;
}

describe('a sidecar killed with SIGKILL in the middle of runs', () => {
  it('comes back with its runs, gauges and answers, and their traces stay whole', async () => {
    const first = await start(50);
    await beforeCrash(first.apiUrl);
    const exported = await receiver.waitForSpans(BEFORE_CRASH_SPANS.length, 10_000);
    expect(exported.map(key).sort()).toEqual(BEFORE_CRASH_SPANS);
    await waitForMark();
    const views = await recordViews(first.apiUrl);
    await kill(first);

    const second = await start(50);
    await checkRecovered(second, views);
    await afterRestart(second.apiUrl);
    await receiver.waitForSpans(ALL_SPANS.length, 10_000);
    await sleep(300); // room for a span sent twice to show up
    checkTraces(receiver.spans);

    // The runs that came back and then finished leave the active gauges at 0, not below, and
    // their per-state durations count the time before the crash (etl-a: executing from 1 s to 25 s).
    const samples = await scrape(second);
    for (const workflow of ['nightly-etl', 'deploy']) {
      for (const state of ['pending', 'executing', 'finalizing']) {
        expect(value(samples, 'cicd_pipeline_run_active', { cicd_pipeline_name: workflow, cicd_pipeline_run_state: state }) ?? 0, `${workflow} ${state}`).toBe(0);
      }
    }
    const etlA = { cicd_pipeline_name: 'nightly-etl', cicd_pipeline_result: 'success' };
    expect(value(samples, 'cicd_pipeline_run_duration_sum', { ...etlA, cicd_pipeline_run_state: 'pending' })).toBe(1);
    expect(value(samples, 'cicd_pipeline_run_duration_sum', { ...etlA, cicd_pipeline_run_state: 'executing' })).toBe(24);
    expect(value(samples, 'cicd_pipeline_run_duration_sum', { ...etlA, cicd_pipeline_run_state: 'finalizing' })).toBe(1);
  }, 60_000);

  it('exports after the restart, once, the spans it had not exported before the kill', async () => {
    const first = await start(600_000);
    await beforeCrash(first.apiUrl);
    const views = await recordViews(first.apiUrl);
    await sleep(200);
    expect(receiver.spans, 'nothing is exported with a 10-minute batch delay').toEqual([]);
    await kill(first);

    const second = await start(50);
    await checkRecovered(second, views);
    // The finished phases' and run's spans come from the log, before any new event.
    const reexported = await receiver.waitForSpans(BEFORE_CRASH_SPANS.length, 10_000);
    expect(reexported.map(key).sort()).toEqual(BEFORE_CRASH_SPANS);
    await afterRestart(second.apiUrl);
    await receiver.waitForSpans(ALL_SPANS.length, 10_000);
    await sleep(300);
    checkTraces(receiver.spans);

    // And a second crash after they were exported sends none of them again.
    await waitForMark();
    await kill(second);
    const third = await start(50);
    const samples = await scrape(third);
    for (const workflow of ['nightly-etl', 'deploy']) {
      for (const state of ['pending', 'executing', 'finalizing']) {
        expect(value(samples, 'cicd_pipeline_run_active', { cicd_pipeline_name: workflow, cicd_pipeline_run_state: state }) ?? 0).toBe(0);
      }
    }
    await sleep(500);
    expect(receiver.spans.map(key).sort()).toEqual(ALL_SPANS);
  }, 60_000);
});

describe('a sidecar killed with SIGKILL under load', () => {
  it('keeps every event it acknowledged, whatever was in flight', async () => {
    const first = await start(50, { OTEL_TRACES_EXPORTER: 'none' });
    const api = first.apiUrl;
    const runs = Array.from({ length: 50 }, (_, i) => `load-${i}`);
    await Promise.all(runs.map((id) => ok(post(api, '/v1/runs', { workflow: 'load', runId: id, phases: [{ name: 'never' }], time: T0 }))));

    // Event keys acknowledged with a 2xx, per run: heartbeats (by time) and phase starts/finishes.
    const acked = new Set<string>();
    const heartbeats = new Map<string, number>();
    const unexpected: string[] = [];
    let inFlight = 0;
    const worker = async (id: string): Promise<void> => {
      for (let k = 1; ; k++) {
        const ms = T0 + k * 1000;
        let path: string;
        let body: unknown;
        let keys: string[];
        if (k % 3 === 0) {
          path = `/v1/runs/${id}/heartbeat`;
          body = { done: k, total: 1_000_000, time: ms };
          keys = [`${id} heartbeat ${ms}`];
        } else if (k % 3 === 1) {
          path = `/v1/runs/${id}/phases/p${k}/start`;
          body = { time: ms };
          keys = [`${id} phase.start p${k} ${ms}`];
        } else {
          path = '/v1/events';
          body = {
            events: [
              { type: 'heartbeat', runId: id, progress: (k % 100) / 100, time: ms },
              { type: 'phase.finish', runId: id, phase: `p${k - 1}`, result: 'success', time: ms },
              { type: 'heartbeat', runId: id, message: `k=${k}`, time: ms + 1 },
            ],
          };
          keys = [`${id} heartbeat ${ms}`, `${id} phase.finish p${k - 1} ${ms}`, `${id} heartbeat ${ms + 1}`];
        }
        inFlight++;
        let status: number;
        let answer: { rejected?: { index: number }[] };
        try {
          const res = await fetch(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          status = res.status;
          answer = (await res.json()) as typeof answer;
        } catch {
          return; // the sidecar is gone
        } finally {
          inFlight--;
        }
        if (status >= 300) {
          unexpected.push(`${path} → ${status} ${JSON.stringify(answer)}`);
          return;
        }
        const refused = new Set((answer.rejected ?? []).map((r) => r.index));
        keys.forEach((k2, i) => {
          if (refused.has(i)) return;
          acked.add(k2);
          if (k2.includes(' heartbeat ')) heartbeats.set(id, (heartbeats.get(id) ?? 0) + 1);
        });
      }
    };
    const workers = runs.map(worker);
    const deadline = Date.now() + 4000;
    while (acked.size < 1500 && Date.now() < deadline) await sleep(10);
    const inFlightAtKill = inFlight;
    await kill(first);
    await Promise.race([Promise.all(workers), sleep(10_000).then(() => Promise.reject(new Error('workers did not stop within 10 s of the kill')))]);
    expect(unexpected).toEqual([]);
    expect(inFlightAtKill, 'the kill should land while requests are in flight').toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThan(100);

    // Every acknowledged event is in the log on disk, as the killed process left it.
    const logged = new Set<string>();
    for (const row of readStore().events) {
      const e = JSON.parse(row.body) as { type: string; runId: string; phase?: string; timeMs: number };
      logged.add(e.type === 'heartbeat' ? `${e.runId} heartbeat ${e.timeMs}` : `${e.runId} ${e.type}${e.phase ? ` ${e.phase}` : ''} ${e.timeMs}`);
    }
    const lost = [...acked].filter((k) => !logged.has(k));
    expect(lost, `${lost.length} of ${acked.size} acknowledged events are not in the log`).toEqual([]);

    // And the restarted sidecar shows them.
    const second = await start(50, { OTEL_TRACES_EXPORTER: 'none' });
    const samples = await scrape(second);
    const activeLoad = ['pending', 'executing', 'finalizing'].reduce(
      (sum, state) => sum + (value(samples, 'cicd_pipeline_run_active', { cicd_pipeline_name: 'load', cicd_pipeline_run_state: state }) ?? 0),
      0,
    );
    expect(activeLoad).toBe(runs.length);
    for (const id of runs) {
      const { status, body: view } = await getRun(second.apiUrl, id);
      expect(status).toBe(200);
      expect(view.heartbeat.count, `${id} heartbeats`).toBeGreaterThanOrEqual(heartbeats.get(id) ?? 0);
      const starts = new Set<string>();
      const finishes = new Set<string>();
      for (const p of view.phases as { name: string; attempts: { startTime: string; endTime: string | null }[] }[]) {
        for (const a of p.attempts) {
          starts.add(`${id} phase.start ${p.name} ${Date.parse(a.startTime)}`);
          if (a.endTime) finishes.add(`${id} phase.finish ${p.name} ${Date.parse(a.endTime)}`);
        }
      }
      for (const k of acked) {
        if (!k.startsWith(`${id} phase.`)) continue;
        expect(k.includes('phase.start') ? starts.has(k) : finishes.has(k), `${k} after the restart`).toBe(true);
      }
    }
  }, 60_000);
});
