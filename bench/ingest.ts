import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cannon, cpuSeconds, fmt, freePort, revision, saveSection, start, stop, waitFor, writtenBytes } from './harness.ts';
import type { CannonRequest } from './harness.ts';

/**
 * The ingest benchmark (`npm run bench:ingest`): the sidecar's ingest API against a bare
 * `node:http` server that only parses the JSON body (bench/bare-server.ts), both as child
 * processes on 127.0.0.1, loaded by autocannon with the same requests and connections. It writes
 * the ratio down (STYLE.md §15) as a dated section of bench/RESULTS.md and checks the sidecar
 * answered every call with 2xx and counted every event on /metrics.
 *
 * Issue targets: single-event calls at ≥ 50% of the bare server's rate; batches of
 * `/v1/events` at ≥ 200,000 events/s on one core. With `taskset` present, both servers are pinned
 * to CPU 1 and this process (the autocannon client) to CPU 0, so "one core" is literal and the
 * client does not steal the server's core; `--no-pin` lets the kernel schedule freely.
 *
 * Flags: --duration S (10) --warmup S (3) --connections N (32) --runs N (300)
 * --only ID[,ID] (single-p1, single-p10, batch-p1) --cpu-prof DIR (sidecar writes a .cpuprofile
 * there on exit) --retries N (2: re-measurements of rows disturbed by other processes) --no-pin
 * --no-write (print only).
 */

const root = fileURLToPath(new URL('..', import.meta.url));

const { values: flags } = parseArgs({
  allowNegative: true,
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    runs: { type: 'string', default: '300' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    pin: { type: 'boolean', default: true },
    write: { type: 'boolean', default: true },
    retries: { type: 'string', default: '2' },
  },
});
const DURATION_S = Number(flags.duration);
const WARMUP_S = Number(flags.warmup);
const CONNECTIONS = Number(flags.connections);
const RUNS = Number(flags.runs);
const BATCH_SIZE = 100;
const TARGET_SINGLE_RATIO = 0.5;
const TARGET_BATCH_EVENTS_PER_S = 200_000;
/** DISTURBED is the CPU (in cores) other processes may use during a row before it is measured again. */
const DISTURBED = 0.2;
let retriesLeft = Number(flags.retries);
// Read before this process pins itself to one CPU, which availableParallelism() would then report.
const CORES = availableParallelism();
const pin = flags.pin && CORES >= 2 && existsSync('/usr/bin/taskset');
const STARTED = new Date();

/** Target is one server under test, running as a child process. */
interface Target {
  name: 'bare' | 'sidecar';
  url: string;
  child: ChildProcess;
  output: () => string;
  metricsUrl?: string;
}

/** Scenario is one request mix, run against every target. */
interface Scenario {
  id: string;
  title: string;
  pipelining: number;
  eventsPerRequest: number;
  requests: CannonRequest[];
}

/** Measured is one scenario against one target. */
interface Measured {
  reqPerS: number;
  eventsPerS: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, { count: number }>;
  serverCpu: number;
  clientCpu: number;
  /** CPU the rest of the machine used meanwhile (other processes, kernel softirq not charged to ours). */
  otherCpu: number;
  /** Seconds autocannon actually ran (it stops at the first 1 s sample tick after the duration). */
  seconds: number;
  /** Bytes written to storage per event (the durable store's WAL and checkpoints). */
  writtenPerEvent: number;
  counted?: Record<string, number>;
}

const runId = (i: number) => `bench-run-${String(i).padStart(4, '0')}`;

function scenarios(): Scenario[] {
  const heartbeat = JSON.stringify({ progress: 0.5, message: 'step 3/10' });
  const single = Array.from({ length: RUNS }, (_, i) => ({ path: `/v1/runs/${runId(i)}/heartbeat`, body: heartbeat }));
  const batches = Array.from({ length: 30 }, (_, j) => {
    const events = Array.from({ length: BATCH_SIZE }, (_, i) => ({ type: 'heartbeat', runId: runId((j * 37 + i) % RUNS), progress: ((j % 10) + 1) / 10 }));
    return { path: '/v1/events', body: JSON.stringify({ events }) };
  });
  const all: Scenario[] = [
    { id: 'single-p1', title: 'single heartbeat, pipelining 1', pipelining: 1, eventsPerRequest: 1, requests: single },
    { id: 'single-p10', title: 'single heartbeat, pipelining 10', pipelining: 10, eventsPerRequest: 1, requests: single },
    { id: 'batch-p1', title: `/v1/events × ${BATCH_SIZE}, pipelining 1`, pipelining: 1, eventsPerRequest: BATCH_SIZE, requests: batches },
  ];
  const only = flags.only?.split(',');
  return only ? all.filter((s) => only.includes(s.id)) : all;
}

async function startBare(): Promise<Target> {
  const port = await freePort();
  const t = start([join(root, 'bench/bare-server.ts'), String(port)], process.env, pin);
  await waitFor('bare server', t, async () => t.output().includes('"port"'));
  return { name: 'bare', url: `http://127.0.0.1:${port}`, ...t };
}

async function startSidecar(dataDir: string): Promise<Target> {
  const [api, metrics] = [await freePort(), await freePort()];
  const prof = flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${flags['cpu-prof']}`] : [];
  const args = [...prof, join(root, 'bin/runwarden.js'), 'serve', '--listen', `127.0.0.1:${api}`, '--metrics-listen', `127.0.0.1:${metrics}`, '--data-dir', dataDir, '--log-level', 'warn'];
  const t = start(args, { ...process.env, OTEL_TRACES_EXPORTER: 'none' }, pin);
  const url = `http://127.0.0.1:${api}`;
  await waitFor('sidecar', t, async () => (await fetch(`${url}/readyz`)).status === 200);
  return { name: 'sidecar', url, metricsUrl: `http://127.0.0.1:${metrics}/metrics`, ...t };
}

async function createRuns(url: string): Promise<void> {
  for (let i = 0; i < RUNS; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, RUNS - i) }, async (_, k) => {
        const res = await fetch(`${url}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workflow: 'bench', runId: runId(i + k) }) });
        if (res.status !== 201) throw new Error(`creating ${runId(i + k)}: ${res.status} ${await res.text()}`);
      }),
    );
  }
}

/** ingestCounts sums `runwarden_ingest_events_total` by outcome. */
async function ingestCounts(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('runwarden_ingest_events_total')) continue;
    const outcome = /outcome="([^"]*)"/.exec(line)?.[1] ?? 'unknown';
    const value = Number(line.slice(line.lastIndexOf('}') + 1).trim().split(/\s+/)[0]);
    counts[outcome] = (counts[outcome] ?? 0) + value;
  }
  return counts;
}

/** machineBusySeconds reads the CPU time all processes used (busy = total − idle − iowait) from /proc/stat. */
function machineBusySeconds(): number {
  try {
    const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return (total - (f[3] as number) - (f[4] as number)) / 100;
  } catch {
    return Number.NaN;
  }
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

/**
 * measureQuietly measures, and measures once more (within the run's retry budget, which keeps the
 * whole run under 2 min) when other processes used the CPUs meanwhile; keeps the less disturbed.
 */
async function measureQuietly(t: Target, sc: Scenario): Promise<Measured> {
  let best = await measure(t, sc);
  // One more try per row at most, so one noisy row cannot spend the budget of the others.
  if (best.otherCpu > DISTURBED && retriesLeft > 0) {
    retriesLeft--;
    process.stderr.write(`(disturbed: other CPU ${fmt(best.otherCpu, 2)}, measuring again) `);
    const again = await measure(t, sc, 1);
    if (again.otherCpu < best.otherCpu) best = again;
  }
  return best;
}

async function measure(t: Target, sc: Scenario, warmupS = WARMUP_S): Promise<Measured> {
  await cannon(t.url, sc.requests, { connections: CONNECTIONS, pipelining: sc.pipelining, seconds: warmupS });
  const before = t.metricsUrl ? await ingestCounts(t.metricsUrl) : undefined;
  const cpu0 = cpuSeconds(t.child.pid);
  const written0 = writtenBytes(t.child.pid);
  const client0 = process.cpuUsage();
  const busy0 = machineBusySeconds();
  const r = await cannon(t.url, sc.requests, { connections: CONNECTIONS, pipelining: sc.pipelining, seconds: DURATION_S });
  const busy = machineBusySeconds() - busy0;
  const client = process.cpuUsage(client0);
  const cpu = cpuSeconds(t.child.pid) - cpu0;
  const written = writtenBytes(t.child.pid) - written0;
  const clientCpu = (client.user + client.system) / 1e6;
  const m: Measured = {
    reqPerS: r.requests.total / r.duration,
    eventsPerS: (r.requests.total * sc.eventsPerRequest) / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    statusCodes: r.statusCodeStats,
    serverCpu: cpu / r.duration,
    clientCpu: clientCpu / r.duration,
    otherCpu: Math.max(0, busy - cpu - clientCpu) / r.duration,
    seconds: r.duration,
    writtenPerEvent: written / (r.requests.total * sc.eventsPerRequest),
  };
  if (t.metricsUrl && before) m.counted = diff(await ingestCounts(t.metricsUrl), before);
  return m;
}

const pct = (n: number) => `${Math.round(n * 100)}%`;
// autocannon's latency histogram has 1 ms resolution: 0 means under a millisecond.
const ms = (n: number) => (n === 0 ? '< 1' : String(n));

// Taken before the sidecar starts: the code it loads is the code measured.
const REVISION = revision();

function report(results: { sc: Scenario; bare: Measured; sidecar: Measured }[], problems: string[], totals: Record<string, number> | undefined): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const args = process.argv.slice(2).join(' ');
  const lines = [
    `## ${STARTED.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `- Machine: ${CORES} cores (${cpu}), Linux ${release()}, Node ${process.version}`,
    `- Code: ${REVISION}`,
    `- Command: \`npm run bench:ingest${args ? ` -- ${args}` : ''}\``,
    `- Load: autocannon ${CONNECTIONS} connections, ${WARMUP_S} s warm-up then ${DURATION_S} s measured per row; ${RUNS} pre-created runs, heartbeats rotate over them.`,
    pin
      ? '- Placement: both servers pinned to CPU 1 (`taskset -c 1`), the autocannon client (this process) to CPU 0: the server gets exactly one core, the client the other.'
      : '- Placement: not pinned; the autocannon client shares the 2 cores with the server.',
    '- CPU columns are CPU-seconds per second (1.00 = one core busy), all threads of the process; "other CPU" is what the rest of the machine used meanwhile (other processes, unattributed kernel time): well above 0 means the row was disturbed; "events per CPU-s" is events/s ÷ server CPU, the cost per event whether or not the server was saturated.',
    '- "non-2xx" counts non-2xx answers plus socket errors and timeouts. "sidecar/bare" is the ratio of events/s (and of events per CPU-s).',
    '',
    '| Scenario | Server | req/s | events/s | p50 ms | p99 ms | non-2xx | server CPU | client CPU | other CPU | events per CPU-s | sidecar/bare |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { sc, bare, sidecar } of results) {
    for (const [name, m] of [['bare', bare], ['sidecar', sidecar]] as const) {
      const perCpu = (x: Measured) => x.eventsPerS / x.serverCpu;
      const ratio = name === 'sidecar' ? `${pct(sidecar.eventsPerS / bare.eventsPerS)} (${pct(perCpu(sidecar) / perCpu(bare))})` : '';
      const cells = [sc.title, name, fmt(m.reqPerS), fmt(m.eventsPerS), ms(m.p50), ms(m.p99), m.non2xx + m.errors, fmt(m.serverCpu, 2), fmt(m.clientCpu, 2), fmt(m.otherCpu, 2), fmt(perCpu(m)), ratio];
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  lines.push('', '| Target (from the issue) | Measured | Met |', '|---|---:|:-:|');
  for (const { sc, bare, sidecar } of results) {
    if (sc.eventsPerRequest === 1) {
      const r = sidecar.reqPerS / bare.reqPerS;
      lines.push(`| single-event calls ≥ 50% of bare (${sc.title}) | ${pct(r)} | ${r >= TARGET_SINGLE_RATIO ? 'yes' : 'no'} |`);
    } else {
      lines.push(`| batches ≥ ${fmt(TARGET_BATCH_EVENTS_PER_S)} events/s on one core | ${fmt(sidecar.eventsPerS)} | ${sidecar.eventsPerS >= TARGET_BATCH_EVENTS_PER_S ? 'yes' : 'no'} |`);
    }
  }
  lines.push('', 'Sidecar checks:');
  for (const { sc, sidecar } of results) {
    const counted = sidecar.counted ? Object.entries(sidecar.counted).map(([k, v]) => `${k} ${fmt(v)}`).join(', ') : 'n/a';
    lines.push(`- ${sc.title}: /metrics counted ${counted} during the measured ${sidecar.seconds} s (${fmt((sidecar.counted?.accepted ?? 0) / sidecar.seconds)}/s accepted); ${fmt(sidecar.writtenPerEvent)} bytes written to disk per event.`);
  }
  const total = totals ? Object.entries(totals).map(([k, v]) => `${k} ${fmt(v)}`).join(', ') : 'did not answer';
  lines.push(`- After the run /metrics answered; \`runwarden_ingest_events_total\` summed by outcome: ${total}.`);
  const disturbed = results.flatMap(({ sc, bare, sidecar }) =>
    [['bare', bare], ['sidecar', sidecar]].filter(([, m]) => (m as Measured).otherCpu > DISTURBED).map(([name, m]) => `${sc.id} ${name as string} (${fmt((m as Measured).otherCpu, 2)})`),
  );
  if (disturbed.length) lines.push(`- Disturbed rows, other processes busy meanwhile (other CPU > ${DISTURBED}): ${disturbed.join(', ')}. Re-run on a quiet machine before trusting them.`);
  lines.push(problems.length ? `- PROBLEMS:\n${problems.map((p) => `  - ${p}`).join('\n')}` : '- Every sidecar call answered 2xx; no rejected events.');
  return `${lines.join('\n')}\n`;
}

/** save puts the section at the top of bench/RESULTS.md (newest first), under its header. */
function save(section: string): void {
  saveSection(section, '# Benchmark results\n\nOne dated section per run, newest first: `npm run bench:ingest` (bench/ingest.ts) measures the ingest API against a bare `node:http` server; `npm run bench:store` (bench/store.ts) measures durable ingest against the foundation\'s in-memory sidecar, and memory per active run.\n\n');
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'runwarden-bench-'));
  const targets: Target[] = [];
  const problems: string[] = [];
  try {
    const bare = await startBare();
    targets.push(bare);
    const sidecar = await startSidecar(dataDir);
    targets.push(sidecar);
    if (pin) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    await createRuns(sidecar.url);
    const results = [];
    for (const sc of scenarios()) {
      process.stderr.write(`${sc.id}: bare… `);
      const b = await measureQuietly(bare, sc);
      process.stderr.write(`${fmt(b.eventsPerS)} events/s; sidecar… `);
      const s = await measureQuietly(sidecar, sc);
      process.stderr.write(`${fmt(s.eventsPerS)} events/s\n`);
      if (s.non2xx + s.errors > 0) problems.push(`${sc.id}: ${s.non2xx} non-2xx and ${s.errors} errors/timeouts; status codes ${JSON.stringify(s.statusCodes)}`);
      const rejected = (s.counted?.rejected ?? 0) + (s.counted?.duplicate ?? 0);
      if (rejected > 0) problems.push(`${sc.id}: ${rejected} events rejected or duplicate on /metrics`);
      const counted = (s.counted?.accepted ?? 0) / s.seconds;
      if (Math.abs(counted - s.eventsPerS) > 0.05 * s.eventsPerS) problems.push(`${sc.id}: /metrics counted ${fmt(counted)} accepted/s but autocannon saw ${fmt(s.eventsPerS)} events/s`);
      results.push({ sc, bare: b, sidecar: s });
    }
    const totals = await ingestCounts(sidecar.metricsUrl as string).catch((err: Error) => {
      problems.push(`/metrics did not answer after the run: ${err.message}`);
      return undefined;
    });
    const section = report(results, problems, totals);
    process.stdout.write(`\n${section}`);
    if (flags.write) save(section);
    if (problems.length) process.exitCode = 1;
  } finally {
    await Promise.all(targets.map(stop));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
