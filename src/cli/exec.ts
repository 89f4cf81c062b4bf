/**
 * `runwarden exec`: run a command as a traced workflow run (or as one phase of an existing run).
 * The command's behaviour must not change because it is wrapped: stdio is inherited byte for byte,
 * the exit code is passed through, and a missing sidecar costs one warning line, never the job.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:os';
import { parseAttributes, parseFlags, UsageError } from './args.ts';
import { createClient } from './client.ts';
import { formatDuration } from './format.ts';
import type { ErrorInfo, FinishBody, RunResult, SidecarClient } from './client.ts';

/** EXEC_USAGE is the text of `runwarden exec --help`. */
export const EXEC_USAGE = `Usage: runwarden exec --workflow NAME [options] -- COMMAND [ARGS...]
       runwarden exec --run-id ID --phase NAME [options] -- COMMAND [ARGS...]

Runs COMMAND as a traced workflow run, or as phase NAME of the existing run ID.

Options:
  --workflow NAME               workflow of the new run (required without --phase)
  --run-id ID                   id of the new run (default: a random UUID); with --phase, the run
  --phase NAME                  trace COMMAND as a phase of run --run-id instead of a new run
  --attr KEY=VALUE              attribute of the run or phase; repeatable
  --heartbeat-interval SECONDS  heartbeat period while COMMAND runs (default 15)
  -h, --help                    show this help

COMMAND gets TRACEPARENT, RUNWARDEN_RUN_ID and RUNWARDEN_URL in its environment. runwarden exits
with COMMAND's exit code: 128+N when a signal N killed it, 127 when it could not be started. When
the sidecar is unreachable, COMMAND still runs, untraced, after one warning on stderr.
`;

const FLAGS = {
  workflow: { type: 'string' },
  'run-id': { type: 'string' },
  phase: { type: 'string' },
  attr: { type: 'string', multiple: true },
  'heartbeat-interval': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** ExecDeps is what `runExec` touches outside itself; tests replace parts of it. */
export interface ExecDeps {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Monotonic milliseconds, for the duration on the TTY end line. */
  now(): number;
  createClient(env: NodeJS.ProcessEnv): SidecarClient;
}

const defaultDeps: ExecDeps = {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  now: () => performance.now(),
  createClient: (env) => createClient({ env }),
};

/** Outcome is how the child ended (or, for `signal`, was kept from starting). */
export type Outcome =
  | { kind: 'exit'; code: number }
  | { kind: 'signal'; signal: NodeJS.Signals }
  | { kind: 'spawn-error'; error: NodeJS.ErrnoException };

/**
 * runExec runs `runwarden exec` and resolves to the exit code the process must end with. It
 * throws `UsageError` for a bad command line; sidecar problems never throw, they only warn.
 *
 * The run id is generated here (a UUID) unless `--run-id` is given, rather than left to the
 * sidecar: the child gets a stable RUNWARDEN_RUN_ID even when the sidecar is down, and the start
 * call stays idempotent (the sidecar answers 200 for a run id it already has).
 */
export async function runExec(argv: string[], deps: Partial<ExecDeps> = {}): Promise<number> {
  const { env, stdout, stderr, now, createClient: makeClient } = { ...defaultDeps, ...deps };
  const { values: flags, positionals: command } = parseFlags('exec', argv, FLAGS, true);
  if (flags.help) {
    stdout.write(EXEC_USAGE);
    return 0;
  }
  const program = command[0];
  if (program === undefined) throw new UsageError('missing command: put it after --', 'exec');
  if (flags.phase !== undefined && flags['run-id'] === undefined) {
    throw new UsageError('--phase needs --run-id of an existing run', 'exec');
  }
  if (flags.phase === undefined && flags.workflow === undefined) {
    throw new UsageError('missing --workflow', 'exec');
  }
  const intervalMs = parseInterval(flags['heartbeat-interval']);
  const attributes = parseAttributes(flags.attr ?? [], 'exec');
  const hasAttributes = Object.keys(attributes).length > 0;

  // Signals that arrive before the child exists are remembered, so a Ctrl-C during the start call
  // still ends the run as a cancellation instead of killing us with the run left open.
  let child: ChildProcess | undefined;
  let pendingSignal: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    else pendingSignal ??= signal;
  };
  for (const sig of FORWARDED_SIGNALS) process.on(sig, onSignal);

  const client = makeClient(env);
  const phase = flags.phase;
  let runId = flags['run-id'] ?? randomUUID();
  const label = phase === undefined ? `run ${runId}` : `run ${runId} phase ${phase}`;
  let traceparent: string | undefined;
  try {
    if (phase === undefined) {
      const body = { workflow: flags.workflow!, runId, ...(hasAttributes ? { attributes } : {}) };
      const started = await client.startRun(body);
      runId = started.runId ?? runId;
      traceparent = started.traceparent;
    } else {
      traceparent = (await client.startPhase(runId, phase, hasAttributes ? { attributes } : {})).traceparent;
    }
  } catch (err) {
    stderr.write(`runwarden: ${messageOf(err)}; running ${program} untraced\n`);
  }
  const traced = traceparent !== undefined;
  if (traced && stderr.isTTY) {
    stderr.write(`runwarden: ${label} · trace ${traceparent!.split('-')[1] ?? traceparent}\n`);
  }

  const startedAt = now();
  // The heartbeat in flight, if any: the finish call waits for it so it never overtakes one. One at
  // a time: a tick while the last is unanswered is skipped, so a slow sidecar cannot pile up
  // heartbeats that the job's exit would then wait through.
  let heartbeat: Promise<void> | undefined;
  let heartbeatWarned = false;
  const beat = (message?: string) => {
    if (!traced || heartbeat !== undefined) return;
    heartbeat = client
      .heartbeat(runId, message === undefined ? {} : { message })
      .then(
        () => undefined,
        (err: unknown) => {
          if (heartbeatWarned) return;
          heartbeatWarned = true;
          stderr.write(`runwarden: heartbeat failed (${messageOf(err)}); not reporting further failures\n`);
        },
      )
      .finally(() => (heartbeat = undefined));
  };

  let timer: NodeJS.Timeout | undefined;
  let outcome: Outcome;
  if (pendingSignal !== undefined) {
    outcome = { kind: 'signal', signal: pendingSignal };
  } else {
    const childEnv: NodeJS.ProcessEnv = { ...env, RUNWARDEN_RUN_ID: runId, RUNWARDEN_URL: client.url };
    if (traced) {
      childEnv.TRACEPARENT = traceparent;
      // A tracestate belongs to the traceparent it came with, which is no longer the child's parent.
      delete childEnv.TRACESTATE;
    }
    outcome = await new Promise<Outcome>((resolve) => {
      const proc = spawn(program, command.slice(1), { stdio: 'inherit', env: childEnv });
      child = proc;
      proc.once('spawn', () => {
        beat(`started: ${program}`);
        timer = setInterval(() => beat(), intervalMs);
      });
      proc.once('error', (error: NodeJS.ErrnoException) => {
        // 'error' without a pid is a failed spawn; later errors (a failed kill) change nothing.
        if (proc.pid === undefined) resolve({ kind: 'spawn-error', error });
      });
      proc.once('exit', (code, signal) => {
        resolve(signal !== null ? { kind: 'signal', signal } : { kind: 'exit', code: code ?? 1 });
      });
    });
  }
  clearInterval(timer);

  const { finish, exitCode } = describeOutcome(outcome, program);
  if (outcome.kind === 'spawn-error') stderr.write(`runwarden: ${finish.error!.message}\n`);
  if (traced) {
    await heartbeat;
    try {
      if (phase === undefined) await client.finishRun(runId, finish);
      else await client.finishPhase(runId, phase, finish);
      if (stderr.isTTY) {
        stderr.write(`runwarden: ${label} ${finish.result} in ${formatDuration(now() - startedAt)}\n`);
      }
    } catch (err) {
      stderr.write(`runwarden: could not finish ${label} (${messageOf(err)})\n`);
    }
  }
  for (const sig of FORWARDED_SIGNALS) process.off(sig, onSignal);
  await client.close().catch(() => {});
  return exitCode;
}

/**
 * describeOutcome maps how the child ended to the finish body and our exit code, as a shell does:
 * the child's code, 128+N for signal N, 127 for a command that does not exist, 126 for one that
 * cannot be executed. Only the program name goes into messages: arguments may carry secrets.
 */
export function describeOutcome(outcome: Outcome, program: string): { finish: FinishBody; exitCode: number } {
  switch (outcome.kind) {
    case 'exit':
      if (outcome.code === 0) return { finish: { result: 'success' }, exitCode: 0 };
      return {
        finish: failure('failure', `exit_code_${outcome.code}`, `${program} exited with code ${outcome.code}`),
        exitCode: outcome.code,
      };
    case 'signal':
      return {
        finish: failure('cancellation', outcome.signal, `${program} was killed by ${outcome.signal}`),
        exitCode: 128 + (constants.signals[outcome.signal] ?? 0),
      };
    case 'spawn-error': {
      const reason = outcome.error.code === 'ENOENT' ? 'command not found' : outcome.error.message;
      return {
        finish: failure('error', outcome.error.code ?? 'spawn_error', `cannot run ${program}: ${reason}`),
        exitCode: outcome.error.code === 'ENOENT' ? 127 : 126,
      };
    }
  }
}

function failure(result: RunResult, type: string, message: string): FinishBody {
  const error: ErrorInfo = { type, message };
  return { result, error };
}

function parseInterval(raw: string | undefined): number {
  if (raw === undefined) return 15_000;
  const seconds = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    const problem = `bad --heartbeat-interval ${JSON.stringify(raw)}: expected a positive number of seconds`;
    throw new UsageError(problem, 'exec');
  }
  // setInterval clamps anything past 2^31-1 ms to 1 ms; a day is already longer than any use.
  return Math.min(seconds, 86_400) * 1000;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
