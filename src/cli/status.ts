/**
 * `runwarden status RUN`: one run as a readable timeline, from `GET /v1/runs/{runId}`. The
 * formatting is pure (`formatStatus`) so it is tested without a sidecar; every duration comes
 * from the sidecar's answer, computed against its clock, never against this machine's.
 */
import type { AttemptView, PhaseView, runView } from '../domain/view.ts';
import { parseFlags, UsageError } from './args.ts';
import { formatSeconds, formatTime, mark, painter, paintResult, progressLine, table, useColour } from './format.ts';
import type { Paint } from './format.ts';
import { defaultCommandDeps, fetchJson } from './query.ts';
import type { CommandDeps } from './query.ts';

/** RunViewJson is the sidecar's answer to `GET /v1/runs/{runId}`. */
export type RunViewJson = ReturnType<typeof runView>;

/** STATUS_USAGE is the text of `runwarden status --help`. */
export const STATUS_USAGE = `Usage: runwarden status RUN [--json]

Shows run RUN as a timeline: state, result, trace id, duration, progress, heartbeat and retries,
then each phase with its attempts and steps, their durations, results and budgets.

Options:
  --json      print the sidecar's JSON answer as it came
  -h, --help  show this help
`;

const FLAGS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** runStatus runs `runwarden status` and resolves to the exit code. */
export async function runStatus(argv: string[], deps: Partial<CommandDeps> = {}): Promise<number> {
  const d = { ...defaultCommandDeps, ...deps };
  const { values, positionals } = parseFlags('status', argv, FLAGS, true);
  if (values.help) {
    d.stdout.write(STATUS_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing RUN' : 'give one RUN', 'status');
  const body = await fetchJson(d, `/v1/runs/${encodeURIComponent(positionals[0] as string)}`);
  d.stdout.write(values.json ? `${JSON.stringify(body)}\n` : formatStatus(body as RunViewJson, painter(useColour(d.stdout, d.env))));
  return 0;
}

function errorText(error: { type: string; message?: string } | null): string | undefined {
  if (!error) return undefined;
  return error.message ? `${error.type}: ${error.message}` : error.type;
}

/**
 * budgetNote says how an elapsed time stands against its phase's budget: `over budget` past the
 * budget, `past warning` past the warning threshold, nothing otherwise.
 */
export function budgetNote(seconds: number, phase: Pick<PhaseView, 'budgetSeconds' | 'warnSeconds'>, paint: Paint): string | undefined {
  if (phase.budgetSeconds !== null && seconds > phase.budgetSeconds) {
    return paint(`over budget (${formatSeconds(phase.budgetSeconds)})`, 'red');
  }
  if (phase.warnSeconds !== null && seconds > phase.warnSeconds) {
    return paint(`past warning (${formatSeconds(phase.warnSeconds)})`, 'yellow');
  }
  return undefined;
}

function outcome(a: AttemptView): string {
  return a.result ?? (a.state === 'running' ? 'running' : '-');
}

const notes = (parts: Array<string | undefined>) => parts.filter((p) => p !== undefined && p !== '').join(', ');

/** attemptRow is one attempt of a phase or step: label, duration, result, notes. */
function attemptRow(indent: string, label: string, a: AttemptView, extra: Array<string | undefined>, paint: Paint): string[] {
  return [`${indent}${mark(a.result ?? a.state, paint)} ${label}`, formatSeconds(a.durationSeconds), paintResult(outcome(a), paint), notes([errorText(a.error), ...extra])];
}

function stepRows(a: AttemptView, indent: string, paint: Paint): string[][] {
  const rows: string[][] = [];
  for (const step of a.steps ?? []) {
    for (const s of step.attempts) {
      rows.push(attemptRow(indent, step.attempts.length > 1 ? `${step.name} #${s.attempt}` : step.name, s, [], paint));
    }
  }
  return rows;
}

/**
 * phaseRows renders one phase as rows of the phase table (label, duration, result, notes): one
 * row, or a row and one per attempt when it ran more than once, each followed by its steps.
 */
export function phaseRows(phase: PhaseView, paint: Paint): string[][] {
  const budget = phase.budgetSeconds === null ? undefined : `budget ${formatSeconds(phase.budgetSeconds)}`;
  if (phase.attempts.length === 0) {
    return [[`${mark('not_started', paint)} ${phase.name}`, '-', paint('not started', 'dim'), notes([budget])]];
  }
  if (phase.attempts.length === 1) {
    const a = phase.attempts[0] as AttemptView;
    return [attemptRow('', phase.name, a, [budget, budgetNote(a.durationSeconds, phase, paint)], paint), ...stepRows(a, '    ', paint)];
  }
  const total = phase.attempts.reduce((sum, a) => sum + a.durationSeconds, 0);
  const rows = [
    [`${mark(phase.result ?? phase.state, paint)} ${phase.name}`, formatSeconds(total), paintResult(phase.result ?? 'running', paint), notes([`${phase.attempts.length} attempts`, budget])],
  ];
  for (const a of phase.attempts) {
    rows.push(attemptRow('    ', `attempt ${a.attempt}`, a, [budgetNote(a.durationSeconds, phase, paint)], paint));
    rows.push(...stepRows(a, '        ', paint));
  }
  return rows;
}

function heartbeatText(view: RunViewJson, paint: Paint): string | undefined {
  const hb = view.heartbeat;
  const interval = view.heartbeatIntervalSeconds;
  const received = `${hb.count} received${interval === null ? '' : `, expected every ${formatSeconds(interval)}`}`;
  if (view.state === 'finished') return hb.count === 0 ? undefined : `${received}, last ${formatTime(hb.lastTime)}`;
  // A heartbeat two intervals late is what the stuck-run alert looks for: say so here too.
  const late = interval !== null && hb.secondsSince > 2 * interval ? paint('late', 'yellow') : undefined;
  return late === undefined ? `${formatSeconds(hb.secondsSince)} ago (${received})` : `${formatSeconds(hb.secondsSince)} ago (${received}) ${late}`;
}

/** formatStatus renders a run's view as the `status` timeline. */
export function formatStatus(view: RunViewJson, paint: Paint): string {
  const rows: Array<[string, string | undefined]> = [
    ['state', view.state === 'finished' ? 'finished' : paint(view.state, 'cyan')],
    ['result', view.result === null ? '-' : `${mark(view.result, paint)} ${paintResult(view.result, paint)}`],
    ['error', errorText(view.error)],
    ['trace', view.traceId],
    ['started', formatTime(view.startTime)],
    ['ended', view.endTime === null ? undefined : formatTime(view.endTime)],
    ['duration', `${formatSeconds(view.durationSeconds)}${view.state === 'finished' ? '' : ' so far'}`],
    ['progress', progressLine(view.progressDetail)],
    ['heartbeat', heartbeatText(view, paint)],
    ['depends on', view.dependsOn.length === 0 ? undefined : view.dependsOn.join(', ')],
  ];
  const retries = view.retries.map((r) => `${r.phase ?? 'run'} attempt ${r.attempt} at ${formatTime(r.time)}${r.reason === null ? '' : `: ${r.reason}`}`);
  retries.forEach((text, i) => rows.push([i === 0 ? 'retries' : '', text]));
  let out = `${paint(`Run ${view.runId}`, 'bold')}  ${view.workflow}\n`;
  for (const [label, value] of rows) if (value !== undefined) out += `  ${label.padEnd(10)} ${value}\n`;
  if (view.phases.length > 0) {
    out += `\n${table(['PHASE', 'DURATION', 'RESULT', 'NOTES'], view.phases.flatMap((p) => phaseRows(p, paint)), new Set([1]))}`;
  }
  return out;
}
