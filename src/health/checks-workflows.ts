import { isFailing } from '../domain/types.ts';
import { outcome, pct, secs } from './grade.ts';
import type { Offender } from './grade.ts';
import type { HealthThresholds } from './thresholds.ts';
import type { CheckOutcome, HealthSnapshot } from './types.ts';

/**
 * Checks of workflow quality: success rate and p95 duration over the window against a day
 * earlier (from the run history), retries per run, and dependencies failing (from memory). Pure.
 */

/** checkSuccessRate grades each workflow with enough finished runs in the window by its success rate. */
export function checkSuccessRate(s: HealthSnapshot, t: HealthThresholds): CheckOutcome {
  const r = t.successRate;
  const window = secs(r.windowMs / 1000);
  const offenders: Offender[] = [];
  let worst: number | null = null;
  for (const w of s.workflows) {
    if (w.successRate === null || w.finished < r.minRuns) continue;
    worst = Math.min(worst ?? 1, w.successRate);
    if (w.successRate >= r.warnBelow) continue;
    const failing = w.successRate < r.failBelow;
    const phase = w.failingPhases[0];
    const where = phase === undefined ? `look at its failed runs with \`runwarden runs --workflow ${w.workflow}\`` : `start with phase ${phase.name}, which failed ${pct(phase.failureRate)} of its attempts`;
    offenders.push({
      status: failing ? 'fail' : 'warn',
      value: w.successRate,
      threshold: failing ? r.failBelow : r.warnBelow,
      message: `workflow ${w.workflow} succeeded in ${w.success} of ${w.finished} runs (${pct(w.successRate)}) over the last ${window}`,
      recommendation: `workflow ${w.workflow} succeeded in ${w.success} of ${w.finished} runs (${pct(w.successRate)}) over the last ${window}: ${where}`,
    });
  }
  return outcome('workflow_success_rate', offenders, { observed: worst, threshold: r.warnBelow, message: `every workflow succeeded in at least ${pct(r.warnBelow)} of its runs over the last ${window}` }, false);
}

/** checkDuration grades each workflow's p95 duration against its p95 a day earlier. */
export function checkDuration(s: HealthSnapshot, t: HealthThresholds): CheckOutcome {
  const f = t.durationBaseline.factor;
  const offenders: Offender[] = [];
  let worst: number | null = null;
  for (const w of s.workflows) {
    if (w.p95Seconds === null || w.baselineP95Seconds === null || w.baselineP95Seconds <= 0) continue;
    const ratio = w.p95Seconds / w.baselineP95Seconds;
    worst = Math.max(worst ?? 0, ratio);
    if (ratio <= f) continue;
    offenders.push({
      status: 'warn',
      value: ratio,
      threshold: f,
      message: `p95 duration of ${w.workflow} is ${secs(w.p95Seconds)}, ${ratio.toFixed(1)}× a day earlier (${secs(w.baselineP95Seconds)})`,
      recommendation: `p95 duration of ${w.workflow} is ${secs(w.p95Seconds)}, ${ratio.toFixed(1)}× a day earlier (${secs(w.baselineP95Seconds)}): compare the phases of a slow run with \`runwarden status RUN\` and \`runwarden summary ${w.workflow}\``,
    });
  }
  return outcome('workflow_duration', offenders, { observed: worst, threshold: f, message: `no workflow's p95 duration is over ${f}× a day earlier` });
}

/** checkRetries grades each workflow by mean retries per run finished in the window. */
export function checkRetries(s: HealthSnapshot, t: HealthThresholds): CheckOutcome {
  const limit = t.retriesPerRun;
  const offenders: Offender[] = [];
  let worst: number | null = null;
  for (const w of s.retries) {
    if (w.runs === 0) continue;
    const per = w.retries / w.runs;
    worst = Math.max(worst ?? 0, per);
    if (per <= limit) continue;
    const phase = w.topPhase === undefined ? '' : `, most of them in phase ${w.topPhase}`;
    offenders.push({
      status: 'warn',
      value: per,
      threshold: limit,
      message: `runs of ${w.workflow} retried ${per.toFixed(1)} times each`,
      recommendation: `runs of ${w.workflow} retried ${per.toFixed(1)} times each${phase}: retries hide a flaky phase or a failing dependency; fix the cause rather than retrying`,
    });
  }
  return outcome('workflow_retries', offenders, { observed: worst, threshold: limit, message: `no workflow retries more than ${limit} time(s) per run` });
}

/** checkDependencies grades each active run with dependsOn by how many of those workflows last failed. */
export function checkDependencies(s: HealthSnapshot, t: HealthThresholds): CheckOutcome {
  const d = t.dependenciesFailing;
  const offenders: Offender[] = [];
  let worst: number | null = null;
  for (const run of s.activeRuns) {
    if (run.dependsOn.length === 0) continue;
    const failing = [...new Set(run.dependsOn)].filter((w) => {
      const r = s.latestResult(w);
      return r !== undefined && isFailing(r.result);
    });
    worst = Math.max(worst ?? 0, failing.length);
    if (failing.length <= d.warn) continue;
    const cascade = failing.length > d.fail;
    offenders.push({
      status: cascade ? 'fail' : 'warn',
      value: failing.length,
      threshold: cascade ? d.fail : d.warn,
      message: `run ${run.runId} of ${run.workflow} depends on ${failing.length} failing workflow(s): ${failing.join(', ')}`,
      recommendation: `run ${run.runId} of ${run.workflow} depends on failing ${failing.join(', ')}: ${cascade ? 'a cascade; fix those first and hold' : 'fix them, or hold'} ${run.workflow} until they pass`,
    });
  }
  return outcome('dependencies', offenders, { observed: worst, threshold: d.warn, message: 'no active run depends on a failing workflow' });
}
