/**
 * Runwarden demo workload: a few workflows that run the way real ones do (phases of uneven length,
 * steps, heartbeats with progress, failures with error types, retries, a cancelled run now and then,
 * a run that gets stuck, pool reports with a queue that comes and goes, and a stray runner whose
 * calls the sidecar refuses), driven against a sidecar's ingest API so that every dashboard panel
 * and alert of the compose stack has data within a minute of `docker compose up`: the first two
 * runs of every workflow are scripted (a failure, a success, a retry), the rest is left to the dice. The
 * dashboard proof (test/dashboards/prometheus.test.ts) runs this very file against a real sidecar
 * and a real Prometheus.
 * It also listens for Alertmanager webhooks (the compose stack's "chat" and "pager" receivers) and
 * logs each notification, so alert delivery is visible with `docker compose logs -f demo`.
 *
 * Standalone on purpose: node: builtins and the global fetch only, run by Node 24's type stripping
 * (`node deploy/demo/demo.ts`), so any node:24 image runs it as it is.
 *
 * Environment: RUNWARDEN_URL (http://runwarden:7171), RUNWARDEN_TOKEN (optional bearer token),
 * DEMO_LISTEN (port of the webhook sink, 8080), DEMO_TIME_SCALE (1 = real time; 10 = ten times
 * faster: durations, budgets and heartbeat intervals all shrink together).
 */
import { createServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** PhasePlan is one phase of a demo workflow: its budget and how long and how reliably it runs. */
export interface PhasePlan {
  name: string;
  budgetSeconds: number;
  /** Typical duration in seconds; each attempt takes 0.5x..1.5x of it, now and then 2x (over budget). */
  seconds: number;
  /** Probability that an attempt fails. */
  failure: number;
  /** Error types a failure picks from (low cardinality, as `error.type` must be). */
  errors: string[];
  steps?: string[];
}

/** WorkflowPlan is one demo workflow: its phases and how often a run starts. */
export interface WorkflowPlan {
  workflow: string;
  attributes: Record<string, string>;
  phases: PhasePlan[];
  /** A new run every this many seconds, at most `maxActive` at once. */
  everySeconds: number;
  maxActive: number;
  heartbeatSeconds: number;
}

/** WORKFLOWS are the demo's workflows: a batch ETL, a CI pipeline and an agent task. */
export const WORKFLOWS: WorkflowPlan[] = [
  {
    workflow: 'nightly-etl',
    attributes: { team: 'data' },
    everySeconds: 20,
    maxActive: 2,
    heartbeatSeconds: 5,
    phases: [
      { name: 'extract', budgetSeconds: 30, seconds: 10, failure: 0.15, errors: ['http_503', 'timeout'] },
      { name: 'transform', budgetSeconds: 40, seconds: 15, failure: 0.05, errors: ['schema_mismatch'], steps: ['clean', 'join', 'aggregate'] },
      { name: 'load', budgetSeconds: 20, seconds: 6, failure: 0.05, errors: ['deadlock'] },
    ],
  },
  {
    workflow: 'ci-build',
    attributes: { team: 'platform', 'vcs.repository.name': 'shop' },
    everySeconds: 12,
    maxActive: 3,
    heartbeatSeconds: 5,
    phases: [
      { name: 'checkout', budgetSeconds: 10, seconds: 2, failure: 0.02, errors: ['git_error'] },
      { name: 'build', budgetSeconds: 40, seconds: 12, failure: 0.1, errors: ['compile_error'] },
      { name: 'test', budgetSeconds: 60, seconds: 18, failure: 0.2, errors: ['test_failure', 'flaky_test'], steps: ['unit', 'integration'] },
      { name: 'publish', budgetSeconds: 15, seconds: 4, failure: 0.03, errors: ['registry_unavailable'] },
    ],
  },
  {
    // The phase names of the bundled rules' default budgets (init, planning, implementation, ...).
    workflow: 'agent-task',
    attributes: { team: 'ai' },
    everySeconds: 25,
    maxActive: 3,
    heartbeatSeconds: 5,
    phases: [
      { name: 'init', budgetSeconds: 45, seconds: 3, failure: 0.02, errors: ['config_error'] },
      { name: 'planning', budgetSeconds: 300, seconds: 10, failure: 0.05, errors: ['model_overloaded'] },
      { name: 'implementation', budgetSeconds: 1800, seconds: 20, failure: 0.15, errors: ['tool_error', 'model_overloaded'] },
      { name: 'testing', budgetSeconds: 1800, seconds: 12, failure: 0.2, errors: ['test_failure'] },
      { name: 'validation', budgetSeconds: 600, seconds: 5, failure: 0.05, errors: ['validation_failed'] },
    ],
  },
];

/** AttemptPlan is one attempt at a phase: how long it takes (demo seconds) and the error type it fails with, if it fails. */
export interface AttemptPlan {
  seconds: number;
  error?: string;
}

/** RunPlan is everything a run will do, decided when it starts: queue wait, attempts per phase, result. */
export interface RunPlan {
  /** Demo seconds spent `pending` before the first phase starts. */
  pendingSeconds: number;
  /** The phases the run reaches, in order, each with its attempts (the first, then the retries). */
  phases: { phase: PhasePlan; attempts: AttemptPlan[] }[];
  result: 'success' | 'failure' | 'cancellation';
  /** The error type of a failed run: its last failed attempt's. */
  error?: string;
}

/** BACKLOG_SECONDS is the pause between the first runs of a workflow, which start from a backlog. */
export const BACKLOG_SECONDS = 3;

/** MAX_ATTEMPTS is how often a phase runs before the run fails: the first attempt and two retries. */
export const MAX_ATTEMPTS = 3;

/**
 * planRun plans run `n` (1, 2, ...) of `plan`. Each attempt takes 0.5x..1.5x of the phase's
 * typical duration, one in ten 2.2x (still within budget: only the stuck run overruns), and fails
 * with the phase's probability; a failed phase is retried up to twice; one run in a hundred is
 * cancelled. The first three runs of every workflow are scripted so that every outcome is on the
 * dashboards within a minute, whatever the dice say: run 1 fails in its least reliable phase after
 * two retries, run 2 succeeds at once, run 3 needs one retry there and succeeds. They take the
 * typical durations, so runs 2 and 3 finish a retry's length apart: two successes in separate
 * scrapes, which is what Prometheus's increase() needs to show a number. MUST be pure: the same
 * `random` sequence gives the same plan.
 */
export function planRun(plan: WorkflowPlan, n: number, random: () => number): RunPlan {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const scripted = n <= 3;
  const duration = (p: PhasePlan): number => (scripted ? p.seconds : p.seconds * (random() < 0.1 ? 2.2 : 0.5 + random()));
  // The least reliable phase is where the scripted failure and retry happen, as they would.
  const weakest = plan.phases.reduce((a, b) => (b.failure > a.failure ? b : a), plan.phases[0] as PhasePlan);
  const scriptedFailures = n === 1 ? MAX_ATTEMPTS : n === 3 ? 1 : 0;
  const run: RunPlan = { pendingSeconds: scripted ? 2 : 1 + random() * 3, phases: [], result: 'success' };
  for (const phase of plan.phases) {
    if (!scripted && random() < 0.01) {
      run.result = 'cancellation';
      return run;
    }
    const attempts: AttemptPlan[] = [];
    for (let a = 1; a <= MAX_ATTEMPTS; a++) {
      const fails = scripted ? phase === weakest && a <= scriptedFailures : random() < phase.failure;
      const seconds = duration(phase);
      attempts.push(fails ? { seconds, error: pick(phase.errors) } : { seconds });
      if (!fails) break;
    }
    run.phases.push({ phase, attempts });
    const last = attempts.at(-1) as AttemptPlan;
    if (last.error !== undefined) {
      run.result = 'failure';
      run.error = last.error;
      return run;
    }
  }
  return run;
}

/** PoolReport is the body of `POST /v1/pool`. */
export interface PoolReport {
  capacity: number;
  busy: number;
  queued: number;
  oldestQueuedSeconds?: number;
}

/**
 * poolReport is the runner pool's report number `n` (0, 1, ...) with `activeRuns` runs going:
 * as many workers busy as runs are active, and a queue that builds up every third report (the
 * first one included: a runner starts with a backlog) and drains again. MUST be pure.
 */
export function poolReport(n: number, activeRuns: number, capacity = 8): PoolReport {
  const busy = Math.min(capacity, activeRuns);
  if (n % 3 !== 0) return { capacity, busy, queued: 0 };
  return { capacity, busy, queued: 1 + (n % 4), oldestQueuedSeconds: 15 + (n % 5) * 12 };
}

/** DemoOptions configure startDemo; every field has the default the compose stack uses. */
export interface DemoOptions {
  url?: string;
  token?: string;
  /** The workflows to run; default WORKFLOWS. */
  workflows?: WorkflowPlan[];
  /** Port of the webhook sink; 0 picks one. */
  listenPort?: number;
  listenHost?: string;
  timeScale?: number;
  /** A stuck run lasts this long (demo seconds) before it is finished as `timeout` and another starts. */
  stuckSeconds?: number;
  random?: () => number;
  log?: (line: string) => void;
}

/**
 * DemoStats count what the demo did. `refused` are the calls the stray runner makes on purpose
 * and the sidecar refuses as it should; `apiErrors` are every other failed call (0 when healthy).
 */
export interface DemoStats {
  started: number;
  finished: Record<string, number>;
  retries: number;
  notifications: number;
  refused: number;
  apiErrors: number;
}

/** Demo is a running demo: its webhook sink's address, what it did so far, and stop. */
export interface Demo {
  sinkUrl: string;
  stats: DemoStats;
  stop(): Promise<void>;
}

/** startDemo starts the workflows, the stuck run, the pool reports, the stray runner and the webhook sink. */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const url = (options.url ?? 'http://runwarden:7171').replace(/\/$/, '');
  const scale = options.timeScale ?? 1;
  const random = options.random ?? Math.random;
  const log = options.log ?? ((line: string) => console.log(line));
  const stuckSeconds = options.stuckSeconds ?? 900;
  const controller = new AbortController();
  const { signal } = controller;
  const stats: DemoStats = { started: 0, finished: {}, retries: 0, notifications: 0, refused: 0, apiErrors: 0 };
  const active = new Map<string, number>();
  // Unique across restarts of the demo: the sidecar keeps runs, and a reused id would conflict.
  const prefix = Date.now().toString(36);
  let seq = 0;

  // Ends early, without an error, on stop; the timer's abort listener goes when it fires.
  const sleep = (demoSeconds: number): Promise<void> => delay((demoSeconds * 1000) / scale, undefined, { signal }).catch(() => {});

  // post answers whether the call succeeded; `refusal` is the status of a call meant to be refused.
  async function post(path: string, body: unknown = {}, refusal?: number): Promise<boolean> {
    if (signal.aborted) return false;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    try {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal });
      const text = await res.text();
      if (res.ok && refusal === undefined) return true;
      if (res.status === refusal) {
        stats.refused++;
        return false;
      }
      stats.apiErrors++;
      log(`demo: POST ${path}: ${res.status} ${text.slice(0, 200)}`);
    } catch (err) {
      if (signal.aborted) return false;
      stats.apiErrors++;
      log(`demo: POST ${path}: ${(err as Error).message}`);
    }
    return false;
  }

  // runAttempt runs one attempt at a phase, heartbeating as it goes; answers whether it got to the end.
  async function runAttempt(runId: string, plan: WorkflowPlan, phase: PhasePlan, attempt: AttemptPlan, progress: { done: number; total: number }): Promise<boolean> {
    const base = `/v1/runs/${encodeURIComponent(runId)}`;
    const phasePath = `${base}/phases/${encodeURIComponent(phase.name)}`;
    if (!(await post(`${phasePath}/start`))) return false;
    const steps = phase.steps ?? [];
    const slices = Math.max(steps.length, Math.ceil(attempt.seconds / plan.heartbeatSeconds));
    // A retry or a long attempt is more work than planned: the total grows, as real progress does.
    progress.total = Math.max(progress.total, progress.done + slices);
    // A runner reports as it starts a phase, so a queue wait or a retry's pause never looks like silence.
    await post(`${base}/heartbeat`, { done: progress.done, total: progress.total, message: `${phase.name} started` });
    for (let i = 0; i < slices && !signal.aborted; i++) {
      const step = steps[Math.floor((i * steps.length) / slices)];
      const firstOfStep = step !== undefined && (i === 0 || steps[Math.floor(((i - 1) * steps.length) / slices)] !== step);
      if (firstOfStep) await post(`${phasePath}/steps/${encodeURIComponent(step)}/start`);
      await sleep(attempt.seconds / slices);
      progress.done++;
      await post(`${base}/heartbeat`, { done: progress.done, total: progress.total, message: `${phase.name}${step ? `/${step}` : ''}` });
      const lastOfStep = step !== undefined && steps[Math.floor(((i + 1) * steps.length) / slices)] !== step;
      if (lastOfStep) await post(`${phasePath}/steps/${encodeURIComponent(step)}/finish`, { result: 'success' });
    }
    if (signal.aborted) return false;
    const { error } = attempt;
    return post(`${phasePath}/finish`, error ? { result: 'failure', error: { type: error, message: `${phase.name} failed: ${error}` } } : { result: 'success' });
  }

  async function runOnce(plan: WorkflowPlan, n: number): Promise<void> {
    const runId = `${plan.workflow}-${prefix}-${++seq}`;
    const run = planRun(plan, n, random);
    const base = `/v1/runs/${encodeURIComponent(runId)}`;
    const s = (x: number) => x / scale;
    const started = await post('/v1/runs', {
      workflow: plan.workflow,
      runId,
      attributes: plan.attributes,
      phases: plan.phases.map((p) => ({ name: p.name, budgetSeconds: s(p.budgetSeconds) })),
      heartbeatIntervalSeconds: s(plan.heartbeatSeconds),
    });
    if (!started) return;
    stats.started++;
    // Queue wait before the first phase: the "pending" state of the run.
    await sleep(run.pendingSeconds);
    const progress = { done: 0, total: plan.phases.reduce((t, p) => t + Math.ceil(p.seconds / plan.heartbeatSeconds), 0) };
    for (const { phase, attempts } of run.phases) {
      for (const [i, attempt] of attempts.entries()) {
        if (i > 0) {
          // A failed phase is retried, as a runner with retries would, after a short pause.
          stats.retries++;
          await post(`${base}/retries`, { phase: phase.name, attempt: i + 1, reason: attempts[i - 1]?.error });
          await sleep(1);
        }
        if (!(await runAttempt(runId, plan, phase, attempt, progress))) return;
      }
    }
    const { result, error } = run;
    await post(`${base}/finish`, error ? { result, error: { type: error, message: `run failed: ${error}` } } : { result });
    stats.finished[result] = (stats.finished[result] ?? 0) + 1;
  }

  // After `docker compose up` the runner works through a backlog: the first `maxActive` runs of a
  // workflow start a few seconds apart, so that each workflow has finished two runs alike (what
  // Prometheus's increase() and rate() need to show a number) within the first minute.
  async function schedule(plan: WorkflowPlan, offset: number): Promise<void> {
    await sleep(offset);
    let n = 0;
    while (!signal.aborted) {
      if ((active.get(plan.workflow) ?? 0) < plan.maxActive) {
        active.set(plan.workflow, (active.get(plan.workflow) ?? 0) + 1);
        void runOnce(plan, ++n).finally(() => active.set(plan.workflow, (active.get(plan.workflow) ?? 1) - 1));
      }
      await sleep(n < plan.maxActive ? BACKLOG_SECONDS : plan.everySeconds * (0.7 + random() * 0.6));
    }
  }

  // A run that hangs in `implementation`: a few heartbeats, then silence, until it is given up.
  async function stuckRuns(): Promise<void> {
    while (!signal.aborted) {
      const runId = `agent-task-stuck-${prefix}-${++seq}`;
      const ok = await post('/v1/runs', {
        workflow: 'agent-task',
        runId,
        attributes: { team: 'ai', demo: 'stuck' },
        phases: [{ name: 'init', budgetSeconds: 45 / scale }, { name: 'implementation', budgetSeconds: 60 / scale }],
        heartbeatIntervalSeconds: 5 / scale,
      });
      if (!ok) {
        await sleep(5);
        continue;
      }
      stats.started++;
      const base = `/v1/runs/${encodeURIComponent(runId)}`;
      await post(`${base}/phases/init/start`);
      await post(`${base}/phases/init/finish`, { result: 'success' });
      await post(`${base}/phases/implementation/start`);
      for (let i = 1; i <= 3 && !signal.aborted; i++) {
        await post(`${base}/heartbeat`, { done: i, total: 20, message: 'waiting for tool call' });
        await sleep(5);
      }
      await sleep(stuckSeconds);
      if (signal.aborted) return;
      await post(`${base}/phases/implementation/finish`, { result: 'timeout', error: { type: 'stuck', message: 'no heartbeat' } });
      await post(`${base}/finish`, { result: 'timeout', error: { type: 'stuck', message: 'given up after no heartbeat' } });
      stats.finished.timeout = (stats.finished.timeout ?? 0) + 1;
    }
  }

  // The runner's worker pool, reported every 10 s.
  async function pool(): Promise<void> {
    for (let n = 0; !signal.aborted; n++) {
      await post('/v1/pool', poolReport(n, [...active.values()].reduce((a, b) => a + b, 1)));
      await sleep(10);
    }
  }

  // A second runner with bugs of its own, as fleets have: one still on an old client that sends
  // `percent` instead of `progress`, and heartbeats for a run the sidecar never saw (that runner
  // lost its state in a restart). The sidecar refuses both, and counts them by reason.
  async function strayRunner(): Promise<void> {
    const lost = `/v1/runs/ci-build-${prefix}-lost/heartbeat`;
    const old = `/v1/runs/ci-build-${prefix}-old-client/heartbeat`;
    for (let n = 0; !signal.aborted; n++) {
      if (n % 2 === 0) await post(lost, { progress: 0.5, message: 'build' }, 404);
      else await post(old, { percent: 50 }, 400);
      await sleep(15);
    }
  }

  const sink = await startSink(options.listenHost ?? '0.0.0.0', options.listenPort ?? 8080, (receiver, body) => {
    stats.notifications++;
    const alerts = Array.isArray(body.alerts) ? (body.alerts as { labels?: Record<string, string> }[]) : [];
    const names = [...new Set(alerts.map((a) => a.labels?.alertname ?? '?'))].join(', ');
    log(`demo: notification to ${receiver}: ${String(body.status)} ${names} (${alerts.length} alert${alerts.length === 1 ? '' : 's'})`);
  });

  const loops = (options.workflows ?? WORKFLOWS).map((w, i) => schedule(w, i * 2));
  const background = Promise.all([...loops, stuckRuns(), pool(), strayRunner()]);
  const address = sink.address() as AddressInfo;
  log(`demo: driving ${url} at ${scale}x, webhook sink on port ${address.port}`);

  return {
    sinkUrl: `http://127.0.0.1:${address.port}`,
    stats,
    async stop() {
      controller.abort();
      await background;
      await new Promise<void>((resolve) => sink.close(() => resolve()));
    },
  };
}

// startSink answers GET /healthz and takes Alertmanager webhook POSTs on /notifications/{receiver}.
function startSink(host: string, port: number, onNotification: (receiver: string, body: Record<string, unknown>) => void): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    const m = /^\/notifications\/([\w-]+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) {
      res.writeHead(404).end();
      return;
    }
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.length > 1 << 20) req.destroy();
    });
    req.on('end', () => {
      try {
        onNotification(m[1]!, JSON.parse(text) as Record<string, unknown>);
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end('body must be JSON\n');
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (import.meta.main) {
  const env = process.env;
  const demo = await startDemo({
    url: env.RUNWARDEN_URL || undefined,
    token: env.RUNWARDEN_TOKEN || undefined,
    listenPort: env.DEMO_LISTEN ? Number(env.DEMO_LISTEN) : undefined,
    timeScale: env.DEMO_TIME_SCALE ? Number(env.DEMO_TIME_SCALE) : undefined,
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void demo.stop().then(() => process.exit(0)));
}
