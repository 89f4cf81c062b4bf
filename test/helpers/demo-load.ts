/**
 * A scripted demo load for a real sidecar: finished runs of three workflows with realistic
 * durations (their events carry back-dated times, so a run of twelve minutes takes one request
 * burst), runs that fail with an error type, phases that fail and are retried, live runs that
 * heartbeat and move through their phases, one stuck run (over its phase budget, heartbeats
 * stopped), pool reports and a few refused requests. It feeds every series the dashboards read.
 *
 * The planning is pure (`planFinishedRun`, `DEMO_WORKFLOWS`); `runDemoLoad` is the I/O edge. The
 * dashboard proof (test/dashboards/prometheus.test.ts) drives it, and the compose demo generator
 * (deploy/demo/) can reuse it as it is.
 */

/** DemoPhase is a phase of a demo workflow: its budget and its typical duration, in seconds. */
export interface DemoPhase {
  name: string;
  budgetSeconds: number;
  typicalSeconds: number;
}

/** DemoWorkflow is a workflow the demo runs, with the error types its failures carry. */
export interface DemoWorkflow {
  name: string;
  phases: readonly DemoPhase[];
  errorTypes: readonly string[];
}

/** DEMO_WORKFLOWS are the workflows of the demo; `nightly-etl` also holds the stuck run. */
export const DEMO_WORKFLOWS: readonly DemoWorkflow[] = [
  {
    name: 'nightly-etl',
    phases: [
      { name: 'extract', budgetSeconds: 600, typicalSeconds: 240 },
      { name: 'transform', budgetSeconds: 900, typicalSeconds: 420 },
      { name: 'load', budgetSeconds: 300, typicalSeconds: 120 },
    ],
    errorTypes: ['http_503', 'schema_mismatch'],
  },
  {
    name: 'deploy-api',
    phases: [
      { name: 'build', budgetSeconds: 300, typicalSeconds: 90 },
      { name: 'test', budgetSeconds: 600, typicalSeconds: 200 },
      { name: 'deploy', budgetSeconds: 180, typicalSeconds: 45 },
    ],
    errorTypes: ['compile', 'test_failure'],
  },
  {
    name: 'agent-refactor',
    phases: [
      { name: 'planning', budgetSeconds: 300, typicalSeconds: 100 },
      { name: 'implementation', budgetSeconds: 1800, typicalSeconds: 700 },
      { name: 'testing', budgetSeconds: 1800, typicalSeconds: 500 },
    ],
    errorTypes: ['tool_error', 'context_overflow'],
  },
];

/** DemoCall is one API call of the plan: POST `path` with `body`. */
export interface DemoCall {
  path: string;
  body: Record<string, unknown>;
}

/** DemoOutcome is how a planned run ends: success, success after a retried phase, or failure. */
export type DemoOutcome = 'success' | 'retried' | 'failure' | 'timeout';

/** outcomeOf spreads outcomes over run numbers: mostly success, some retries, some failures. */
export function outcomeOf(seq: number): DemoOutcome {
  const outcomes: readonly DemoOutcome[] = ['success', 'retried', 'success', 'failure', 'success', 'retried', 'timeout', 'success'];
  return outcomes[seq % outcomes.length] as DemoOutcome;
}

/** jitter is a deterministic factor in [0.5, 1.5) for run `seq` and phase `i` (no Math.random: plans repeat). */
function jitter(seq: number, i: number): number {
  const x = Math.sin(seq * 12.9898 + i * 78.233) * 43758.5453;
  return 0.5 + (x - Math.floor(x));
}

/**
 * planFinishedRun plans the calls of run `seq` of `wf`, ending at `endMs`, with every time
 * back-dated so the run has realistic durations; `tag` keeps run ids apart across demo sessions. MUST be pure: the same arguments give the same plan.
 */
export function planFinishedRun(wf: DemoWorkflow, seq: number, endMs: number, tag = ''): DemoCall[] {
  const runId = `${wf.name}-${tag}${seq}`;
  const outcome = outcomeOf(seq);
  const failAt = seq % wf.phases.length;
  const errorType = wf.errorTypes[seq % wf.errorTypes.length] as string;
  // Lay the timeline out forwards from a start chosen so that it ends at endMs.
  const pending = 5 + 10 * jitter(seq, 99);
  const durations = wf.phases.map((p, i) => p.typicalSeconds * jitter(seq, i));
  const total = pending + durations.reduce((a, b) => a + b, 0) * (outcome === 'retried' ? 1.5 : 1) + 2;
  let t = endMs - total * 1000;
  const at = (): number => Math.round(t);
  const base = `/v1/runs/${runId}`;
  const calls: DemoCall[] = [
    {
      path: '/v1/runs',
      body: {
        workflow: wf.name,
        runId,
        phases: wf.phases.map((p) => ({ name: p.name, budgetSeconds: p.budgetSeconds })),
        heartbeatIntervalSeconds: 30,
        attributes: { 'demo.seq': String(seq) },
        time: at(),
      },
    },
  ];
  t += pending * 1000;
  for (const [i, phase] of wf.phases.entries()) {
    const d = (durations[i] as number) * 1000;
    const path = `${base}/phases/${phase.name}`;
    calls.push({ path: `${path}/start`, body: { time: at() } });
    calls.push({ path: `${base}/heartbeat`, body: { progress: (i + 0.5) / wf.phases.length, message: phase.name, time: Math.round(t + d / 2) } });
    if (outcome === 'retried' && i === failAt) {
      t += d / 2;
      calls.push({ path: `${path}/finish`, body: { result: 'failure', error: { type: errorType, message: 'transient' }, time: at() } });
      calls.push({ path: `${base}/retries`, body: { phase: phase.name, attempt: 2, reason: errorType, time: at() } });
      calls.push({ path: `${path}/start`, body: { time: at() } });
    }
    t += d;
    if ((outcome === 'failure' || outcome === 'timeout') && i === failAt) {
      const error = outcome === 'failure' ? { type: errorType, message: `${phase.name} failed` } : undefined;
      calls.push({ path: `${path}/finish`, body: { result: outcome, ...(error ? { error } : {}), time: at() } });
      calls.push({ path: `${base}/finish`, body: { result: outcome, ...(error ? { error } : {}), time: at() } });
      return calls;
    }
    calls.push({ path: `${path}/finish`, body: { result: 'success', time: at() } });
  }
  t += 1000;
  calls.push({ path: `${base}/finish`, body: { result: 'success', time: Math.min(at(), endMs) } });
  return calls;
}

/** DemoLoadOptions configure runDemoLoad. */
export interface DemoLoadOptions {
  /** apiUrl is the sidecar's ingest API, e.g. http://127.0.0.1:7171. */
  apiUrl: string;
  /** token is the API token, when the sidecar has one. */
  token?: string;
  /** durationMs is how long to run; the load stops at the first tick past it or on `signal`. */
  durationMs: number;
  /** tickMs is the pause between ticks (1 s by default). */
  tickMs?: number;
  /** ticksPerPhase is how many ticks a live run stays in each phase (8 by default). */
  ticksPerPhase?: number;
  signal?: AbortSignal;
  /** now is the clock the plans are dated by (Date.now by default; it must be the sidecar's clock). */
  now?: () => number;
}

/** DemoLoadStats count what runDemoLoad sent, and any call the sidecar refused unexpectedly. */
export interface DemoLoadStats {
  calls: number;
  finishedRuns: number;
  ticks: number;
  unexpected: string[];
}

interface LiveRun {
  wf: DemoWorkflow;
  runId: string;
  phase: number;
  ticks: number;
}

/**
 * runDemoLoad drives the sidecar at `apiUrl` for `durationMs`. At once: one stuck run (nightly-etl,
 * phase `transform` started 20 minutes ago against a 900 s budget, heartbeat interval 10 s, silent
 * since) and one live run per workflow. Each tick: one finished run per workflow, a heartbeat with
 * progress for each live run (which moves to its next phase every `ticksPerPhase` ticks and is
 * replaced when done), a pool report, and two refused calls (an unknown run, a bad body).
 */
export async function runDemoLoad(options: DemoLoadOptions): Promise<DemoLoadStats> {
  const now = options.now ?? Date.now;
  const tickMs = options.tickMs ?? 1000;
  const ticksPerPhase = options.ticksPerPhase ?? 8;
  const stats: DemoLoadStats = { calls: 0, finishedRuns: 0, ticks: 0, unexpected: [] };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const send = async (call: DemoCall, expect: (status: number) => boolean = (s) => s < 300): Promise<void> => {
    stats.calls++;
    const res = await fetch(`${options.apiUrl}${call.path}`, { method: 'POST', headers, body: JSON.stringify(call.body) });
    const text = await res.text();
    if (!expect(res.status)) stats.unexpected.push(`${call.path} → ${res.status} ${text}`);
  };
  const t0 = now();
  const tag = Math.floor(t0 / 1000).toString(36);
  let seq = 0;
  let liveSeq = 0;

  // The stuck run: over its budget and silent, so the budget and heartbeat alerts fire.
  const etl = DEMO_WORKFLOWS[0] as DemoWorkflow;
  const stuck = `${etl.name}-stuck-${tag}`;
  const phases = etl.phases.map((p) => ({ name: p.name, budgetSeconds: p.budgetSeconds }));
  await send({ path: '/v1/runs', body: { workflow: etl.name, runId: stuck, phases, heartbeatIntervalSeconds: 10, time: t0 - 1_800_000 } });
  await send({ path: `/v1/runs/${stuck}/phases/extract/start`, body: { time: t0 - 1_700_000 } });
  await send({ path: `/v1/runs/${stuck}/phases/extract/finish`, body: { result: 'success', time: t0 - 1_250_000 } });
  await send({ path: `/v1/runs/${stuck}/phases/transform/start`, body: { time: t0 - 1_200_000 } });
  await send({ path: `/v1/runs/${stuck}/heartbeat`, body: { progress: 0.4, message: 'joining partitions', time: t0 - 1_100_000 } });

  const startLive = async (wf: DemoWorkflow): Promise<LiveRun> => {
    const run: LiveRun = { wf, runId: `${wf.name}-live-${tag}-${liveSeq++}`, phase: 0, ticks: 0 };
    const budgets = wf.phases.map((p) => ({ name: p.name, budgetSeconds: p.budgetSeconds }));
    const t = now();
    await send({ path: '/v1/runs', body: { workflow: wf.name, runId: run.runId, phases: budgets, heartbeatIntervalSeconds: 15, time: t - 30_000 } });
    // Back-dated so that the phase has used a visible part of its budget already.
    await send({ path: `/v1/runs/${run.runId}/phases/${wf.phases[0]?.name}/start`, body: { time: t - 20_000 - (wf.phases[0]?.typicalSeconds ?? 0) * 500 } });
    return run;
  };
  let live = await Promise.all(DEMO_WORKFLOWS.map(startLive));

  while (now() - t0 < options.durationMs && !options.signal?.aborted) {
    const tickStart = now();
    stats.ticks++;
    for (const wf of DEMO_WORKFLOWS) {
      for (const call of planFinishedRun(wf, seq, now(), `${tag}-`)) await send(call);
      seq++;
      stats.finishedRuns++;
    }
    live = await Promise.all(live.map((run) => advanceLive(run, ticksPerPhase, send, startLive)));
    const busy = 3 + (stats.ticks % 3);
    await send({ path: '/v1/pool', body: { capacity: 6, busy, queued: stats.ticks % 4, oldestQueuedSeconds: (stats.ticks % 4) * 7 } });
    // Refused on purpose, so "rejected events by reason" has something to show.
    await send({ path: '/v1/runs/no-such-run/heartbeat', body: {} }, (s) => s === 404);
    await send({ path: '/v1/runs', body: { workflow: 42 } }, (s) => s === 400);
    const rest = tickMs - (now() - tickStart);
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  }
  return stats;
}

/** advanceLive heartbeats a live run, moves it to its next phase when due, and replaces it when done. */
async function advanceLive(
  run: LiveRun,
  ticksPerPhase: number,
  send: (call: DemoCall) => Promise<void>,
  startLive: (wf: DemoWorkflow) => Promise<LiveRun>,
): Promise<LiveRun> {
  const { wf, runId } = run;
  run.ticks++;
  const n = wf.phases.length;
  const progress = Math.min(1, (run.phase + run.ticks / ticksPerPhase) / n);
  const phase = wf.phases[run.phase] as DemoPhase;
  await send({ path: `/v1/runs/${runId}/heartbeat`, body: { progress, message: `${phase.name} ${Math.round(progress * 100)}%` } });
  if (run.ticks < ticksPerPhase) return run;
  await send({ path: `/v1/runs/${runId}/phases/${phase.name}/finish`, body: { result: 'success' } });
  run.ticks = 0;
  run.phase++;
  const next = wf.phases[run.phase];
  if (next) {
    await send({ path: `/v1/runs/${runId}/phases/${next.name}/start`, body: {} });
    return run;
  }
  await send({ path: `/v1/runs/${runId}/finish`, body: { result: 'success' } });
  return startLive(wf);
}
