/**
 * AlertingRule: Prometheus's alerting-rule state machine (`rules/alerting.go`), step for step.
 * Each evaluation turns the expression's output into alerts (identity: the series' labels without
 * `__name__`, plus the rule's labels templated, plus `alertname`), moves each alert through
 * inactive → pending → firing → resolved honouring `for` and `keep_firing_for`, keeps resolved
 * alerts for 15 minutes so their resolve is re-sent, and returns the `ALERTS` and
 * `ALERTS_FOR_STATE` samples. Sending is the caller's business: `alertsToSend` says what is due,
 * and the group hands it to a notify function. This file never imports a notifier.
 */
import { METRIC_NAME_LABEL, labelsKey, makeLabels, makeRecord } from './label-set.ts';
import { RESOLVED_RETENTION_MS, needsSending, restoreAlert, snapshotAlert } from './alert-state.ts';
import type { Alert, AlertSnapshot, AlertState, OutgoingAlert } from './alert-state.ts';
import { compilePromQL } from './promql/compile.ts';
import { expansionFailure } from './template/errors.ts';
import { RuleEvalError, initialStatus, instantVector } from './rule.ts';
import type { EvalContext, Rule, RuleStatus } from './rule.ts';
import type { AlertingRuleSpec } from './rule-spec.ts';
import type { CompiledExpr, CompiledTemplate, Labels, Sample, TemplateData } from './types.ts';

/** ALERTS_METRIC is the series of active alerts, with an `alertstate` label. */
export const ALERTS_METRIC = 'ALERTS';
/** ALERTS_FOR_STATE_METRIC is the series whose value is each active alert's `activeAt` in seconds. */
export const ALERTS_FOR_STATE_METRIC = 'ALERTS_FOR_STATE';

/** AlertingRuleOptions is what the rule's templates see beyond the alert itself. */
export interface AlertingRuleOptions {
  externalLabels?: Readonly<Record<string, string>>;
  externalURL?: string;
  /** Compiles the expressions templates pass to `query` (compilePromQL by default). */
  compileQuery?: (text: string) => CompiledExpr;
}

/**
 * RenderEnv is what a template render gets besides TemplateData: a `query` function evaluating
 * PromQL at the evaluation time, and that time for `now` (as Prometheus's template expander).
 * Templates that do not use them ignore the argument.
 */
interface RenderEnv {
  query: (expr: string) => readonly Sample[];
  nowMs: number;
}

/**
 * ENV_FUNCS finds the template functions whose answer depends on more than the template data:
 * `query` reads the store, `now` the evaluation time. A template mentioning either (even in
 * text, a conservative test) is rendered at every evaluation.
 */
const ENV_FUNCS = /\b(query|now)\b/;

/**
 * SeenKey is an alert identity an evaluation saw: at which evaluation (a stamp), and the
 * annotations last rendered for it with the sample labels and value they were rendered from.
 */
interface SeenKey {
  stamp: number;
  source: Labels;
  value: number;
  annotations: Labels;
}

/** BatchRow is one expression sample turned into an alert's identity, annotations and value. */
interface BatchRow {
  key: string;
  labels: Labels;
  annotations: Labels;
  value: number;
}

// QUERY_CACHE_SIZE bounds the expressions templates' `query` calls keep compiled per rule.
const QUERY_CACHE_SIZE = 64;

/** AlertingRuleState is the rule's state: the most advanced of its alerts', `unknown` before the first evaluation. */
export type AlertingRuleState = AlertState | 'unknown';

/** AlertingRuleSnapshot is the rule's alert state as plain JSON, to persist and restore. */
export interface AlertingRuleSnapshot {
  alerts: AlertSnapshot[];
}

/** AlertingRule is one alerting rule and the state of its alerts. */
export class AlertingRule implements Rule {
  readonly kind = 'alerting';
  readonly spec: AlertingRuleSpec;
  status: RuleStatus = initialStatus();
  readonly #externalLabels: Record<string, string>;
  readonly #externalURL: string;
  readonly #compileQuery: (text: string) => CompiledExpr;
  readonly #queries = new Map<string, CompiledExpr>();
  /** Alerts by identity key: pending, firing, and resolved ones within their retention. */
  #active = new Map<string, Alert>();
  readonly #labelCache = new WeakMap<Alert, { state: AlertState; labels: Labels; alerts: Labels; forState: Labels }>();
  /**
   * Alert label sets by the expression's output label set, when the rule's label templates are
   * plain text (no `{{`), so the labels do not depend on the value: the evaluator hands out the
   * same label objects from one evaluation to the next, and an alert's identity is then found
   * without rebuilding it.
   */
  readonly #alertLabels = new WeakMap<Labels, { labels: Labels; key: string }>();
  readonly #staticLabels: boolean;
  /**
   * Whether the annotations depend only on the template data (labels, value, external labels and
   * URL): true unless a template can call `query` or `now`, which read the evaluation's time and
   * store. Then an alert whose expression gave the same label object and the same value as at
   * the last evaluation gets the same annotations, and they are not rendered again (Prometheus
   * renders every evaluation; the text would be identical).
   */
  readonly #pureAnnotations: boolean;
  /**
   * Per alert identity key seen at a recent evaluation: the evaluation that last saw it (so this
   * map is also the evaluation's set of keys, with no set made per tick) and the annotations
   * rendered for it, with the inputs they came from. Entries not seen are pruned.
   */
  readonly #seenKeys = new Map<string, SeenKey>();
  /** Counts evaluations: the stamp of #seenKeys entries. */
  #evaluation = 0;
  /**
   * Scratch space of one evaluation, reused from one to the next so a tick allocates no
   * per-alert containers: per expression sample, its alert's key, labels, annotations and value.
   */
  readonly #batch: BatchRow[] = [];

  constructor(spec: AlertingRuleSpec, options: AlertingRuleOptions = {}) {
    this.spec = spec;
    this.#externalLabels = { ...options.externalLabels };
    this.#externalURL = options.externalURL ?? '';
    this.#compileQuery = options.compileQuery ?? compilePromQL;
    this.#staticLabels = [...spec.labelTemplates.values()].every((t) => !t.text.includes('{{'));
    this.#pureAnnotations = [...spec.annotationTemplates.values()].every((t) => !ENV_FUNCS.test(t.text));
  }

  get name(): string {
    return this.spec.name;
  }

  get labels(): Labels {
    return this.spec.labels;
  }

  get query(): string {
    return this.spec.expr.text;
  }

  eval(now: number, ctx: EvalContext): Sample[] {
    const result = instantVector(this.spec.expr.evaluate(now - ctx.queryOffsetMs, ctx.source, ctx.options));
    const stamp = this.#alertsFrom(result, this.#renderEnv(now, ctx));
    const seenKeys = this.#seenKeys;
    const batch = this.#batch;

    for (let i = 0; i < result.length; i++) {
      const row = batch[i] as BatchRow;
      const known = this.#active.get(row.key);
      if (known !== undefined && known.state !== 'inactive') {
        known.value = row.value;
        known.annotations = row.annotations;
      } else {
        this.#active.set(row.key, newAlert(row.labels, row.annotations, row.value, now));
      }
    }

    let activeCount = 0;
    const samples: Sample[] = [];
    for (const [key, a] of this.#active) {
      if (seenKeys.get(key)?.stamp !== stamp) {
        let keepFiring = false;
        if (a.state === 'firing' && this.spec.keepFiringForMs > 0) {
          a.keepFiringSince ??= now;
          keepFiring = now - a.keepFiringSince < this.spec.keepFiringForMs;
        }
        // A pending alert whose condition went away is forgotten; a resolved one is kept (and
        // re-sent) until its retention is over.
        if (a.state === 'pending' || (a.resolvedAt !== undefined && now - a.resolvedAt > RESOLVED_RETENTION_MS)) this.#active.delete(key);
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAt = now;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = undefined;
      }
      activeCount++;

      if (a.state === 'pending' && now - a.activeAt >= this.spec.forMs) {
        a.state = 'firing';
        a.firedAt = now;
      }
      // A `for` made longer (a reload, a restore) sends a firing alert back to pending.
      if (a.state === 'firing' && now - a.activeAt < this.spec.forMs) {
        a.state = 'pending';
        a.firedAt = undefined;
        a.lastSentAt = undefined;
        a.keepFiringSince = undefined;
      }
      const { alerts, forState } = this.#seriesLabels(a);
      samples.push({ labels: alerts, value: 1 }, { labels: forState, value: Math.floor(a.activeAt / 1000) });
    }

    if (ctx.limit > 0 && activeCount > ctx.limit) {
      this.#active = new Map();
      throw new RuleEvalError(`exceeded limit of ${ctx.limit} with ${activeCount} alerts`);
    }
    return samples;
  }

  // #alertsFrom turns the expression's samples into the rows of #batch (one per sample: the
  // alert's identity key, labels, annotations, value) and stamps their keys in #seenKeys with
  // the stamp it returns, before they meet the state kept from earlier evaluations. Throws when
  // two share a label set; the kept alerts are then unchanged.
  #alertsFrom(result: readonly Sample[], env: RenderEnv): number {
    const stamp = ++this.#evaluation;
    const seenKeys = this.#seenKeys;
    const batch = this.#batch;
    for (let i = 0; i < result.length; i++) {
      const sample = result[i] as Sample;
      let data: TemplateData | undefined;
      let identity = this.#staticLabels ? this.#alertLabels.get(sample.labels) : undefined;
      if (identity === undefined) {
        data = this.#data(sample);
        const entries: Array<[string, string]> = Object.entries(sample.labels).filter(([name]) => name !== METRIC_NAME_LABEL);
        for (const [name, template] of this.spec.labelTemplates) entries.push([name, expand(template, data, env)]);
        entries.push(['alertname', this.spec.name]);
        const made = makeLabels(entries);
        identity = { labels: made, key: labelsKey(made) };
        if (this.#staticLabels) this.#alertLabels.set(sample.labels, identity);
      }
      const { labels, key } = identity;
      let entry = seenKeys.get(key);
      if (entry?.stamp === stamp) throw new RuleEvalError('vector contains metrics with the same labelset after applying alert labels');
      if (entry === undefined || !this.#pureAnnotations || entry.source !== sample.labels || !Object.is(entry.value, sample.value)) {
        data ??= this.#data(sample);
        const annotations = makeRecord([...this.spec.annotationTemplates].map(([name, template]) => [name, expand(template, data as TemplateData, env)] as const));
        if (entry === undefined) {
          entry = { stamp, source: sample.labels, value: sample.value, annotations };
          seenKeys.set(key, entry);
        } else {
          entry.source = sample.labels;
          entry.value = sample.value;
          entry.annotations = annotations;
        }
      }
      entry.stamp = stamp;
      const row = batch[i];
      if (row === undefined) batch.push({ key, labels, annotations: entry.annotations, value: sample.value });
      else {
        row.key = key;
        row.labels = labels;
        row.annotations = entry.annotations;
        row.value = sample.value;
      }
    }
    // Rows past this evaluation's would keep old alerts' objects alive.
    batch.length = result.length;
    if (seenKeys.size > result.length) for (const [key, entry] of seenKeys) if (entry.stamp !== stamp) seenKeys.delete(key);
    return stamp;
  }

  // #data is the template data of one sample. The evaluator's label objects are read-only by
  // contract, and templates read them through their own Go maps, so no copy is made.
  #data(sample: Sample): TemplateData {
    return { labels: sample.labels, value: sample.value, externalLabels: this.#externalLabels, externalURL: this.#externalURL };
  }

  // #renderEnv gives templates `query`, run as an instant query at the evaluation time (not
  // minus the query offset, as Prometheus's expander does), and `now`.
  #renderEnv(now: number, ctx: EvalContext): RenderEnv {
    const query = (text: string): readonly Sample[] => {
      let expr = this.#queries.get(text);
      if (expr === undefined) {
        if (this.#queries.size >= QUERY_CACHE_SIZE) this.#queries.clear();
        expr = this.#compileQuery(text);
        this.#queries.set(text, expr);
      }
      return instantVector(expr.evaluate(now, ctx.source, ctx.options));
    };
    return { query, nowMs: now };
  }

  /**
   * alertsToSend returns the alerts due for a notification at `now` (needsSending), marking them
   * sent: `lastSentAt = now`, `validUntil = now + 4 × max(intervalMs, resendDelayMs)`, which allows
   * two failed evaluations or sends before a receiver lets the alert expire.
   */
  alertsToSend(now: number, resendDelayMs: number, intervalMs: number): OutgoingAlert[] {
    const out: OutgoingAlert[] = [];
    for (const a of this.#active.values()) {
      const reason = needsSending(a, now, resendDelayMs);
      if (reason === undefined) continue;
      a.lastSentAt = now;
      a.validUntil = now + 4 * Math.max(intervalMs, resendDelayMs);
      const alert = copyAlert(a);
      out.push({ alert, reason, startsAt: a.activeAt, endsAt: a.resolvedAt ?? a.validUntil });
    }
    return out;
  }

  /** activeAlerts lists copies of the pending and firing alerts (not the resolved ones kept for re-sending). */
  activeAlerts(): Alert[] {
    return Array.from(this.eachActiveAlert(), copyAlert);
  }

  /**
   * eachActiveAlert yields the pending and firing alerts themselves, not copies: for readers that
   * only look, at every scrape (the ALERTS series), where a copy of each alert would be garbage.
   * Valid until the next evaluation.
   */
  *eachActiveAlert(): Generator<Readonly<Alert>> {
    for (const a of this.#active.values()) if (a.resolvedAt === undefined) yield a;
  }

  /** currentAlerts lists copies of every alert the rule keeps, resolved ones included. */
  currentAlerts(): Alert[] {
    return [...this.#active.values()].map(copyAlert);
  }

  /** state is the most advanced state of the rule's alerts: firing > pending > inactive. */
  state(): AlertingRuleState {
    if (this.status.lastEvaluation === undefined) return 'unknown';
    let state: AlertState = 'inactive';
    for (const a of this.#active.values()) {
      if (a.state === 'firing') return 'firing';
      if (a.state === 'pending') state = 'pending';
    }
    return state;
  }

  /** snapshot is the alert state as plain JSON: pending `for` clocks and `keep_firing_for` included. */
  snapshot(): AlertingRuleSnapshot {
    return { alerts: [...this.#active.values()].map(snapshotAlert) };
  }

  /** restore replaces the alert state with a snapshot's. Throws TypeError on a malformed snapshot, changing nothing. */
  restore(snapshot: AlertingRuleSnapshot): void {
    const alerts = (snapshot as { alerts?: unknown }).alerts;
    if (!Array.isArray(alerts)) throw new TypeError('alerting rule snapshot: alerts must be a list');
    const restored = new Map<string, Alert>();
    for (const s of alerts) {
      const a = shapedAlert(restoreAlert(s));
      restored.set(labelsKey(a.labels), a);
    }
    this.#active = restored;
  }

  /** copyState takes over another rule's alerts (the same rule before a reload), as Prometheus's `Group.CopyState`. */
  copyState(from: AlertingRule): void {
    for (const [key, a] of from.#active) this.#active.set(key, shapedAlert(a));
  }

  // The ALERTS and ALERTS_FOR_STATE label sets of an alert, made once per alert and state: the
  // same objects every evaluation, so the sample store's identity cache finds them.
  #seriesLabels(a: Alert): { alerts: Labels; forState: Labels } {
    let cached = this.#labelCache.get(a);
    if (cached === undefined || cached.state !== a.state || cached.labels !== a.labels) {
      const base = Object.entries(a.labels);
      cached = {
        state: a.state,
        labels: a.labels,
        alerts: makeLabels([...base, [METRIC_NAME_LABEL, ALERTS_METRIC], ['alertname', this.spec.name], ['alertstate', a.state]]),
        forState: makeLabels([...base, [METRIC_NAME_LABEL, ALERTS_FOR_STATE_METRIC], ['alertname', this.spec.name]]),
      };
      this.#labelCache.set(a, cached);
    }
    return cached;
  }
}

/**
 * newAlert makes a pending alert with every optional time present and undefined: alerts then
 * share one shape from their first evaluation on, instead of growing a new one as they fire, are
 * sent and resolve (each new shape sent the evaluation code back to the interpreter and the
 * compiler to work again while it ran). copyAlert leaves the undefined times out again.
 */
function newAlert(labels: Labels, annotations: Labels, value: number, activeAt: number): Alert {
  return { state: 'pending', labels, annotations, value, activeAt, firedAt: undefined, resolvedAt: undefined, lastSentAt: undefined, keepFiringSince: undefined, validUntil: undefined };
}

/** shapedAlert copies an alert into newAlert's shape. */
function shapedAlert(a: Alert): Alert {
  const out = newAlert(a.labels, a.annotations, a.value, a.activeAt);
  out.state = a.state;
  out.firedAt = a.firedAt;
  out.resolvedAt = a.resolvedAt;
  out.lastSentAt = a.lastSentAt;
  out.keepFiringSince = a.keepFiringSince;
  out.validUntil = a.validUntil;
  return out;
}

/** copyAlert copies an alert with only the times it has: what callers have always been given. */
function copyAlert(a: Alert): Alert {
  const out: Alert = { state: a.state, labels: a.labels, annotations: a.annotations, value: a.value, activeAt: a.activeAt };
  if (a.firedAt !== undefined) out.firedAt = a.firedAt;
  if (a.resolvedAt !== undefined) out.resolvedAt = a.resolvedAt;
  if (a.lastSentAt !== undefined) out.lastSentAt = a.lastSentAt;
  if (a.keepFiringSince !== undefined) out.keepFiringSince = a.keepFiringSince;
  if (a.validUntil !== undefined) out.validUntil = a.validUntil;
  return out;
}

// expand renders a label or annotation template. A failure renders the error instead, in
// Prometheus's words (expansionFailure), so the alert still goes out and says what is wrong.
function expand(template: CompiledTemplate, data: TemplateData, env: RenderEnv): string {
  try {
    return (template as { render(data: TemplateData, env: RenderEnv): string }).render(data, env);
  } catch (err) {
    return expansionFailure(err);
  }
}
