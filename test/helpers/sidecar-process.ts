/**
 * The real sidecar as a child process (`bin/runwarden.js serve`), on port-0 listeners on
 * 127.0.0.1, for end-to-end tests: what a user starts is what the test drives. The listening
 * addresses are read from the sidecar's own "runwarden listening" log line.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ROOT is the repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** NODE is the pinned Node 24 the project runs on. */
export const NODE = join(ROOT, 'node_modules', '.bin', 'node');
/** BIN is the runwarden command. */
export const BIN = join(ROOT, 'bin', 'runwarden.js');

/** SidecarProcess is a running sidecar child. */
export interface SidecarProcess {
  apiUrl: string;
  metricsUrl: string;
  /** dataDir is the `--data-dir` the sidecar runs on. */
  dataDir: string;
  proc: ChildProcess;
  /** Every stdout line so far (pino JSON), parsed. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  /** stop sends `signal` and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/** SidecarProcessOptions tune startSidecarProcess. */
export interface SidecarProcessOptions {
  /**
   * dataDir is the data directory to run on (restart tests start a second sidecar on the first
   * one's directory). Given, it is the caller's: stop leaves it in place. Absent, a temporary
   * directory is made and removed on stop.
   */
  dataDir?: string;
}

/** startSidecarProcess starts `runwarden serve` with `env` added to a clean environment. */
export async function startSidecarProcess(
  env: Record<string, string> = {},
  args: string[] = [],
  options: SidecarProcessOptions = {},
): Promise<SidecarProcess> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'runwarden-e2e-'));
  const proc = spawn(NODE, [BIN, 'serve', '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--data-dir', dataDir, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const listening = new Promise<{ api: string; metrics: string }>((resolve, reject) => {
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'runwarden listening') resolve({ api: entry.api as string, metrics: entry.metrics as string });
        } catch {
          logs.push({ raw: line });
        }
      }
    });
    void exited.then(({ code }) => reject(new Error(`sidecar exited with ${code} before listening: ${stderr}`)));
    setTimeout(() => reject(new Error(`sidecar did not start in 15 s: ${stderr}`)), 15_000).unref();
  });
  const { api, metrics } = await listening.catch((err: unknown) => {
    // Not started: stop the child if it still runs, and remove only a directory made here.
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  return {
    apiUrl: api,
    metricsUrl: metrics,
    dataDir,
    proc,
    logs,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      const t0 = performance.now();
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const result = await exited;
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      return { ...result, ms: performance.now() - t0 };
    },
  };
}

/** post sends JSON to the sidecar and returns the status and parsed body. */
export async function post(base: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** CliResult is how a `runwarden` command ended and what it printed. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * runCli runs `runwarden <args>` from the repository root with only PATH and `env` in its
 * environment, and resolves once the process has exited and its output is drained.
 */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(NODE, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // 'close', not 'exit': 'exit' may come before the last of stdout and stderr.
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
