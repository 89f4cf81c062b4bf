/**
 * `runwarden summary WORKFLOW`: a workflow's numbers over a window, from
 * `GET /v1/workflows/{workflow}/summary`. Formatting is pure (`formatSummary`, `trendArrow`).
 */
import { parseDuration } from '../config/duration.ts';
import type { WorkflowSummary } from '../store/run-history.ts';
import { parseFlags, UsageError } from './args.ts';
import { formatPercent, formatSeconds, formatTime, painter, table, useColour } from './format.ts';
import type { Paint } from './format.ts';
import { defaultCommandDeps, fetchJson } from './query.ts';
import type { CommandDeps } from './query.ts';

/** SUMMARY_USAGE is the text of `runwarden summary --help`. */
export const SUMMARY_USAGE = `Usage: runwarden summary WORKFLOW [--window 24h] [--json]

Summarises WORKFLOW's runs that finished in the last window: results, success rate, duration
percentiles, phases' failure rates, retries, queue wait, and how the second half of the window
compares with the first.

Options:
  --window DURATION  how far back to look, like 30m, 24h, 7d, 1h30m (default 24h)
  --json             print the sidecar's JSON answer as it came
  -h, --help         show this help
`;

const FLAGS = {
  window: { type: 'string', default: '24h' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const RESULT_ORDER = ['success', 'failure', 'error', 'timeout', 'cancellation', 'skip'] as const;

/**
 * trendArrow says which way a number moved and whether that is good: `↑`, `↓`, or `→` when it
 * did not move; green when it moved the way `better` says is good, red otherwise; empty when
 * either side is unknown.
 */
export function trendArrow(change: number | null, better: 'up' | 'down', paint: Paint): string {
  if (change === null) return '';
  if (Math.abs(change) < 1e-9) return '→';
  const up = change > 0;
  return paint(up ? '↑' : '↓', up === (better === 'up') ? 'green' : 'red');
}

function signedSeconds(change: number): string {
  return `${change < 0 ? '-' : '+'}${formatSeconds(Math.abs(change))}`;
}

function resultsText(runs: WorkflowSummary['runs']): string {
  const parts = RESULT_ORDER.filter((r) => runs[r] > 0).map((r) => `${runs[r]} ${r}`);
  return parts.length === 0 ? '-' : parts.join(', ');
}

/** formatSummary renders a workflow summary as the `summary` report. */
export function formatSummary(s: WorkflowSummary, paint: Paint): string {
  const d = s.durationSeconds;
  let out = `${paint(s.workflow, 'bold')}, runs that finished in the last ${s.window} (${formatTime(s.from)} to ${formatTime(s.to)})\n\n`;
  const rows: Array<[string, string]> = [
    ['runs', `${s.runs.finished} finished, ${s.runs.active} active now`],
    ['results', resultsText(s.runs)],
    ['success rate', formatPercent(s.successRate)],
  ];
  if (s.runs.finished > 0) {
    rows.push(['duration', `min ${formatSeconds(d.min)}  avg ${formatSeconds(d.avg)}  p50 ${formatSeconds(d.p50)}  p95 ${formatSeconds(d.p95)}  p99 ${formatSeconds(d.p99)}  max ${formatSeconds(d.max)}`]);
  }
  rows.push(
    ['queue wait', s.meanQueueWaitSeconds === null ? '-' : `${formatSeconds(s.meanQueueWaitSeconds)} mean`],
    ['retries', s.retrySuccessRate === null ? 'no run retried' : `${formatPercent(s.retrySuccessRate)} of the runs that retried succeeded`],
  );
  for (const [label, value] of rows) out += `${label.padEnd(13)} ${value}\n`;

  if (s.phases.length > 0) {
    out += '\n';
    const phaseRows = s.phases.map((p) => [`  ${p.name}`, String(p.attempts), String(p.failedAttempts), formatPercent(p.failureRate)]);
    out += table(['phases', 'attempts', 'failed', 'failure rate'], phaseRows, new Set([1, 2, 3]));
  }

  const { firstHalf: a, secondHalf: b, successRateChange, p95DurationChange } = s.trend;
  const runsChange = b.runs - a.runs;
  const rateNote =
    successRateChange === null ? '' : `${trendArrow(successRateChange, 'up', paint)} ${successRateChange >= 0 ? '+' : ''}${(successRateChange * 100).toFixed(1)} pts`;
  const p95Note = p95DurationChange === null ? '' : `${trendArrow(p95DurationChange, 'down', paint)} ${signedSeconds(p95DurationChange)}`;
  out += '\n';
  out += table(
    ['trend', 'first half', 'second half', ''],
    [
      ['  runs', String(a.runs), String(b.runs), `${runsChange === 0 ? '→' : runsChange > 0 ? '↑' : '↓'} ${runsChange >= 0 ? '+' : ''}${runsChange}`],
      ['  success rate', formatPercent(a.successRate), formatPercent(b.successRate), rateNote],
      ['  p95 duration', formatSeconds(a.p95DurationSeconds), formatSeconds(b.p95DurationSeconds), p95Note],
    ],
    new Set([1, 2]),
  );
  return out;
}

/** runSummary runs `runwarden summary` and resolves to the exit code. */
export async function runSummary(argv: string[], deps: Partial<CommandDeps> = {}): Promise<number> {
  const d = { ...defaultCommandDeps, ...deps };
  const { values, positionals } = parseFlags('summary', argv, FLAGS, true);
  if (values.help) {
    d.stdout.write(SUMMARY_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing WORKFLOW' : 'give one WORKFLOW', 'summary');
  const windowMs = parseDuration(values.window);
  if (windowMs === undefined || windowMs <= 0) {
    throw new UsageError(`--window must be a duration like 30m, 24h, 7d or 1h30m, not ${JSON.stringify(values.window)}`, 'summary');
  }
  const query = new URLSearchParams({ window: values.window });
  const body = await fetchJson(d, `/v1/workflows/${encodeURIComponent(positionals[0] as string)}/summary?${query}`);
  d.stdout.write(values.json ? `${JSON.stringify(body)}\n` : formatSummary(body as WorkflowSummary, painter(useColour(d.stdout, d.env))));
  return 0;
}
