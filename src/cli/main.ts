/**
 * The `runwarden` dispatcher: `runwarden <command> [args]`. Every command lives in its own file
 * and is loaded with a dynamic import, so `--help` and `exec` start fast and never load the
 * sidecar's server stack (fastify, the OTel SDK, SQLite).
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { parseFlags, UsageError } from './args.ts';

/**
 * Command is one row of the dispatch table. `run` gets the arguments after the command name and
 * resolves to the exit code to end the process with, or to nothing when the command keeps the
 * process alive on its own (`serve`: its servers hold the event loop until a signal stops them).
 */
export interface Command {
  name: string;
  summary: string;
  run(argv: string[]): Promise<number | void>;
}



/** COMMANDS is the dispatch table: adding a command is adding a row. */
export const COMMANDS: Command[] = [
  {
    name: 'serve',
    summary: 'run the sidecar: ingest API, telemetry export, rules and alerts',
    run: async (argv) => (await import('./serve.ts')).runServe(argv),
  },
  {
    name: 'exec',
    summary: 'run a command as a traced workflow run (or a phase of one)',
    run: async (argv) => (await import('./exec.ts')).runExec(argv),
  },
  { name: 'runs', summary: 'list runs, newest first', run: async (argv) => (await import('./runs.ts')).runRuns(argv) },
  { name: 'status', summary: 'show one run as a timeline of its phases and steps', run: async (argv) => (await import('./status.ts')).runStatus(argv) },
  { name: 'summary', summary: "summarise a workflow's runs over a window", run: async (argv) => (await import('./summary.ts')).runSummary(argv) },
  { name: 'rules', summary: 'check rule files, or run their unit tests (promtool format)', run: async (argv) => (await import('./rules.ts')).runRules(argv) },
  { name: 'notifications', summary: 'list notifications in the outbox (dead letters too), or retry dead ones', run: async (argv) => (await import('./notifications.ts')).runNotifications(argv) },
  { name: 'silence', summary: 'add, list or expire silences (amtool-style matchers)', run: async (argv) => (await import('./silence.ts')).runSilence(argv) },
  { name: 'config', summary: 'check config files: `config check FILE` (Runwarden or Alertmanager format)', run: async (argv) => (await import('./config-check.ts')).runConfig(argv) },
  {
    name: 'help',
    summary: "show this help, or a command's with `help <command>`",
    run: async (argv) => (argv[0] === undefined ? printHelp() : dispatch([argv[0], '--help'])),
  },
];

const ENVIRONMENT = `Environment:
  RUNWARDEN_URL     sidecar URL for client commands (default http://127.0.0.1:7171)
  RUNWARDEN_TOKEN   bearer token for the sidecar API
  RUNWARDEN_CONFIG  config file for serve
`;

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Usage: runwarden <command> [options]

Commands:
${rows}

Options:
  -h, --help   show this help
  --version    print the version

${ENVIRONMENT}
Run 'runwarden <command> --help' for a command's options.
`;
}

function printHelp(): number {
  process.stdout.write(usage());
  return 0;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * dispatch parses the global flags (only those before the command name: everything after it
 * belongs to the command) and runs the command. Errors propagate to `main`.
 */
async function dispatch(argv: string[]): Promise<number | void> {
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const globals = at === -1 ? argv : argv.slice(0, at);
  const { values } = parseFlags(undefined, globals, {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  });
  if (values.version) {
    process.stdout.write(`runwarden ${version()}\n`);
    return 0;
  }
  if (values.help) return printHelp();
  if (at === -1) throw new UsageError('missing command');
  const name = argv[at]!;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  return command.run(argv.slice(at + 1));
}

/**
 * exitCodeFor reports an error on stderr and picks the exit code: 2 for a bad command line or bad
 * configuration (the user must change something), 1 for everything else. Our own errors are
 * expected and print as one line; anything else is a bug and prints in full.
 */
function exitCodeFor(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('RUNWARDEN_ERR_')) {
    process.stderr.write(`runwarden: ${(err as Error).message}\n`);
    if (err instanceof UsageError) {
      const help = err.command === undefined ? 'runwarden --help' : `runwarden ${err.command} --help`;
      process.stderr.write(`Run '${help}' for usage.\n`);
      return 2;
    }
    return code === 'RUNWARDEN_ERR_CONFIG' ? 2 : 1;
  }
  process.stderr.write(`runwarden: unexpected error: ${inspect(err)}\n`);
  return 1;
}

let exitCode: number | void;
try {
  exitCode = await dispatch(process.argv.slice(2));
} catch (err) {
  exitCode = exitCodeFor(err);
}
// Exit explicitly: a finished command must not linger on a keep-alive socket or a stray timer.
if (typeof exitCode === 'number') process.exit(exitCode);
