/**
 * The shorthand condition language: every signal's PromQL, comparisons, `and`/`or` (with `on`
 * over shared labels), levels, and the problems it reports with their index in the condition.
 */
import { describe, expect, it } from 'vitest';
import { LEVELS, SIGNALS, compileCondition, severityOf, signalTableMarkdown } from '../../../src/rules/shorthand.ts';

const RUN_ON = 'on(cicd_pipeline_name, cicd_pipeline_run_id)';
const ERROR_RATE =
  'sum by (cicd_pipeline_name) (rate(cicd_pipeline_run_errors_total[15m])) / sum by (cicd_pipeline_name) (rate(cicd_pipeline_run_duration_count{cicd_pipeline_run_state="executing"}[15m]))';

describe('shorthand conditions compile to PromQL', () => {
  it.each([
    ['no_progress_for_minutes > 10', 'runwarden_run_progress_age / 60 > 10'],
    ['no_heartbeat_for_seconds >= 90', 'runwarden_run_heartbeat_age >= 90'],
    ['heartbeat_gap_ratio >= 2', 'runwarden_run_heartbeat_age / runwarden_run_heartbeat_interval >= 2'],
    ['phase_elapsed_ratio > 0.8', 'runwarden_run_phase_budget_ratio > 0.8'],
    ['phase_elapsed_seconds > 1800', 'runwarden_run_phase_elapsed > 1800'],
    ['progress_percent < 50', '100 * runwarden_run_progress < 50'],
    ['error_rate > 0.2', `${ERROR_RATE} > 0.2`],
    ['dependent_workflows_failing > 2', 'runwarden_run_dependencies_failing > 2'],
    ['memory_usage_percent >= 90', '100 * runwarden_memory_utilization >= 90'],
    ['cpu_usage_percent > 80', '100 * runwarden_cpu_utilization > 80'],
    ['queue_depth > 100', 'runwarden_pool_queue_depth > 100'],
    ['queue_wait_seconds > 600', 'runwarden_pool_queue_wait > 600'],
    ['pool_utilization_percent > 95', '100 * runwarden_pool_utilization > 95'],
    ['queue_depth == 0', 'runwarden_pool_queue_depth == 0'],
    ['queue_depth != 0', 'runwarden_pool_queue_depth != 0'],
    ['queue_depth <= 1e3', 'runwarden_pool_queue_depth <= 1e3'],
    ['progress_percent>-1', '100 * runwarden_run_progress > -1'],
    ['  queue_depth   >   .5  ', 'runwarden_pool_queue_depth > .5'],
    // `and` matches on the labels both sides share; `or` keeps both sides; `and` binds tighter.
    ['no_progress_for_minutes > 10 and no_heartbeat_for_seconds > 60', `runwarden_run_progress_age / 60 > 10 and ${RUN_ON} runwarden_run_heartbeat_age > 60`],
    ['phase_elapsed_ratio > 1 and no_heartbeat_for_seconds > 60', `runwarden_run_phase_budget_ratio > 1 and ${RUN_ON} runwarden_run_heartbeat_age > 60`],
    ['no_progress_for_minutes > 10 AND queue_depth > 5', 'runwarden_run_progress_age / 60 > 10 and on() runwarden_pool_queue_depth > 5'],
    ['error_rate > 0.5 and phase_elapsed_ratio > 1', `${ERROR_RATE} > 0.5 and on(cicd_pipeline_name) runwarden_run_phase_budget_ratio > 1`],
    ['queue_depth > 100 or pool_utilization_percent > 95', 'runwarden_pool_queue_depth > 100 or 100 * runwarden_pool_utilization > 95'],
    [
      'queue_depth > 1 and pool_utilization_percent > 2 or memory_usage_percent > 3 and cpu_usage_percent > 4',
      'runwarden_pool_queue_depth > 1 and on() 100 * runwarden_pool_utilization > 2 or 100 * runwarden_memory_utilization > 3 and on() 100 * runwarden_cpu_utilization > 4',
    ],
  ])('%s', (condition, promql) => {
    expect(compileCondition(condition)).toEqual({ ok: true, promql });
  });

  it.each([
    ['no_progress_for_hours > 1', 0, 'unknown signal "no_progress_for_hours"'],
    ['queue_depth', 11, 'expected a comparison (>= <= == != > <) after queue_depth'],
    ['queue_depth = 1', 12, 'unexpected character "="'],
    ['queue_depth > many', 14, 'expected a number after >'],
    ['queue_depth > 1 queue_depth > 2', 16, "expected 'and', 'or' or the end of the condition, got \"queue_depth\""],
    ['queue_depth > 1 or', 18, 'missing signal at the end of the condition'],
    ['and queue_depth > 1', 0, 'expected a signal name, got "and"'],
    ['(queue_depth > 1)', 0, 'unexpected character "("'],
    ['', 0, 'missing signal at the end of the condition'],
  ])('%j is refused at index %i', (condition, index, message) => {
    const result = compileCondition(condition);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.index).toBe(index);
    expect(result.message.startsWith(message), result.message).toBe(true);
  });
});

describe('levels and the signal table', () => {
  it('maps INFO, WARNING, ERROR, CRITICAL (any case) to severity values', () => {
    expect(LEVELS).toEqual({ INFO: 'info', WARNING: 'warning', ERROR: 'error', CRITICAL: 'critical' });
    expect(['info', 'Warning', 'ERROR', 'critical', 'page', 'constructor'].map(severityOf)).toEqual(['info', 'warning', 'error', 'critical', undefined, undefined]);
  });

  it('offers at least the signals the issue names, each documented with its labels', () => {
    const names = SIGNALS.map((s) => s.name);
    for (const required of [
      'no_progress_for_minutes',
      'no_heartbeat_for_seconds',
      'phase_elapsed_ratio',
      'error_rate',
      'memory_usage_percent',
      'cpu_usage_percent',
      'dependent_workflows_failing',
      'queue_depth',
      'pool_utilization_percent',
    ]) {
      expect(names).toContain(required);
    }
    expect(new Set(names).size).toBe(names.length);
    for (const s of SIGNALS) expect(s.description.length, s.name).toBeGreaterThan(10);
  });

  it('renders the signal table as Markdown, one row per signal', () => {
    const md = signalTableMarkdown();
    expect(md.split('\n').filter((l) => l.startsWith('| `'))).toHaveLength(SIGNALS.length);
    expect(md).toContain('| `no_progress_for_minutes` | `runwarden_run_progress_age / 60` |');
  });
});
