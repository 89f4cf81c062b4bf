/**
 * `runwarden rules check FILE...` validates rule files (Prometheus's format and the shorthand)
 * with the same loader the sidecar uses: exit 0 when all load, else exit 1 with one line per
 * problem, `file:line:col: problem`, on stderr. `runwarden rules test FILE...` runs promtool-format
 * unit tests (src/cli/rules-test.ts).
 */
import { readFile } from 'node:fs/promises';
import { configProblems } from '../config/config-errors.ts';
import { ConfigError } from '../errors.ts';
import type { RuleCompilers, RuleFile } from '../rules/rule-spec.ts';
import { parseFlags, UsageError } from './args.ts';

/** RULES_USAGE is the text of `runwarden rules --help`. */
export const RULES_USAGE = `Usage: runwarden rules <subcommand> [options] FILE...

Subcommands:
  check FILE...  validate rule files: exit 0 when every file loads, else exit 1 with one line
                 per problem, file:line:col: problem
  test FILE...   run rule unit-test files in promtool's format ('runwarden rules test --help')

Rule files are Prometheus rule files (groups of alert and record rules) or shorthand rules
(rules: [{name, condition, level, for}]); 'check' prints the PromQL each shorthand rule becomes.
`;

/** RULES_CHECK_USAGE is the text of `runwarden rules check --help`. */
export const RULES_CHECK_USAGE = `Usage: runwarden rules check FILE...

Validates rule files as the sidecar loads them: YAML, fields, durations, label names, templates
and PromQL expressions. Prints each file's groups and rules and the PromQL of shorthand rules, or
one line per problem on stderr: file:line:col: problem. Exit 0 when every file is valid, else 1.

Options:
  -h, --help   show this help
`;

/** RulesCheckIO is where the check reads and writes; tests replace it. */
export interface RulesCheckIO {
  readFile: (path: string) => Promise<string>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  compilers: () => Promise<RuleCompilers>;
}

const defaultIO: RulesCheckIO = {
  readFile: (path) => readFile(path, 'utf8'),
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  compilers: async () => (await import('../rules/compilers.ts')).defaultCompilers,
};

/** runRules dispatches `runwarden rules <subcommand>`; resolves to the exit code. */
export async function runRules(argv: string[], io: RulesCheckIO = defaultIO): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'check':
      return runRulesCheck(rest, io);
    case 'test':
      return (await import('./rules-test.ts')).runRulesTest(rest);
    case '-h':
    case '--help':
      io.stdout(RULES_USAGE);
      return 0;
    case undefined:
      throw new UsageError('missing subcommand: use check or test', 'rules');
    default:
      throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}: use check or test`, 'rules');
  }
}

/** runRulesCheck validates every file given, reporting all problems of all files. */
export async function runRulesCheck(argv: string[], io: RulesCheckIO = defaultIO): Promise<number> {
  const { values, positionals } = parseFlags('rules check', argv, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    io.stdout(RULES_CHECK_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('no rule files given', 'rules check');
  const { loadRuleFile } = await import('../rules/rule-file.ts');
  const compilers = await io.compilers();
  let failed = false;
  for (const file of positionals) {
    let text: string;
    try {
      text = await io.readFile(file);
    } catch (err) {
      io.stderr(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      failed = true;
      continue;
    }
    try {
      io.stdout(describeFile(loadRuleFile(file, text, compilers)));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const problem of configProblems(err)) io.stderr(`${problem.message}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** describeFile is the summary `check` prints for a valid file. */
export function describeFile(f: RuleFile): string {
  const rules = f.groups.reduce((n, g) => n + g.rules.length, 0);
  let out = `${f.file}: ${f.groups.length} ${f.groups.length === 1 ? 'group' : 'groups'}, ${rules} ${rules === 1 ? 'rule' : 'rules'}\n`;
  for (const g of f.groups) {
    for (const r of g.rules) {
      if (r.kind === 'alerting' && r.shorthand) out += `  ${g.name}/${r.name}: ${r.shorthand.condition.trim()}  =>  ${r.expr.text}\n`;
    }
  }
  return out;
}
