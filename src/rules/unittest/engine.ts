/**
 * unitEngine binds the unit-test runner's ports to the real engine: the sample store, the rule
 * file loader and groups, the PromQL compiler and promtool's series notation. The store keeps
 * every point (promtool's test storage has no retention), and groups run with no notifier and no
 * persisted state, so every alerting rule starts empty and writes ALERTS from its first
 * evaluation, as promtool's `SetRestored(true)` arranges.
 */
import { readFile } from 'node:fs/promises';
import { configProblems } from '../../config/config-errors.ts';
import { ConfigError } from '../../errors.ts';
import { SampleStore } from '../../series/sample-store.ts';
import { AlertingRule } from '../alerting-rule.ts';
import { defaultCompilers } from '../compilers.ts';
import { Group } from '../group.ts';
import { compilePromQL } from '../promql/compile.ts';
import { expandSeriesValues, parseSeriesSelector } from '../promql/series-notation.ts';
import { loadRuleFile } from '../rule-file.ts';
import type { GroupSpec } from '../rule-spec.ts';
import type { GroupSetup, LoadedGroups, UnitEngine, UnitGroup } from './ports.ts';
import { PROMTOOL_MAX_SAMPLES } from '../promql/sample-limit.ts';

// A unit test's store keeps everything: its time span is the test's, not a sidecar's uptime.
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/** unitEngine returns the real engine behind the runner's ports. */
export function unitEngine(): UnitEngine {
  return {
    newStore: () => new SampleStore({ retentionMs: UNBOUNDED, maxSamples: UNBOUNDED }),
    loadGroups,
    compile: compilePromQL,
    expandSeriesValues,
    parseSeriesSelector,
  };
}

/**
 * loadGroups loads every rule file as promtool's `Manager.LoadGroups` does: all problems of all
 * files are reported (one message each), and any problem means no groups.
 */
async function loadGroups(setup: GroupSetup): Promise<LoadedGroups> {
  const errors: string[] = [];
  const groups: UnitGroup[] = [];
  for (const file of setup.files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      errors.push(`${file}: ${(err as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory' : (err as Error).message}`);
      continue;
    }
    try {
      const specs = loadRuleFile(file, text, defaultCompilers).groups;
      if (setup.compat === 2) {
        const problems = specs.flatMap(newerThanPromtool2);
        if (problems.length > 0) {
          errors.push(...problems);
          continue;
        }
      }
      for (const spec of specs) {
        const group = new Group(spec, {
          store: setup.store,
          evalOptions: { compat: setup.compat, lookbackDeltaMs: setup.lookbackDeltaMs, maxSamples: PROMTOOL_MAX_SAMPLES },
          defaultIntervalMs: setup.defaultIntervalMs,
          externalLabels: setup.externalLabels,
          externalURL: setup.externalURL,
        });
        groups.push(adapt(group));
      }
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const problem of configProblems(err)) errors.push(problem.message);
    }
  }
  return errors.length > 0 ? { errors } : { groups };
}

/**
 * newerThanPromtool2 lists the group fields promtool 2.42 refuses as unknown (`labels` came with
 * Prometheus 3, `query_offset` with 2.53), so `--promql-compat=2` gives promtool 2.42's verdict on
 * a rule file that uses them. Shorthand rules are Runwarden's own and stay testable.
 */
function newerThanPromtool2(spec: GroupSpec): string[] {
  const where = spec.position ? `${spec.position.file}:${spec.position.line}:${spec.position.col}` : spec.file;
  const problems: string[] = [];
  const refuse = (field: string, since: string) =>
    problems.push(`${where}: group ${JSON.stringify(spec.name)}: field ${field} not found in type rulefmt.RuleGroup (it needs ${since}; --promql-compat=2 reads rule files as promtool 2.42 does)`);
  if (Object.keys(spec.labels).length > 0) refuse('labels', 'Prometheus 3');
  if (spec.queryOffsetMs !== undefined) refuse('query_offset', 'Prometheus 2.53');
  return problems;
}

function adapt(group: Group): UnitGroup {
  return {
    name: group.name,
    rules: group.rules.map((rule) => ({
      name: rule.name,
      lastError: () => rule.status.lastError,
      ...(rule instanceof AlertingRule ? { activeAlerts: () => rule.activeAlerts() } : {}),
    })),
    evaluate: (atMs) => group.eval(atMs),
  };
}
