/**
 * The unit-test runner's view of the engine it drives: a sample store it fills, rule groups it
 * evaluates step by step, and the PromQL and series-notation parsers. The runner depends only on
 * these shapes; `engine.ts` binds them to the real engine, tests bind them to small fakes.
 */
import type { CompiledExpr, Labels, Point, PromQLCompat, SeriesSource } from '../types.ts';

/** UnitStore is the sample store a test group's input series go into and its rules write to. */
export interface UnitStore extends SeriesSource {
  append(labels: Labels, t: number, v: number): void;
  markStale(labels: Labels, t: number): void;
}

/** UnitAlert is one alert an alerting rule holds; promtool compares only those whose state is `firing`. */
export interface UnitAlert {
  readonly state: string;
  readonly labels: Labels;
  readonly annotations: Labels;
}

/** UnitRule is one loaded rule. `activeAlerts` is present exactly on alerting rules. */
export interface UnitRule {
  readonly name: string;
  /** lastError is the error of the latest evaluation, undefined (or null) when it succeeded. */
  lastError(): unknown;
  activeAlerts?(): readonly UnitAlert[];
}

/** UnitGroup is one loaded rule group; `evaluate` runs its rules in order at `atMs`, writing their output to the store. */
export interface UnitGroup {
  readonly name: string;
  readonly rules: readonly UnitRule[];
  evaluate(atMs: number): void | Promise<void>;
}

/** GroupSetup is what loading a test group's rule files needs, as promtool's `Manager.LoadGroups` gets it. */
export interface GroupSetup {
  files: readonly string[];
  /** The test group's `interval`: the interval of every group that does not set its own. */
  defaultIntervalMs: number;
  externalLabels: Readonly<Record<string, string>>;
  externalURL: string;
  store: UnitStore;
  compat: PromQLCompat;
  lookbackDeltaMs: number;
}

/**
 * LoadedGroups are the groups of every file, in file order and then in order within each file,
 * or the problems that stopped loading (each printed on its own, as promtool prints them).
 */
export type LoadedGroups = { groups: UnitGroup[]; errors?: undefined } | { groups?: undefined; errors: string[] };

/** UnitEngine is everything the runner uses from the engine. */
export interface UnitEngine {
  newStore(): UnitStore;
  loadGroups(setup: GroupSetup): LoadedGroups | Promise<LoadedGroups>;
  /** compile parses a PromQL expression; throws with the parser's message when it does not parse. */
  compile(expr: string): CompiledExpr;
  /** expandSeriesValues expands `values` notation into points `intervalMs` apart from 0; throws on bad notation. */
  expandSeriesValues(text: string, intervalMs: number): Point[];
  /** parseSeriesSelector reads `name{label="value", ...}`; throws on bad syntax. */
  parseSeriesSelector(text: string): Labels;
}
