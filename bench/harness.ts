import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the benchmarks share: child servers, autocannon, /proc readings, RESULTS.md. */

/** ROOT is the repository root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

// autocannon ships no types; this is the part of its programmatic API used here.
/** CannonRequest is one request autocannon cycles through. */
export interface CannonRequest {
  path: string;
  body: string;
}
/** CannonResult is what autocannon reports. */
export interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p50: number; p99: number };
  requests: { total: number };
}
type Autocannon = (
  opts: { url: string; connections: number; pipelining: number; duration: number; method: string; headers: Record<string, string>; requests: CannonRequest[] },
  cb: (err: Error | null, result: CannonResult) => void,
) => unknown;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** cannon runs autocannon with JSON POSTs cycling through `requests`. */
export function cannon(url: string, requests: CannonRequest[], o: { connections: number; pipelining: number; seconds: number }): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections: o.connections, pipelining: o.pipelining, duration: o.seconds, method: 'POST', headers: { 'content-type': 'application/json' }, requests },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/** freePort finds a free port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Child is a server under test, keeping its last output for diagnosis. */
export interface Child {
  child: ChildProcess;
  output: () => string;
}

/** start spawns node with `args` (pinned to CPU 1 with `pin`), from the repository root. */
export function start(args: string[], env: NodeJS.ProcessEnv, pin: boolean, cwd = ROOT): Child {
  const [cmd, argv] = pin ? ['taskset', ['-c', '1', process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(cmd as string, argv as string[], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => out };
}

/** waitFor polls `ok` until it holds, failing if the child exits or 20 s pass. */
export async function waitFor(what: string, t: Child, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (t.child.exitCode !== null) throw new Error(`${what} exited with ${t.child.exitCode}:\n${t.output()}`);
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start in 20 s:\n${t.output()}`);
}

/** stop sends SIGTERM and waits (SIGKILL after 15 s). */
export async function stop(t: Child): Promise<void> {
  if (t.child.exitCode !== null) return;
  const exited = new Promise((r) => t.child.once('exit', r));
  t.child.kill('SIGTERM');
  const timer = setTimeout(() => t.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** writtenBytes reads how many bytes a process has caused to be written to storage, from /proc. */
export function writtenBytes(pid: number | undefined): number {
  try {
    return Number(/^write_bytes: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** cpuSeconds reads a process's user + system CPU time (all threads) from /proc. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return Number.NaN;
  }
}

/** revision names the code measured: HEAD, and whether src/ or bin/ had uncommitted changes. */
export function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src', 'bin', 'package.json');
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' plus uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** fmt formats a number with thousands separators. */
export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** saveSection puts a dated section at the top of bench/RESULTS.md (newest first), under its header. */
export function saveSection(section: string, header: string): void {
  const file = join(ROOT, 'bench/RESULTS.md');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const at = old.indexOf('\n## ');
  writeFileSync(file, at < 0 ? `${old.trimEnd()}\n\n${section}` : `${old.slice(0, at + 1)}${section}\n${old.slice(at + 1)}`);
}
