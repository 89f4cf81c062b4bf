/**
 * `runwarden rules test [--promql-compat=2|3] FILE...`: runs rule unit-test files in promtool's
 * format and gives promtool's verdict: exit 0 when every file passes, 1 when any fails. The output
 * is promtool's too: `Unit Testing:  FILE`, then `SUCCESS` or `FAILED:` and one block per failure
 * (on stderr), so scripts and eyes used to `promtool test rules` read it the same way.
 */
import type { PromQLCompat } from '../rules/types.ts';
import type { UnitEngine } from '../rules/unittest/ports.ts';
import { runTestFile } from '../rules/unittest/runner.ts';
import { parseFlags, UsageError } from './args.ts';

/** RULES_TEST_USAGE is the text of `runwarden rules test --help`. */
export const RULES_TEST_USAGE = `Usage: runwarden rules test [--promql-compat=2|3] FILE...

Runs rule unit-test files written for 'promtool test rules' (rule_files, evaluation_interval,
group_eval_order, tests with input_series, alert_rule_test and promql_expr_test) and gives the
verdict promtool gives: exit 0 when every test passes, 1 when any fails.

Options:
  --promql-compat N  PromQL semantics: 3 (default) opens range and look-back windows at their
                     start, as Prometheus 3; 2 closes them, as Prometheus 2 and promtool 2.x
                     (a test group without 'interval' then loads every value at 0s, as
                     promtool before 2.49 did)
  -h, --help         show this help
`;

const FLAGS = {
  'promql-compat': { type: 'string', default: '3' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** RulesTestIO is where the command writes and which engine it runs; tests replace them. */
export interface RulesTestIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  engine: () => Promise<UnitEngine>;
}

const defaultIO: RulesTestIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  engine: async () => (await import('../rules/unittest/engine.ts')).unitEngine(),
};

function parseCompat(text: string): PromQLCompat {
  if (text === '2' || text === '3') return Number(text) as PromQLCompat;
  throw new UsageError(`--promql-compat must be 2 or 3, got ${JSON.stringify(text)}`, 'rules test');
}

/** runRulesTest runs the command with the arguments after `rules test`; resolves to the exit code. */
export async function runRulesTest(argv: string[], io: RulesTestIO = defaultIO): Promise<number> {
  const { values, positionals } = parseFlags('rules test', argv, FLAGS, true);
  if (values.help) {
    io.stdout(RULES_TEST_USAGE);
    return 0;
  }
  const compat = parseCompat(values['promql-compat']);
  if (positionals.length === 0) throw new UsageError('no test files given', 'rules test');
  const engine = await io.engine();
  let failed = false;
  for (const file of positionals) {
    io.stdout(`Unit Testing:  ${file}\n`);
    const result = await runTestFile(file, engine, { compat });
    for (const w of result.warnings) io.stderr(`  WARNING: ${w}\n`);
    if (result.errors.length > 0) {
      failed = true;
      io.stderr('  FAILED:\n');
      for (const e of result.errors) {
        io.stderr(`${e}\n`);
        io.stdout('\n');
      }
    } else {
      io.stdout('  SUCCESS\n');
    }
    io.stdout('\n');
  }
  return failed ? 1 : 0;
}
