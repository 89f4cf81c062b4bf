/**
 * `runwarden runs`: the newest runs as a table, from `GET /v1/runs`. Formatting is pure
 * (`formatRunsTable`), tested without a sidecar.
 */
import type { runSummaryView } from '../domain/view.ts';
import { parseFlags, parseLimit, UsageError } from './args.ts';
import { formatSeconds, formatTime, mark, painter, paintResult, progressBar, table, useColour } from './format.ts';
import type { Paint } from './format.ts';
import { defaultCommandDeps, fetchJson } from './query.ts';
import type { CommandDeps } from './query.ts';

/** RunSummaryJson is one entry of `GET /v1/runs`. */
export type RunSummaryJson = ReturnType<typeof runSummaryView>;

/** RunsAnswer is the sidecar's answer to `GET /v1/runs`. */
export interface RunsAnswer {
  runs: RunSummaryJson[];
  nextCursor: string | null;
}

/** RUNS_USAGE is the text of `runwarden runs --help`. */
export const RUNS_USAGE = `Usage: runwarden runs [--workflow NAME] [--active | --state active|finished] [--limit N] [--json]

Lists runs, newest first: run id, workflow, state or result, start time, duration and progress.

Options:
  --workflow NAME  only runs of this workflow
  --active         only active runs (the same as --state active)
  --state STATE    only active or only finished runs
  --limit N        at most N runs, 1 to 1000 (default 100)
  --json           print the sidecar's JSON answer as it came
  -h, --help       show this help
`;

const FLAGS = {
  workflow: { type: 'string' },
  active: { type: 'boolean' },
  state: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** runsPath builds the `GET /v1/runs` path for the flags, or throws UsageError for bad ones. */
export function runsPath(flags: { workflow?: string; active?: boolean; state?: string; limit?: string }): string {
  const query = new URLSearchParams();
  if (flags.workflow !== undefined) query.set('workflow', flags.workflow);
  let state = flags.state;
  if (state !== undefined && state !== 'active' && state !== 'finished') {
    throw new UsageError(`--state must be active or finished, not ${JSON.stringify(state)}`, 'runs');
  }
  if (flags.active) {
    if (state === 'finished') throw new UsageError('--active and --state finished contradict each other', 'runs');
    state = 'active';
  }
  if (state !== undefined) query.set('state', state);
  if (flags.limit !== undefined) query.set('limit', String(parseLimit(flags.limit, 'runs')));
  const text = query.toString();
  return text === '' ? '/v1/runs' : `/v1/runs?${text}`;
}

/** stateCell is a run's state as the table shows it: the result once finished, else the state. */
function stateCell(run: RunSummaryJson, paint: Paint): string {
  const word = run.state === 'finished' ? (run.result ?? 'finished') : run.state;
  return `${mark(run.state === 'finished' ? run.result : run.state, paint)} ${paintResult(word, paint)}`;
}

function progressCell(run: RunSummaryJson): string {
  if (run.progress === null) return '-';
  return `${progressBar(run.progress, 10)} ${Math.floor(run.progress * 100 + 1e-9)}%`;
}

/** formatRunsTable renders runs as the `runs` table (a line saying so when there are none). */
export function formatRunsTable(answer: RunsAnswer, paint: Paint): string {
  if (answer.runs.length === 0) return 'no runs\n';
  const rows = answer.runs.map((r) => [
    r.runId,
    r.workflow,
    stateCell(r, paint),
    formatTime(r.startTime),
    formatSeconds(r.durationSeconds),
    progressCell(r),
  ]);
  let out = table(['RUN ID', 'WORKFLOW', 'STATE', 'STARTED', 'DURATION', 'PROGRESS'], rows, new Set([4]));
  if (answer.nextCursor !== null) out += paint(`(more runs: raise --limit to see them)\n`, 'dim');
  return out;
}

/** runRuns runs `runwarden runs` and resolves to the exit code. */
export async function runRuns(argv: string[], deps: Partial<CommandDeps> = {}): Promise<number> {
  const d = { ...defaultCommandDeps, ...deps };
  const { values } = parseFlags('runs', argv, FLAGS);
  if (values.help) {
    d.stdout.write(RUNS_USAGE);
    return 0;
  }
  const body = await fetchJson(d, runsPath(values));
  d.stdout.write(values.json ? `${JSON.stringify(body)}\n` : formatRunsTable(body as RunsAnswer, painter(useColour(d.stdout, d.env))));
  return 0;
}
