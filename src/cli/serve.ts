import { pino } from 'pino';
import { isRunwardenError } from '../errors.ts';
import { ConfigErrors, configProblems } from '../config/config-errors.ts';
import { loadConfig } from '../config/load.ts';
import { parseFlags } from './args.ts';

/** SERVE_USAGE is `runwarden serve --help`. */
export const SERVE_USAGE = `Usage: runwarden serve [options]

Runs the sidecar: the ingest API, the Prometheus endpoint and OTLP export.

Options:
  --config FILE          YAML config file (or RUNWARDEN_CONFIG)
  --listen HOST:PORT     ingest API address (RUNWARDEN_LISTEN, default 127.0.0.1:7171)
  --metrics-listen HOST:PORT
                         Prometheus endpoint address (RUNWARDEN_METRICS_LISTEN, default 0.0.0.0:9464)
  --data-dir DIR         state directory (RUNWARDEN_DATA_DIR, default ./.runwarden)
  --token-file FILE      file holding the API's bearer token (or RUNWARDEN_TOKEN / RUNWARDEN_TOKEN_FILE)
  --log-level LEVEL      fatal, error, warn, info, debug, trace, silent (RUNWARDEN_LOG_LEVEL, default info)
  --rules FILE[,FILE]    rule files or globs; repeatable (RUNWARDEN_RULES, comma-separated)
  --promql-compat 2|3    PromQL window semantics: 3 (default) or Prometheus 2's
  -h, --help             show this help

The standard OTEL_* variables configure export: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318), OTEL_EXPORTER_OTLP_PROTOCOL
(http/protobuf or http/json), OTEL_TRACES_EXPORTER=none, OTEL_METRICS_EXPORTER=otlp, OTEL_BSP_*.
`;

/** SHUTDOWN_DEADLINE_MS bounds a graceful stop: the process exits by then even if a flush hangs. */
const SHUTDOWN_DEADLINE_MS = 9_000;

/**
 * runServe runs the sidecar until SIGTERM or SIGINT, then stops accepting, finishes in-flight
 * requests, flushes spans and metrics, and exits 0. A bad config exits 2 with one line.
 */
export async function runServe(argv: string[]): Promise<void> {
  const { values } = parseFlags('serve', argv, {
    config: { type: 'string' },
    listen: { type: 'string' },
    'metrics-listen': { type: 'string' },
    'data-dir': { type: 'string' },
    'token-file': { type: 'string' },
    'log-level': { type: 'string' },
    rules: { type: 'string', multiple: true },
    'promql-compat': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(SERVE_USAGE);
    return;
  }
  const flags = {
    config: values.config,
    listen: values.listen,
    metricsListen: values['metrics-listen'],
    dataDir: values['data-dir'],
    tokenFile: values['token-file'],
    logLevel: values['log-level'],
    rules: values.rules,
    promqlCompat: values['promql-compat'],
  };
  let config;
  try {
    config = loadConfig(flags, process.env, process.cwd());
  } catch (err) {
    if (isRunwardenError(err)) {
      process.stderr.write(`runwarden: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'runwarden' } });
  const { startSidecar } = await import('../main.ts');
  let sidecar;
  try {
    sidecar = await startSidecar(config, { env: process.env, logger });
  } catch (err) {
    // A rule file that does not load: every problem, one line each, file:line:col first.
    if (err instanceof ConfigErrors) {
      for (const problem of configProblems(err)) process.stderr.write(`runwarden: ${problem.message}\n`);
      process.exit(2);
    }
    // A bad OTEL_* variable, a port in use, an address we may not bind: one line, exit 2.
    if (isRunwardenError(err) || (err as { code?: unknown }).code !== undefined) {
      process.stderr.write(`runwarden: cannot start: ${(err as Error).message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const running = sidecar;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests and flushing telemetry');
    const deadline = setTimeout(() => {
      logger.warn('shutdown deadline reached; exiting without waiting for the last flush');
      process.exit(0);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    running.close().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // SIGHUP reloads the rule files, all or nothing, as Prometheus does, and the alerting section
  // (re-read from the config file, as Alertmanager does): a config with any problem changes nothing.
  process.on('SIGHUP', () => {
    if (stopping) return;
    if (running.reloadRules()) logger.info('rules reloaded on SIGHUP');
    let next;
    try {
      next = loadConfig(flags, process.env, process.cwd());
    } catch (err) {
      const problems = err instanceof ConfigErrors ? configProblems(err).map((p) => p.message) : [(err as Error).message];
      logger.error({ problems }, 'config not reloaded: the running alerting config stays');
      return;
    }
    if (running.reloadAlerting(next.alerting)) logger.info('alerting config reloaded on SIGHUP');
  });
}
