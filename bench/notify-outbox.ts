import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { Outbox } from '../src/pipeline/outbox.ts';
import type { Notification, NotificationRequest, Notifier, NotifyResult } from '../src/pipeline/types.ts';
import { openDatabase } from '../src/store/database.ts';
import type { Sync } from '../src/store/database.ts';
import { fmt, revision } from './harness.ts';

/**
 * The outbox benchmark (`node bench/notify-outbox.ts`), issue 5's "1,000 alerts/s through the
 * outbox": (1) enqueue alone, one transaction per call; (2) the bare baseline, raw undici POSTs to
 * a local receiver, one in flight per lane as the outbox sends; (3) the outbox draining a backlog
 * to the same receiver (enqueue → durable row → POST → sent mark); (4) a steady 1,000
 * notifications/s for a while, with delivery latency (enqueue → 2xx) and the deepest backlog.
 * The receiver is a bare node:http server in its own process answering 200. Prints a Markdown
 * table; the lead copies it into RESULTS.md.
 *
 * Flags: --count N (20000) --lanes N (8) --rate N (1000) --seconds S (10) --sync normal|full (normal).
 */

const { values: flags } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    lanes: { type: 'string', default: '8' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    sync: { type: 'string', default: 'normal' },
  },
});
const COUNT = Number(flags.count);
const LANES = Number(flags.lanes);
const RATE = Number(flags.rate);
const SECONDS = Number(flags.seconds);
const SYNC = flags.sync as Sync;

const RECEIVER = `
const http = require('node:http');
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, {'content-type': 'application/json'}).end('{}')); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

async function startReceiver(): Promise<{ url: string; stop: () => void }> {
  const proc = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    proc.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
    proc.once('exit', (code) => reject(new Error(`receiver exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/hook`, stop: () => proc.kill() };
}

function notification(i: number): NotificationRequest {
  const receiver = `team-${i % LANES}`;
  return {
    receiver,
    integration: 'webhook/0',
    data: {
      receiver,
      status: 'firing',
      alerts: [{ status: 'firing', labels: { alertname: 'StepStuck', run_id: `run-${i}`, severity: 'warning' }, annotations: { summary: 'a step is stuck' }, startsAt: 0, endsAt: 0, generatorURL: '', fingerprint: i.toString(16) }],
      groupLabels: { alertname: 'StepStuck' },
      commonLabels: { alertname: 'StepStuck' },
      commonAnnotations: {},
      externalURL: 'http://127.0.0.1:7171',
      groupKey: `{}:{alertname="StepStuck",run_id="run-${i}"}`,
      truncatedAlerts: 0,
    },
  };
}

/** BenchNotifier POSTs the notification's JSON and records enqueue → 2xx latency. */
class BenchNotifier implements Notifier {
  readonly kind = 'webhook' as const;
  readonly latencies: number[] = [];
  readonly #url: string;
  readonly #agent: Agent;
  constructor(url: string, agent: Agent) {
    this.#url = url;
    this.#agent = agent;
  }
  async send(n: Notification, signal: AbortSignal): Promise<NotifyResult> {
    try {
      const res = await request(this.#url, { method: 'POST', dispatcher: this.#agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify(n.data), signal });
      await res.body.dump();
      if (res.statusCode >= 300) return { kind: 'retryable', reason: 'serverError', status: res.statusCode, message: `HTTP ${res.statusCode}` };
      this.latencies.push(Date.now() - n.createdAt);
      return { kind: 'success' };
    } catch (err) {
      return { kind: 'retryable', reason: 'network', message: String((err as { code?: string }).code) };
    }
  }
}

function newOutbox(url: string, agent: Agent): { outbox: Outbox; notifier: BenchNotifier; close: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'runwarden-bench-outbox-'));
  const db = openDatabase(dir, SYNC);
  const notifier = new BenchNotifier(url, agent);
  const outbox = new Outbox(db, {
    clock: Date.now,
    settings: { deadlineMs: 3_600_000, initialBackoffMs: 1_000, maxBackoffMs: 300_000, circuitFailures: 5, circuitResetMs: 30_000 },
    notifierFor: () => notifier,
    logger: pino({ level: 'silent' }),
  });
  return {
    outbox,
    notifier,
    close: async () => {
      await outbox.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function drained(outbox: Outbox): Promise<void> {
  while (outbox.depth() > 0) await new Promise((r) => setTimeout(r, 5));
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
}

interface Row {
  scenario: string;
  count: number;
  seconds: number;
  p50?: number;
  p99?: number;
  note?: string;
}

const rows: Row[] = [];
const receiver = await startReceiver();
const agent = new Agent({ connections: LANES * 2, keepAliveTimeout: 60_000 });

// (1) enqueue alone: one call (one transaction) per notification, and batches of 10.
{
  const { outbox, close } = newOutbox(receiver.url, agent);
  const requests = Array.from({ length: COUNT }, (_, i) => notification(i));
  let t = performance.now();
  for (const r of requests) outbox.enqueue([r]);
  rows.push({ scenario: 'enqueue, 1 per call', count: COUNT, seconds: (performance.now() - t) / 1000 });
  t = performance.now();
  for (let i = 0; i < COUNT; i += 10) outbox.enqueue(requests.slice(i, i + 10));
  rows.push({ scenario: 'enqueue, 10 per call', count: COUNT, seconds: (performance.now() - t) / 1000 });
  await close();
}

// (2) bare baseline: the same POSTs straight from undici, one in flight per lane.
{
  const per = Math.ceil(COUNT / LANES);
  const t = performance.now();
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      for (let i = 0; i < per; i++) {
        const res = await request(receiver.url, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify(notification(lane + i * LANES).data) });
        await res.body.dump();
      }
    }),
  );
  rows.push({ scenario: `bare undici POSTs, ${LANES} lanes`, count: per * LANES, seconds: (performance.now() - t) / 1000 });
}

// (3) the outbox draining a backlog: enqueue everything, then time start → empty.
{
  const { outbox, notifier, close } = newOutbox(receiver.url, agent);
  for (let i = 0; i < COUNT; i++) outbox.enqueue([notification(i)]);
  const t = performance.now();
  outbox.start();
  await drained(outbox);
  rows.push({ scenario: `outbox drains a backlog, ${LANES} lanes`, count: notifier.latencies.length, seconds: (performance.now() - t) / 1000 });
  await close();
}

// (4) a steady rate: RATE notifications/s, enqueued every 10 ms, delivered as they come.
{
  const { outbox, notifier, close } = newOutbox(receiver.url, agent);
  outbox.start();
  const total = RATE * SECONDS;
  const perTick = RATE / 100;
  let sent = 0;
  let maxDepth = 0;
  const t = performance.now();
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      // Catch up to the schedule, so a late tick does not lower the offered rate.
      const due = Math.min(total, Math.round(((performance.now() - t) / 1000) * RATE));
      while (sent < due) {
        const batch = Math.min(perTick, due - sent);
        for (let k = 0; k < batch; k++) outbox.enqueue([notification(sent + k)]);
        sent += batch;
      }
      maxDepth = Math.max(maxDepth, outbox.depth());
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 10);
  });
  await drained(outbox);
  const seconds = (performance.now() - t) / 1000;
  const lat = [...notifier.latencies].sort((a, b) => a - b);
  rows.push({ scenario: `steady ${fmt(RATE)}/s for ${SECONDS} s, ${LANES} lanes`, count: lat.length, seconds, p50: percentile(lat, 50), p99: percentile(lat, 99), note: `deepest backlog ${fmt(maxDepth)}` });
  await close();
}

await agent.close();
receiver.stop();

const bare = rows.find((r) => r.scenario.startsWith('bare'));
const bareRate = bare ? bare.count / bare.seconds : Number.NaN;
console.log(`- Machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim()}), Node ${process.version}; code ${revision()}; store sync ${SYNC}`);
console.log(`- Command: node bench/notify-outbox.ts --count ${COUNT} --lanes ${LANES} --rate ${RATE} --seconds ${SECONDS}`);
console.log('');
console.log('| Scenario | notifications | seconds | per second | vs bare | latency p50 ms | p99 ms | note |');
console.log('|---|---:|---:|---:|---:|---:|---:|---|');
for (const r of rows) {
  const rate = r.count / r.seconds;
  const delivered = r.scenario.startsWith('outbox') || r.scenario.startsWith('steady');
  console.log(
    `| ${r.scenario} | ${fmt(r.count)} | ${fmt(r.seconds, 2)} | ${fmt(rate)} | ${delivered && r.scenario.startsWith('outbox') ? `${fmt((rate / bareRate) * 100)}%` : ''} | ${r.p50 === undefined ? '' : fmt(r.p50)} | ${r.p99 === undefined ? '' : fmt(r.p99)} | ${r.note ?? ''} |`,
  );
}
