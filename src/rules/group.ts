/**
 * Group: a rule group evaluated as Prometheus's `rules/group.go` evaluates one. At each tick every
 * rule runs in order with the same timestamp (so a recording rule's output is visible to the rules
 * after it), its results are written to the sample store, series that vanished since the rule's
 * previous evaluation get stale markers, and due alerts go to the notify function. A rule that
 * fails is marked unhealthy with its error and the others go on; nothing here throws out of `eval`.
 * Scheduling is the caller's: `eval(now)` takes the time.
 */
import { performance } from 'node:perf_hooks';
import { AlertingRule } from './alerting-rule.ts';
import type { AlertingRuleOptions, AlertingRuleSnapshot } from './alerting-rule.ts';
import { DEFAULT_RESEND_DELAY_MS } from './alert-state.ts';
import type { OutgoingAlert } from './alert-state.ts';
import { labelsKey } from './label-set.ts';
import { RecordingRule } from './recording-rule.ts';
import type { EvalContext } from './rule.ts';
import type { GroupSpec } from './rule-spec.ts';
import type { EvalOptions, Labels, SeriesSource } from './types.ts';

/** DEFAULT_INTERVAL_MS is Prometheus's default `evaluation_interval`. */
export const DEFAULT_INTERVAL_MS = 60_000;

/** SampleWriter is where rule results go: the sample store (`src/series/sample-store.ts`). */
export interface SampleWriter {
  /** append adds a sample; it MAY throw (out of order, full), which marks the rule unhealthy. */
  append(labels: Labels, t: number, v: number): void;
  /** markStale ends a series at `t`, as Prometheus's stale NaN does. */
  markStale(labels: Labels, t: number): void;
}

/** AlertBatch is what one alerting rule has to send after one evaluation. */
export interface AlertBatch {
  group: string;
  file: string;
  rule: string;
  /** The rule's expression, for a generator URL. */
  expr: string;
  alerts: OutgoingAlert[];
}

/**
 * NotifyFunc receives the alerts due after each evaluation (Prometheus's `NotifyFunc`). It MUST
 * NOT block: hand the batch over (to an outbox) and return. main.ts wires it to the pipeline.
 */
export type NotifyFunc = (batch: AlertBatch) => void;

/** RuleEvaluation reports one rule's evaluation, for metrics, logs and spans. */
export interface RuleEvaluation {
  group: string;
  file: string;
  rule: AlertingRule | RecordingRule;
  index: number;
  now: number;
  durationMs: number;
  /** Samples the rule returned (recorded series, or ALERTS and ALERTS_FOR_STATE). */
  samples: number;
  /** Set when the evaluation failed (the rule is then unhealthy). */
  error?: Error;
}

/** GroupOptions are the settings and collaborators a group needs besides its spec. */
export interface GroupOptions extends AlertingRuleOptions {
  store: SeriesSource & SampleWriter;
  evalOptions: EvalOptions;
  /** The interval when the group sets none: the configured evaluation interval (Prometheus: 1m). */
  defaultIntervalMs?: number;
  /** The query offset when the group sets none (Prometheus's `rule_query_offset`, default 0). */
  defaultQueryOffsetMs?: number;
  /** How often a firing alert is sent again (Prometheus's default 1m). */
  resendDelayMs?: number;
  notify?: NotifyFunc;
  onRuleEvaluated?: (evaluation: RuleEvaluation) => void;
  /** A monotonic clock in ms to measure evaluation durations (performance.now by default). */
  monotonicNow?: () => number;
}

/** GroupSnapshot is a group's alert state as plain JSON. */
export interface GroupSnapshot {
  version: 1;
  name: string;
  file: string;
  rules: Array<{ name: string; labels: Record<string, string>; state: AlertingRuleSnapshot }>;
}

/** Group is a rule group and the state its evaluation carries from tick to tick. */
export class Group {
  readonly spec: GroupSpec;
  readonly rules: ReadonlyArray<AlertingRule | RecordingRule>;
  readonly intervalMs: number;
  readonly queryOffsetMs: number;
  /** The timestamp of the last evaluation; undefined before the first. */
  lastEvaluation: number | undefined;
  /** How long the last evaluation of the whole group took, in ms. */
  evaluationTimeMs = 0;
  readonly #options: GroupOptions;
  readonly #clock: () => number;
  /** What every rule's evaluation reads: the same at every tick, so made once. */
  readonly #ctx: EvalContext;
  /** Per rule: the series it wrote at its last successful evaluation, by label key. */
  #previous: Array<Map<string, Written>>;
  /**
   * Counts #write calls: the stamp a written series gets. #previous is updated in place (a
   * fresh map per rule per tick, grown to thousands of entries, was a good part of what a tick
   * allocated): series written now get the new stamp, the others are marked stale and dropped.
   */
  #writes = 0;
  /** Series of rules gone in a reload, to mark stale at the next evaluation. */
  #staleSeries: Labels[] = [];

  constructor(spec: GroupSpec, options: GroupOptions) {
    this.spec = spec;
    this.#options = options;
    this.#clock = options.monotonicNow ?? (() => performance.now());
    this.intervalMs = spec.intervalMs ?? options.defaultIntervalMs ?? DEFAULT_INTERVAL_MS;
    this.queryOffsetMs = spec.queryOffsetMs ?? options.defaultQueryOffsetMs ?? 0;
    this.#ctx = { source: options.store, options: options.evalOptions, queryOffsetMs: this.queryOffsetMs, limit: spec.limit };
    this.rules = spec.rules.map((r) => (r.kind === 'alerting' ? new AlertingRule(r, options) : new RecordingRule(r)));
    this.#previous = this.rules.map(() => new Map());
  }

  get name(): string {
    return this.spec.name;
  }

  get file(): string {
    return this.spec.file;
  }

  get limit(): number {
    return this.spec.limit;
  }

  /** eval evaluates every rule at `now`, in order. Never throws for a rule's failure. */
  eval(now: number): void {
    const start = this.#clock();
    for (let i = 0; i < this.rules.length; i++) this.#evalRule(i, now);
    this.#cleanupStaleSeries(now);
    this.lastEvaluation = now;
    this.evaluationTimeMs = this.#clock() - start;
  }

  #evalRule(index: number, now: number): void {
    const rule = this.rules[index] as AlertingRule | RecordingRule;
    const start = this.#clock();
    let error: Error | undefined;
    let count = 0;
    try {
      const samples = rule.eval(now, this.#ctx);
      count = samples.length;
      if (rule instanceof AlertingRule) error = this.#send(rule, now);
      error = this.#write(index, samples, now) ?? error;
    } catch (err) {
      error = asError(err);
    }
    const durationMs = this.#clock() - start;
    rule.status = { health: error ? 'err' : 'ok', lastError: error?.message, lastEvaluation: now, evaluationTimeMs: durationMs };
    this.#options.onRuleEvaluated?.({ group: this.name, file: this.file, rule, index, now, durationMs, samples: count, ...(error ? { error } : {}) });
  }

  #send(rule: AlertingRule, now: number): Error | undefined {
    const alerts = rule.alertsToSend(now, this.#options.resendDelayMs ?? DEFAULT_RESEND_DELAY_MS, this.intervalMs);
    if (alerts.length === 0 || this.#options.notify === undefined) return undefined;
    try {
      this.#options.notify({ group: this.name, file: this.file, rule: rule.name, expr: rule.query, alerts });
      return undefined;
    } catch (err) {
      return new Error(`sending alerts: ${asError(err).message}`, { cause: err });
    }
  }

  // #write appends a rule's samples and marks stale what it wrote last time but not now. A
  // failed append marks the rule unhealthy; the other samples are still written.
  #write(index: number, samples: readonly { labels: Labels; value: number }[], now: number): Error | undefined {
    const store = this.#options.store;
    const t = now - this.queryOffsetMs;
    const previous = this.#previous[index] as Map<string, Written>;
    const stamp = ++this.#writes;
    let error: Error | undefined;
    for (const s of samples) {
      try {
        store.append(s.labels, t, s.value);
        const key = labelsKey(s.labels);
        const entry = previous.get(key);
        if (entry === undefined) previous.set(key, { labels: s.labels, stamp });
        else {
          entry.labels = s.labels;
          entry.stamp = stamp;
        }
      } catch (err) {
        error = asError(err);
      }
    }
    // forEach, not for-of: destructuring entries made an array per series written.
    previous.forEach((entry, key) => {
      if (entry.stamp === stamp) return;
      previous.delete(key);
      try {
        store.markStale(entry.labels, t);
      } catch {
        // As Prometheus: a stale marker refused (another rule wrote the series) is expected.
      }
    });
    return error;
  }

  #cleanupStaleSeries(now: number): void {
    if (this.#staleSeries.length === 0) return;
    const t = now - this.queryOffsetMs;
    for (const labels of this.#staleSeries) {
      try {
        this.#options.store.markStale(labels, t);
      } catch {
        // Expected when the series is now written by another rule.
      }
    }
    this.#staleSeries = [];
  }

  /** markStale ends every series the group wrote at its last evaluation: call it when the group is removed. */
  markStale(now: number): void {
    for (const previous of this.#previous) for (const w of previous.values()) this.#staleSeries.push(w.labels);
    this.#previous = this.rules.map(() => new Map());
    this.#cleanupStaleSeries(now);
  }

  /** alertingRules lists the group's alerting rules. */
  alertingRules(): AlertingRule[] {
    return this.rules.filter((r): r is AlertingRule => r instanceof AlertingRule);
  }

  /**
   * copyStateFrom carries state over from the same group before a reload, as Prometheus's
   * `Group.CopyState`: rules are matched by name and labels (in order, for duplicates); a matched
   * rule keeps its alerts and the series it wrote; the series of rules that are gone are marked
   * stale at the next evaluation.
   */
  copyStateFrom(old: Group): void {
    this.lastEvaluation = old.lastEvaluation;
    this.evaluationTimeMs = old.evaluationTimeMs;
    const unmatched = new Map<string, number[]>();
    old.rules.forEach((r, i) => pushTo(unmatched, ruleKey(r), i));
    this.rules.forEach((rule, i) => {
      const indexes = unmatched.get(ruleKey(rule));
      const from = indexes?.shift();
      if (from === undefined) return;
      // Stamp 0: no #write of this group has made it, so the next one marks them stale unless it writes them.
      this.#previous[i] = new Map([...(old.#previous[from] as Map<string, Written>)].map(([key, w]) => [key, { labels: w.labels, stamp: 0 }]));
      const fromRule = old.rules[from];
      if (rule instanceof AlertingRule && fromRule instanceof AlertingRule) rule.copyState(fromRule);
    });
    this.#staleSeries = [...old.#staleSeries];
    for (const indexes of unmatched.values()) {
      for (const i of indexes) for (const w of (old.#previous[i] as Map<string, Written>).values()) this.#staleSeries.push(w.labels);
    }
  }

  /** snapshot is the alert state of the group's alerting rules as plain JSON. */
  snapshot(): GroupSnapshot {
    return {
      version: 1,
      name: this.name,
      file: this.file,
      rules: this.alertingRules().map((r) => ({ name: r.name, labels: { ...r.labels }, state: r.snapshot() })),
    };
  }

  /**
   * restore puts back the alert state of a snapshot, rule by rule, matching rules by name and
   * labels (in order, for duplicates); rules the snapshot does not know start empty. Throws
   * TypeError on a malformed snapshot; rules already restored keep their restored state.
   */
  restore(snapshot: GroupSnapshot): void {
    if (snapshot?.version !== 1 || !Array.isArray(snapshot.rules)) throw new TypeError('group snapshot: unknown format');
    const saved = new Map<string, AlertingRuleSnapshot[]>();
    for (const r of snapshot.rules) pushTo(saved, `${r.name}\u0000${labelsKey(r.labels)}`, r.state);
    for (const rule of this.alertingRules()) {
      const state = saved.get(ruleKey(rule))?.shift();
      if (state !== undefined) rule.restore(state);
    }
  }
}

/** Written is a series a rule wrote, and the stamp of the #write that last wrote it. */
interface Written {
  labels: Labels;
  stamp: number;
}

// ruleKey identifies a rule across reloads and restarts, as Prometheus's nameAndLabels.
function ruleKey(rule: { name: string; labels: Labels }): string {
  return `${rule.name}\u0000${labelsKey(rule.labels)}`;
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
