import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cannon, cpuSeconds, fmt, freePort, revision, ROOT, saveSection, start, stop, waitFor, writtenBytes } from './harness.ts';
import type { CannonRequest, Child } from './harness.ts';

/**
 * The store benchmark (`npm run bench:store`): events/s persisted through the HTTP API with the
 * default durability (`store.sync: normal`) and with `full`, single-event calls and `/v1/events`
 * batches of 100, against the foundation's in-memory sidecar (the last commit before the store,
 * checked out into a temporary git worktree) in the same run; then the memory an active run costs,
 * with 10,000 and 100,000 of them. Targets (issue 3): durable batches within 2x of in-memory,
 * under 2 KB per active run. Results go to bench/RESULTS.md.
 *
 * Flags: --duration S (8) --warmup S (2) --connections N (32) --runs N (300) --foundation REF
 * (f8b68e0) --memory N[,N] (10000,100000) --no-pin --no-write.
 */

const { values: flags } = parseArgs({
  allowNegative: true,
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    runs: { type: 'string', default: '300' },
    foundation: { type: 'string', default: 'f8b68e0' },
    memory: { type: 'string', default: '10000,100000' },
    pin: { type: 'boolean', default: true },
    write: { type: 'boolean', default: true },
  },
});
const CORES = availableParallelism();
const pin = flags.pin && CORES >= 2 && existsSync('/usr/bin/taskset');
const RUNS = Number(flags.runs);
const runId = (i: number) => `bench-run-${String(i).padStart(4, '0')}`;
const REVISION = revision();

interface Sidecar extends Child {
  label: string;
  url: string;
  metricsUrl: string;
}

async function startSidecar(label: string, root: string, dataDir: string, config?: string): Promise<Sidecar> {
  const [api, metrics] = [await freePort(), await freePort()];
  const args = [join(root, 'bin/runwarden.js'), 'serve', '--listen', `127.0.0.1:${api}`, '--metrics-listen', `127.0.0.1:${metrics}`, '--data-dir', dataDir, '--log-level', 'warn'];
  if (config) args.push('--config', config);
  const t = start(args, { ...process.env, OTEL_TRACES_EXPORTER: 'none' }, pin, root);
  const url = `http://127.0.0.1:${api}`;
  await waitFor(label, t, async () => (await fetch(`${url}/readyz`)).status === 200);
  return { label, url, metricsUrl: `http://127.0.0.1:${metrics}/metrics`, ...t };
}

async function post(url: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

const scenarios: { id: string; title: string; eventsPerRequest: number; requests: CannonRequest[] }[] = [
  {
    id: 'single',
    title: 'single heartbeat calls',
    eventsPerRequest: 1,
    requests: Array.from({ length: RUNS }, (_, i) => ({ path: `/v1/runs/${runId(i)}/heartbeat`, body: JSON.stringify({ progress: 0.5, message: 'step 3/10' }) })),
  },
  {
    id: 'batch',
    title: '/v1/events × 100',
    eventsPerRequest: 100,
    requests: Array.from({ length: 30 }, (_, j) => ({
      path: '/v1/events',
      body: JSON.stringify({ events: Array.from({ length: 100 }, (_, i) => ({ type: 'heartbeat', runId: runId((j * 37 + i) % RUNS), progress: ((j % 10) + 1) / 10 })) }),
    })),
  },
];

interface Row {
  target: string;
  scenario: string;
  eventsPerS: number;
  p50: number;
  p99: number;
  non2xx: number;
  cpu: number;
  writtenPerEvent: number;
}

async function throughput(s: Sidecar): Promise<Row[]> {
  for (let i = 0; i < RUNS; i++) await post(s.url, '/v1/runs', { workflow: 'bench', runId: runId(i) });
  const rows: Row[] = [];
  for (const sc of scenarios) {
    const o = { connections: Number(flags.connections), pipelining: 1 };
    await cannon(s.url, sc.requests, { ...o, seconds: Number(flags.warmup) });
    const [cpu0, w0] = [cpuSeconds(s.child.pid), writtenBytes(s.child.pid)];
    const r = await cannon(s.url, sc.requests, { ...o, seconds: Number(flags.duration) });
    const events = r.requests.total * sc.eventsPerRequest;
    rows.push({
      target: s.label,
      scenario: sc.title,
      eventsPerS: events / r.duration,
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx + r.errors + r.timeouts,
      cpu: (cpuSeconds(s.child.pid) - cpu0) / r.duration,
      writtenPerEvent: (writtenBytes(s.child.pid) - w0) / events,
    });
    process.stderr.write(`${s.label} ${sc.id}: ${fmt(events / r.duration)} events/s\n`);
  }
  return rows;
}

/** rss reads a process's resident set from /proc (a /metrics scrape at 100k runs would itself cost 100 MB). */
function rss(pid: number | undefined): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** settledRss waits for the sidecar to go quiet and reads its RSS. */
async function settledRss(s: Sidecar): Promise<number> {
  await new Promise((r) => setTimeout(r, 3000));
  return rss(s.child.pid);
}

/** liveHeap runs bench/run-memory.ts: the sidecar's own ingest path in-process, heap measured after a full GC. */
function liveHeap(counts: number[]): { runs: number; bytesPerRun: number; heapBytes: number }[] {
  const out = execFileSync(process.execPath, ['--expose-gc', join(ROOT, 'bench/run-memory.ts'), ...counts.map(String)], { cwd: ROOT, encoding: 'utf8' });
  return out.trim().split('\n').map((l) => JSON.parse(l) as { runs: number; bytesPerRun: number; heapBytes: number });
}

/** activeRuns starts `n` runs the way a runner would: declared phases, one running, a heartbeat. */
async function activeRuns(s: Sidecar, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i += 500) {
    const events = [];
    for (let j = i; j < Math.min(from + n, i + 500); j++) {
      const id = `mem-${j}`;
      events.push({ type: 'run.start', runId: id, workflow: `wf-${j % 20}`, phases: [{ name: 'build', budgetSeconds: 600 }, { name: 'test', budgetSeconds: 900 }], heartbeatIntervalSeconds: 30 });
      events.push({ type: 'phase.start', runId: id, phase: 'build' });
      events.push({ type: 'heartbeat', runId: id, progress: 0.3, message: 'compiling' });
    }
    await post(s.url, '/v1/events', { events });
  }
}

function foundationTree(): { dir: string; note?: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'runwarden-foundation-'));
  try {
    execFileSync('git', ['worktree', 'add', '--detach', dir, flags.foundation as string], { cwd: ROOT, stdio: 'ignore' });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    return { dir };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`cannot check out the foundation (${flags.foundation}): ${(err as Error).message}\n`);
    return undefined;
  }
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'runwarden-bench-store-'));
  const full = join(scratch, 'full.yaml');
  writeFileSync(full, 'store:\n  sync: full\n');
  const tree = foundationTree();
  const rows: Row[] = [];
  const mem: { runs: number; heapPerRun: number; rssPerRun: number; heap: number; rss: number }[] = [];
  const running: Child[] = [];
  try {
    if (pin) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    const targets: [string, string, string | undefined][] = [];
    if (tree) targets.push([`in-memory (foundation ${flags.foundation})`, tree.dir, undefined]);
    targets.push(['durable, sync normal (default)', ROOT, undefined], ['durable, sync full', ROOT, full]);
    for (const [label, root, config] of targets) {
      const s = await startSidecar(label, root, mkdtempSync(join(scratch, 'data-')), config);
      running.push(s);
      rows.push(...(await throughput(s)));
      await stop(s);
    }
    const counts = (flags.memory as string).split(',').map(Number);
    const live = liveHeap(counts);
    const s = await startSidecar('memory', ROOT, mkdtempSync(join(scratch, 'data-')));
    running.push(s);
    const base = await settledRss(s);
    let made = 0;
    for (const [i, n] of counts.entries()) {
      await activeRuns(s, made, n - made);
      made = n;
      const now = await settledRss(s);
      const heap = live[i] as { bytesPerRun: number; heapBytes: number };
      mem.push({ runs: n, heap: heap.heapBytes, heapPerRun: heap.bytesPerRun, rss: now, rssPerRun: (now - base) / n });
      process.stderr.write(`memory ${fmt(n)} runs: ${fmt(heap.bytesPerRun)} B live heap, ${fmt((now - base) / n)} B RSS per run\n`);
    }
    await stop(s);
  } finally {
    await Promise.all(running.map(stop));
    if (tree) execFileSync('git', ['worktree', 'remove', '--force', tree.dir], { cwd: ROOT, stdio: 'ignore' });
    rmSync(scratch, { recursive: true, force: true });
  }

  const inMemory = (scenario: string) => rows.find((r) => r.scenario === scenario && r.target.startsWith('in-memory'))?.eventsPerS;
  const lines = [
    `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: durable store`,
    '',
    `- Machine: ${CORES} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Linux ${release()}, Node ${process.version}`,
    `- Code: ${REVISION}; in-memory baseline: the foundation at ${flags.foundation}, checked out in a git worktree, same run`,
    '- Command: `npm run bench:store`',
    `- Load: autocannon ${flags.connections} connections, pipelining 1, ${flags.warmup} s warm-up then ${flags.duration} s per row; ${RUNS} runs, heartbeats rotate over them. Sidecar pinned to CPU 1, client to CPU 0.`,
    '',
    '| Target | Scenario | events/s | vs in-memory | p50 ms | p99 ms | non-2xx | server CPU | bytes written/event |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const base = inMemory(r.scenario);
      const ratio = base ? `${(base / r.eventsPerS).toFixed(2)}x slower` : '';
      return `| ${r.target} | ${r.scenario} | ${fmt(r.eventsPerS)} | ${r.target.startsWith('in-memory') ? '' : ratio} | ${r.p50 === 0 ? '< 1' : r.p50} | ${r.p99} | ${r.non2xx} | ${r.cpu.toFixed(2)} | ${fmt(r.writtenPerEvent)} |`;
    }),
    '',
    'Memory per active run (each run: two declared phases with budgets, one running, a heartbeat with progress and a message). Live heap: `bench/run-memory.ts` drives the sidecar\'s own IngestService, EventStore and telemetry in-process and reads the heap after a full GC, so only what the runs hold is counted. RSS: the real sidecar fed the same runs over HTTP, read from /proc 3 s after the last batch; it also keeps what the heap grew to while parsing the batches, which V8 does not give back.',
    '',
    '| Active runs | live heap | live heap per run | sidecar RSS | RSS growth per run |',
    '|---:|---:|---:|---:|---:|',
    ...mem.map((m) => `| ${fmt(m.runs)} | ${fmt(m.heap / 2 ** 20, 1)} MiB | ${fmt(m.heapPerRun)} B | ${fmt(m.rss / 2 ** 20, 1)} MiB | ${fmt(m.rssPerRun)} B |`),
    '',
  ];
  const batchBase = inMemory('/v1/events × 100');
  const batchDurable = rows.find((r) => r.scenario === '/v1/events × 100' && r.target.startsWith('durable, sync normal'))?.eventsPerS;
  const last = mem[mem.length - 1];
  lines.push('| Target (issue 3) | Measured | Met |', '|---|---:|:-:|');
  if (batchBase && batchDurable) lines.push(`| durable batches within 2x of in-memory | ${(batchBase / batchDurable).toFixed(2)}x | ${batchBase / batchDurable <= 2 ? 'yes' : 'no'} |`);
  if (last) lines.push(`| under 2 KB per active run (live heap, ${fmt(last.runs)} runs) | ${fmt(last.heapPerRun)} B | ${last.heapPerRun < 2048 ? 'yes' : 'no'} |`);
  if (last) lines.push(`| (RSS growth per run, ${fmt(last.runs)} runs, for reference) | ${fmt(last.rssPerRun)} B | ${last.rssPerRun < 2048 ? 'yes' : 'no'} |`);
  const section = `${lines.join('\n')}\n`;
  process.stdout.write(`\n${section}`);
  if (flags.write) {
    saveSection(section, '# Benchmark results\n\n');
  }
}

await main();
