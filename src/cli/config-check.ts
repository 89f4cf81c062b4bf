/**
 * `runwarden config check FILE...` validates configuration files the way the sidecar loads them: a
 * Runwarden config file (every section, the `alerting:` section and the Alertmanager-format file
 * its `config_file` names included), or a bare Alertmanager-format file (one whose top level has
 * `route` or `receivers`). Exit 0 printing `<file>: ok`, or exit 1 with one line per problem on
 * stderr, `file:line:col: problem`.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { configProblems } from '../config/config-errors.ts';
import { ConfigError } from '../errors.ts';
import { parseFlags, UsageError } from './args.ts';

/** CONFIG_USAGE is the text of `runwarden config --help`. */
export const CONFIG_USAGE = `Usage: runwarden config check FILE...

Validates Runwarden config files, and Alertmanager-format files (a top level with route or
receivers) as the alerting section, with every check the sidecar makes at start: fields,
durations, matchers, routes, receivers, time intervals, templates, escalations, and that secret
files and \${VAR} environment variables can be read. Prints '<file>: ok' for each valid file, or
one line per problem on stderr: file:line:col: problem. Exit 0 when every file is valid, else 1.
Secrets are never printed.

Options:
  -h, --help   show this help
`;

/** ConfigCheckIO is where the check reads and writes; tests replace it. */
export interface ConfigCheckIO {
  readFile: (path: string) => string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const defaultIO = (): ConfigCheckIO => ({
  readFile: (path) => readFileSync(path, 'utf8'),
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});

/** runConfig dispatches `runwarden config <subcommand>`; resolves to the exit code. */
export async function runConfig(argv: string[], io: ConfigCheckIO = defaultIO()): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'check':
      return runConfigCheck(rest, io);
    case '-h':
    case '--help':
      io.stdout(CONFIG_USAGE);
      return 0;
    case undefined:
      throw new UsageError('missing subcommand: use check', 'config');
    default:
      throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}: use check`, 'config');
  }
}

/** runConfigCheck checks every file given, reporting all problems of all files. */
export async function runConfigCheck(argv: string[], io: ConfigCheckIO = defaultIO()): Promise<number> {
  const { values, positionals } = parseFlags('config check', argv, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    io.stdout(CONFIG_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('no config files given', 'config check');
  let failed = false;
  for (const file of positionals) {
    const problems = await checkFile(file, io);
    if (problems.length === 0) io.stdout(`${file}: ok\n`);
    for (const line of problems) io.stderr(`${line}\n`);
    failed ||= problems.length > 0;
  }
  return failed ? 1 : 0;
}

// checkFile returns the problems of one file as lines.
async function checkFile(file: string, io: ConfigCheckIO): Promise<string[]> {
  const full = resolve(io.cwd, file);
  let text: string;
  try {
    text = io.readFile(full);
  } catch (err) {
    return [`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`];
  }
  try {
    if (isAlertmanagerFormat(text)) {
      const { parseAlertingConfig } = await import('../config/alerting/index.ts');
      parseAlertingConfig(text, file, { env: io.env, baseDir: dirname(full), readFile: io.readFile });
    } else {
      const { CONFIG_ENV_VARS, loadConfig } = await import('../config/load.ts');
      loadConfig({ config: file }, checkEnv(io.env, CONFIG_ENV_VARS), io.cwd);
    }
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return configProblems(err).map((p) => p.message);
  }
}

/** isAlertmanagerFormat tells a bare Alertmanager-format file (top-level `route` or `receivers`) from a Runwarden config. */
export function isAlertmanagerFormat(text: string): boolean {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return false;
  return doc.contents.items.some((p) => isScalar(p.key) && (p.key.value === 'route' || p.key.value === 'receivers'));
}

// checkEnv drops the variables that override the config file (RUNWARDEN_LISTEN, ...): the check is
// about the file. Every other variable stays, for the `${VAR}` secrets of the alerting section.
function checkEnv(env: NodeJS.ProcessEnv, overrides: readonly string[]): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !overrides.includes(k)));
}
