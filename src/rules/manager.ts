/**
 * RuleManager runs the sidecar's rules, as Prometheus's `rules/manager.go` does: it loads every
 * group of every rule file, and at each tick samples the sidecar's own series (a self-scrape,
 * through the Sampler) and evaluates the groups that are due. After each group evaluation its
 * alert state is persisted, and at start it is restored before the first evaluation, so a restart
 * neither re-pages nor forgets a firing alert. Reloads (SIGHUP, a rule file changing) are
 * all-or-nothing and carry alert state over for unchanged rules (Prometheus's `Manager.Update`).
 * Nothing here throws out of the loop: problems are logged, counted and the loop goes on.
 * Time comes from the injected clock; tests call `tick()` themselves.
 */
import { readFileSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { configProblems } from '../config/config-errors.ts';
import { ConfigError } from '../errors.ts';
import type { SampleStore } from '../series/sample-store.ts';
import type { Alert } from './alert-state.ts';
import { AlertingRule } from './alerting-rule.ts';
import { BUNDLED_RULES, expandRuleFiles, loadRuleFiles, watchedDirs } from './discovery.ts';
import type { RuleSources } from './discovery.ts';
import { Group } from './group.ts';
import type { NotifyFunc } from './group.ts';
import type { RuleMetrics } from './rule-metrics.ts';
import type { RuleCompilers, RuleFile } from './rule-spec.ts';
import { Sampler } from './sampler.ts';
import type { EvalOptions } from './types.ts';
import { compileMatch } from './unittest/glob.ts';

/** StateStore keeps small values across restarts: the event store's `setMeta`/`meta`. */
export interface StateStore {
  setMeta(key: string, value: unknown): void;
  meta<T>(key: string): T | undefined;
}

/** ManagerLogger is the part of a pino logger the manager uses. */
export interface ManagerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** RuleManagerOptions wire a manager. */
export interface RuleManagerOptions {
  sources: RuleSources;
  clock: () => number;
  /** The exposition text /metrics would serve now (Telemetry.selfScrape). */
  scrape: () => Promise<string>;
  /**
   * The MetricData /metrics would serve now, when the telemetry offers it: sampled directly
   * (Sampler.ingestMetrics), the same series as `scrape` gives without writing and parsing the
   * text. Used instead of `scrape` when set.
   */
  collect?: () => Promise<ResourceMetrics>;
  store: SampleStore;
  state: StateStore;
  notify: NotifyFunc;
  logger: ManagerLogger;
  evalOptions: EvalOptions;
  /** The interval of groups that set none, and the sampling period. */
  defaultIntervalMs: number;
  externalLabels?: Readonly<Record<string, string>>;
  externalURL?: string;
  metrics?: RuleMetrics;
  compilers?: RuleCompilers;
  /** How long file changes settle before a reload (default 250 ms). */
  watchDebounceMs?: number;
}

/** stateKey is where a group's alert state is persisted. */
export function stateKey(file: string, group: string): string {
  return `rules:${file}:${group}`;
}

/** RuleManager owns the groups, the sampler and the evaluation loop. */
export class RuleManager {
  readonly #o: RuleManagerOptions;
  readonly #sampler: Sampler;
  #groups: Group[] = [];
  #signature = '';
  readonly #persisted = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #watchers: FSWatcher[] = [];
  #debounce: NodeJS.Timeout | undefined;
  #running = false;
  #ticking: Promise<void> | undefined;

  /**
   * The constructor loads every rule file and restores the persisted alert state. Throws
   * ConfigErrors (every problem of every file) when a file does not load: a start must refuse.
   */
  constructor(options: RuleManagerOptions) {
    this.#o = options;
    this.#sampler = new Sampler(options.store);
    const files = expandRuleFiles(options.sources);
    this.#swap(loadRuleFiles(files, options.compilers), files);
    for (const g of this.#groups) this.#restore(g);
    options.metrics?.bind(() => this.#eachActiveAlert(), options.store);
  }

  /** groups are the loaded groups, in file order. */
  groups(): readonly Group[] {
    return this.#groups;
  }

  /** activeAlerts lists the pending and firing alerts of every alerting rule. */
  activeAlerts(): Alert[] {
    return this.#groups.flatMap((g) => g.alertingRules().flatMap((r) => r.activeAlerts()));
  }

  // #eachActiveAlert is activeAlerts without the copies: what the ALERTS series read at every
  // scrape, and the self-scrape of every tick.
  *#eachActiveAlert(): Generator<Readonly<Alert>> {
    for (const g of this.#groups) for (const r of g.rules) if (r instanceof AlertingRule) yield* r.eachActiveAlert();
  }

  /** tickIntervalMs is the loop's period: the smallest group interval, or the default. */
  get tickIntervalMs(): number {
    return Math.min(this.#o.defaultIntervalMs, ...this.#groups.map((g) => g.intervalMs));
  }

  /**
   * tick samples the sidecar's series and evaluates every group that is due at the clock's now.
   * Concurrent calls share one tick. Never rejects.
   */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => (this.#ticking = undefined));
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    const { logger, store, clock } = this.#o;
    if (this.#groups.length === 0) return;
    let exposition: string | ResourceMetrics | undefined;
    try {
      exposition = this.#o.collect ? await this.#o.collect() : await this.#o.scrape();
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'rules: cannot sample the sidecar\'s metrics; evaluating on the samples held');
    }
    const now = clock();
    if (exposition !== undefined) {
      try {
        if (typeof exposition === 'string') this.#sampler.ingest(exposition, now);
        else this.#sampler.ingestMetrics(exposition, now);
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'rules: cannot read the sidecar\'s metrics exposition');
      }
    }
    store.compact(now);
    // Half a tick of slack: a timer firing a little early must not skip a group's turn.
    const slack = this.tickIntervalMs / 2;
    for (const group of this.#groups) {
      const last = group.lastEvaluation;
      if (last !== undefined && now - last < group.intervalMs - slack) continue;
      this.#evaluate(group, now);
    }
  }

  #evaluate(group: Group, now: number): void {
    group.eval(now);
    const id = `${group.file};${group.name}`;
    this.#o.metrics?.groupEvaluated(id, group.evaluationTimeMs / 1000);
    for (const rule of group.rules) {
      if (rule.status.health === 'err' && rule.status.lastEvaluation === now) {
        this.#o.metrics?.ruleFailed(id);
        this.#o.logger.warn({ rule_group: group.name, file: group.file, rule: rule.name, err: rule.status.lastError }, 'rules: rule evaluation failed');
      }
    }
    this.#persist(group);
  }

  // #persist writes the group's alert state when it changed since it was last written. The
  // write joins the event store's open batch; a failure is logged and retried next time.
  #persist(group: Group): void {
    const key = stateKey(group.file, group.name);
    const snapshot = group.snapshot();
    const json = JSON.stringify(snapshot);
    if (this.#persisted.get(key) === json) return;
    try {
      this.#o.state.setMeta(key, snapshot);
      this.#persisted.set(key, json);
    } catch (err) {
      this.#o.logger.warn({ rule_group: group.name, file: group.file, err: (err as Error).message }, 'rules: cannot persist alert state; will retry');
    }
  }

  #restore(group: Group): void {
    const key = stateKey(group.file, group.name);
    try {
      const saved = this.#o.state.meta<Parameters<Group['restore']>[0]>(key);
      if (saved === undefined) return;
      group.restore(saved);
      this.#persisted.set(key, JSON.stringify(saved));
    } catch (err) {
      this.#o.logger.warn({ rule_group: group.name, file: group.file, err: (err as Error).message }, 'rules: cannot restore alert state; starting empty');
    }
  }

  /**
   * reload loads every rule file again; on any problem it keeps the current groups, logs every
   * problem and counts a reload failure. On success the new groups replace the old, keeping the
   * alert state of unchanged rules. Returns whether the new rules are in place; never throws. With
   * `onlyIfChanged` (file watching), files identical to the loaded ones are not reloaded.
   */
  reload(onlyIfChanged = false): boolean {
    const { logger } = this.#o;
    let files: string[];
    let loaded: RuleFile[];
    try {
      files = expandRuleFiles(this.#o.sources);
      if (onlyIfChanged && signature(files) === this.#signature) return true;
      loaded = loadRuleFiles(files, this.#o.compilers);
    } catch (err) {
      // Anything else a loader throws (a compiler's bug on some input) refuses the reload too:
      // reload runs from the file watcher's timer and SIGHUP, where a throw ends the process.
      this.#o.metrics?.reloadFailed();
      const problems = err instanceof ConfigError ? configProblems(err).map((p) => p.message) : [`cannot load the rule files: ${(err as Error).message}`];
      logger.error({ problems }, `rules: reload refused, the previous rules stay: ${problems[0]}`);
      return false;
    }
    this.#swap(loaded, files);
    logger.info({ groups: this.#groups.length, files: files.length }, 'rules: reloaded');
    if (this.#running) this.#watch();
    return true;
  }

  #swap(loaded: readonly RuleFile[], files: readonly string[]): void {
    const o = this.#o;
    const old = new Map(this.#groups.map((g) => [stateKey(g.file, g.name), g]));
    const next: Group[] = [];
    for (const file of loaded) {
      for (const spec of file.groups) {
        const group = new Group(spec, {
          store: o.store,
          evalOptions: o.evalOptions,
          defaultIntervalMs: o.defaultIntervalMs,
          notify: o.notify,
          ...(o.externalLabels ? { externalLabels: o.externalLabels } : {}),
          ...(o.externalURL !== undefined ? { externalURL: o.externalURL } : {}),
        });
        const key = stateKey(spec.file, spec.name);
        const previous = old.get(key);
        if (previous) {
          group.copyStateFrom(previous);
          old.delete(key);
        }
        next.push(group);
      }
    }
    const now = o.clock();
    for (const gone of old.values()) {
      gone.markStale(now);
      o.metrics?.groupRemoved(`${gone.file};${gone.name}`);
    }
    this.#groups = next;
    this.#signature = signature(files);
    if (this.#running) this.#schedule();
  }

  /** start runs the evaluation loop and watches the rule files' directories. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
    this.#watch();
  }

  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    const run = () => {
      void this.tick().then(() => {
        if (this.#running && this.#timer === timer) {
          this.#timer = timer = setTimeout(run, this.tickIntervalMs);
          timer.unref();
        }
      });
    };
    let timer = setTimeout(run, 0);
    timer.unref();
    this.#timer = timer;
  }

  // #watch (re)creates one watcher per directory holding rule files; a change to a file the
  // patterns name reloads after the changes settle.
  #watch(): void {
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
    const { sources } = this.#o;
    const patterns = sources.defaults ? [BUNDLED_RULES, ...sources.patterns] : sources.patterns;
    for (const dir of watchedDirs(sources)) {
      const names = patterns.filter((p) => dirname(p) === dir).map((p) => compileMatch(basename(p)));
      try {
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (name !== null && names.length > 0 && !names.some((re) => re.test(String(name)))) return;
          if (this.#debounce) clearTimeout(this.#debounce);
          this.#debounce = setTimeout(() => {
            this.#debounce = undefined;
            if (this.#running) this.reload(true);
          }, this.#o.watchDebounceMs ?? 250);
          this.#debounce.unref();
        });
        watcher.on('error', () => watcher.close());
        this.#watchers.push(watcher);
      } catch (err) {
        this.#o.logger.warn({ dir, err: (err as Error).message }, 'rules: cannot watch a rule directory; reload with SIGHUP');
      }
    }
  }

  /** stop ends the loop and the watchers; an evaluation under way finishes first. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#debounce) clearTimeout(this.#debounce);
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
    await this.#ticking;
  }
}

// signature identifies the rule files' contents, so a watch event that changed nothing (an
// editor's swap file, a touch) does not rebuild the groups.
function signature(files: readonly string[]): string {
  const parts: string[] = [];
  for (const f of files) {
    try {
      parts.push(f, readFileSync(f, 'utf8'));
    } catch {
      parts.push(f, '\u0000unreadable');
    }
  }
  return parts.join('\u0000');
}
