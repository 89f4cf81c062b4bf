/**
 * The shorthand rule language workflow teams write instead of PromQL:
 *
 *     rules:
 *       - name: workflow_stuck
 *         condition: no_progress_for_minutes > 10
 *         level: WARNING
 *         for: 1m
 *
 * A condition is `SIGNAL OP NUMBER` (OP one of `>`, `>=`, `<`, `<=`, `==`, `!=`), or several such
 * terms joined by `and` / `or` (`and` binds tighter, as in PromQL). Each signal is a PromQL
 * expression over series the sidecar itself exports (README's metrics table); the condition
 * compiles to PromQL at load, so what runs is an ordinary alerting rule, and `rules check` shows
 * the PromQL. `level` becomes the `severity` label.
 */

/** Signal is one name a condition may use and the PromQL it stands for. */
export interface Signal {
  readonly name: string;
  /** The PromQL expression; its samples carry (at least) `labels`. */
  readonly promql: string;
  /** The labels identifying each sample: what `and` matches terms on. */
  readonly labels: readonly string[];
  readonly description: string;
}

const RUN = ['cicd_pipeline_name', 'cicd_pipeline_run_id'] as const;
const PHASE = [...RUN, 'cicd_pipeline_task_name'] as const;

/**
 * SIGNALS is the shorthand's vocabulary. The README's table of signals is generated from (and
 * checked against) this list. Series marked "health checks" are exported by the resource and
 * dependency checks, not by the run telemetry.
 */
export const SIGNALS: readonly Signal[] = [
  {
    name: 'no_progress_for_minutes',
    promql: 'runwarden_run_progress_age / 60',
    labels: RUN,
    description: "Minutes since the run's progress last moved (or since its start), per active run.",
  },
  {
    name: 'no_heartbeat_for_seconds',
    promql: 'runwarden_run_heartbeat_age',
    labels: RUN,
    description: "Seconds since the run's last heartbeat (or since its start), per active run.",
  },
  {
    name: 'heartbeat_gap_ratio',
    promql: 'runwarden_run_heartbeat_age / runwarden_run_heartbeat_interval',
    labels: RUN,
    description: 'Heartbeat age over the heartbeat interval the run declared (2 = two beats missed), per active run that declared one.',
  },
  {
    name: 'phase_elapsed_ratio',
    promql: 'runwarden_run_phase_budget_ratio',
    labels: PHASE,
    description: 'Elapsed time of the running phase over its budget (1 = budget used up), per running phase with a budget.',
  },
  {
    name: 'phase_elapsed_seconds',
    promql: 'runwarden_run_phase_elapsed',
    labels: PHASE,
    description: 'Seconds the running phase attempt has taken so far, per running phase.',
  },
  {
    name: 'progress_percent',
    promql: '100 * runwarden_run_progress',
    labels: RUN,
    description: 'Progress of the run in percent, per active run that reports progress.',
  },
  {
    name: 'error_rate',
    promql:
      'sum by (cicd_pipeline_name) (rate(cicd_pipeline_run_errors_total[15m]))' +
      ' / sum by (cicd_pipeline_name) (rate(cicd_pipeline_run_duration_count{cicd_pipeline_run_state="executing"}[15m]))',
    labels: ['cicd_pipeline_name'],
    description: 'Failed runs over runs that finished after executing, per workflow, over the last 15 minutes (0..1).',
  },
  {
    name: 'dependent_workflows_failing',
    promql: 'runwarden_run_dependencies_failing',
    labels: RUN,
    description: "How many of the workflows a run declared in `dependsOn` have a failing latest run, per active run (health checks).",
  },
  {
    name: 'memory_usage_percent',
    promql: '100 * runwarden_memory_utilization',
    labels: [],
    description: "Memory in use over the pod's cgroup v2 limit (the host's memory where there is none), in percent (health checks).",
  },
  {
    name: 'cpu_usage_percent',
    promql: '100 * runwarden_cpu_utilization',
    labels: [],
    description: "CPU in use over the pod's cgroup v2 quota (the host's cores where there is none), in percent (health checks).",
  },
  {
    name: 'queue_depth',
    promql: 'runwarden_pool_queue_depth',
    labels: [],
    description: "Items waiting for a worker slot in the runner's pool.",
  },
  {
    name: 'queue_wait_seconds',
    promql: 'runwarden_pool_queue_wait',
    labels: [],
    description: 'How long the oldest queued item has waited for a slot, in seconds.',
  },
  {
    name: 'pool_utilization_percent',
    promql: '100 * runwarden_pool_utilization',
    labels: [],
    description: "Busy workers over the pool's capacity, in percent.",
  },
];

/** LEVELS maps a shorthand `level` to the `severity` label value it sets. */
export const LEVELS: Readonly<Record<string, string>> = {
  INFO: 'info',
  WARNING: 'warning',
  ERROR: 'error',
  CRITICAL: 'critical',
};

/** severityOf returns the severity for a level (case-insensitive), or undefined for an unknown level. */
export function severityOf(level: string): string | undefined {
  return Object.hasOwn(LEVELS, level.toUpperCase()) ? LEVELS[level.toUpperCase()] : undefined;
}

/** ConditionResult is a compiled condition, or the first problem and its 0-based index in the condition. */
export type ConditionResult = { ok: true; promql: string } | { ok: false; index: number; message: string };

interface Token {
  kind: 'ident' | 'op' | 'number' | 'end';
  text: string;
  index: number;
}

const OPS = ['>=', '<=', '==', '!=', '>', '<'];
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/;
const IDENT = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function tokenize(text: string): Token[] | { index: number; message: string } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    const m = op === undefined ? (IDENT.exec(rest) ?? NUMBER.exec(rest)) : null;
    if (op !== undefined) tokens.push({ kind: 'op', text: op, index: i });
    else if (m) tokens.push({ kind: IDENT.test(rest) ? 'ident' : 'number', text: m[0], index: i });
    else return { index: i, message: `unexpected character ${JSON.stringify(rest[0])}` };
    i += (op ?? (m as RegExpExecArray)[0]).length;
  }
  tokens.push({ kind: 'end', text: '', index: text.length });
  return tokens;
}

interface Term {
  signal: Signal;
  op: string;
  number: string;
}

/**
 * compileCondition turns a shorthand condition into PromQL: each term into `SIGNAL_PROMQL OP
 * NUMBER`, `or` into PromQL's `or`, and `and` into `and on(labels)` where the labels are those the
 * two sides share, so a run-level term can be combined with a phase-level or pool-level one.
 */
export function compileCondition(condition: string): ConditionResult {
  const tokens = tokenize(condition);
  if (!Array.isArray(tokens)) return { ok: false, ...tokens };
  let pos = 0;
  const next = (): Token => tokens[pos] as Token;
  const fail = (t: Token, message: string): ConditionResult => ({ ok: false, index: t.index, message });

  // disjuncts[i] is an and-chain of terms; the whole condition is their `or`.
  const disjuncts: Term[][] = [[]];
  for (;;) {
    const name = next();
    if (name.kind !== 'ident' || isKeyword(name.text)) {
      return fail(name, name.kind === 'end' ? 'missing signal at the end of the condition' : `expected a signal name, got ${JSON.stringify(name.text)}`);
    }
    const signal = SIGNALS.find((s) => s.name === name.text);
    if (!signal) return fail(name, `unknown signal ${JSON.stringify(name.text)} (known: ${SIGNALS.map((s) => s.name).join(', ')})`);
    pos++;
    const op = next();
    if (op.kind !== 'op') return fail(op, `expected a comparison (${OPS.join(' ')}) after ${signal.name}`);
    pos++;
    const num = next();
    if (num.kind !== 'number') return fail(num, `expected a number after ${op.text}`);
    pos++;
    (disjuncts.at(-1) as Term[]).push({ signal, op: op.text, number: num.text });
    const join = next();
    if (join.kind === 'end') break;
    if (join.kind !== 'ident' || !isKeyword(join.text)) return fail(join, `expected 'and', 'or' or the end of the condition, got ${JSON.stringify(join.text)}`);
    pos++;
    if (join.text.toLowerCase() === 'or') disjuncts.push([]);
  }
  return { ok: true, promql: disjuncts.map(andChain).join(' or ') };
}

function isKeyword(word: string): boolean {
  return /^(and|or)$/i.test(word);
}

// andChain writes `A and on(..) B and on(..) C`: PromQL's `and` is left-associative and keeps
// the left side's labels, so each `on` is what the first term shares with the next one.
function andChain(terms: Term[]): string {
  const first = terms[0] as Term;
  let text = termText(first);
  for (const term of terms.slice(1)) {
    const shared = first.signal.labels.filter((l) => term.signal.labels.includes(l));
    text += ` and on(${shared.join(', ')}) ${termText(term)}`;
  }
  return text;
}

function termText(t: Term): string {
  return `${t.signal.promql} ${t.op} ${t.number}`;
}

/** signalTableMarkdown renders SIGNALS as the Markdown table the README shows. */
export function signalTableMarkdown(): string {
  const rows = SIGNALS.map((s) => `| \`${s.name}\` | \`${s.promql.replaceAll('|', '\\|')}\` | ${s.description} |`);
  return ['| signal | PromQL | meaning |', '|---|---|---|', ...rows].join('\n') + '\n';
}
