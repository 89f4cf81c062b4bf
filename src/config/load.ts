import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { LevelWithSilent } from 'pino';
import { ConfigError } from '../errors.ts';
import type { Position } from '../errors.ts';
import { parseAlertingSection } from './alerting/index.ts';
import type { AlertingConfig } from '../pipeline/types.ts';
import { ConfigErrors, configProblems } from './config-errors.ts';
import { parseDuration } from './duration.ts';
import { parseHostPort } from './host-port.ts';
import { configFile, logLevels } from './schema.ts';
import type { Config, HostPort, RulesConfig } from './types.ts';
import { decodeYaml } from './yaml-schema.ts';

export { parseHostPort } from './host-port.ts';
export { ConfigErrors, configProblems } from './config-errors.ts';

/**
 * ConfigFlags are the command-line flags that touch configuration, as the CLI parsed them:
 * `--config`, `--listen`, `--metrics-listen`, `--data-dir`, `--token-file`, `--log-level`.
 * undefined means not given; an empty string is a given (and bad) value. There is no token flag on
 * purpose: command lines show up in `ps`.
 */
export interface ConfigFlags {
  config?: string;
  listen?: string;
  metricsListen?: string;
  dataDir?: string;
  tokenFile?: string;
  logLevel?: string;
  /** `--rules`, each given value (a file, a glob, or a comma-separated list of them). */
  rules?: string[];
  /** `--promql-compat`: `2` or `3`. */
  promqlCompat?: string;
}

/**
 * CONFIG_ENV_VARS are the environment variables that override the config file. `runwarden config
 * check` leaves them out so it checks the file alone; every other variable stays, for `${VAR}`
 * secrets in the alerting section.
 */
export const CONFIG_ENV_VARS = [
  'RUNWARDEN_CONFIG',
  'RUNWARDEN_LISTEN',
  'RUNWARDEN_METRICS_LISTEN',
  'RUNWARDEN_DATA_DIR',
  'RUNWARDEN_LOG_LEVEL',
  'RUNWARDEN_TOKEN',
  'RUNWARDEN_TOKEN_FILE',
  'RUNWARDEN_RULES',
] as const;

/** DEFAULT_RETENTION_MS keeps finished runs a week. */
const DEFAULT_RETENTION_MS = 7 * 24 * 3600_000;

/** DEFAULT_RULES are the rule engine's settings when nothing says otherwise. */
const DEFAULT_RULES = { defaults: true, intervalMs: 15_000, lookbackMs: 3600_000, promqlCompat: 3, externalLabels: {}, externalUrl: '' } as const;

/** defaults apply where no layer says anything; dataDir is resolved against `cwd`. */
const defaults = {
  listen: { host: '127.0.0.1', port: 7171 },
  metricsListen: { host: '0.0.0.0', port: 9464 },
  dataDir: './.runwarden',
  logLevel: 'info',
} as const;

// TokenSource is where the token comes from, kept unread until the winner is known so that a
// token file overridden by a higher layer is never opened.
type TokenSource =
  | { kind: 'value'; token: string; what: string }
  | { kind: 'file'; path: string; what: string; position?: Position };

// Layer is what one source (file, environment, flags) says, already validated and resolved.
interface Layer {
  store?: Config['store'];
  listen?: HostPort;
  metricsListen?: HostPort;
  dataDir?: string;
  logLevel?: LevelWithSilent;
  token?: TokenSource;
  /** The file's `rules:` section, files and compat aside (those two layers override separately). */
  rules?: Omit<RulesConfig, 'files' | 'promqlCompat'>;
  ruleFiles?: string[];
  promqlCompat?: 2 | 3;
  alerting?: AlertingConfig;
}

/**
 * loadConfig resolves the config: YAML file < RUNWARDEN_* env < flags. Throws ConfigError — in
 * fact always a ConfigErrors, whose message is the first problem and whose `problems` lists every
 * problem in the file, the environment and the flags. The token is never part of any message.
 */
export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv, cwd: string): Config {
  const base = resolve(cwd);
  const problems: ConfigError[] = [];
  const guard = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...configProblems(err));
      return undefined;
    }
  };

  const file = readConfigFile(flags, env, base, problems);
  const layers = [file?.layer ?? {}, envLayer(env, base, guard), flagLayer(flags, base, guard)];
  const merged: Layer = Object.assign({}, ...layers.map(definedOnly));
  const source = merged.token;
  const token = source && guard(() => readToken(source));
  if (problems.length > 0) throw new ConfigErrors(problems);

  return {
    listen: merged.listen ?? { ...defaults.listen },
    metricsListen: merged.metricsListen ?? { ...defaults.metricsListen },
    dataDir: merged.dataDir ?? resolve(base, defaults.dataDir),
    token,
    logLevel: merged.logLevel ?? defaults.logLevel,
    store: merged.store ?? { sync: 'normal', retentionMs: DEFAULT_RETENTION_MS, maxRuns: undefined },
    rules: {
      ...DEFAULT_RULES,
      externalLabels: {},
      ...merged.rules,
      files: merged.ruleFiles ?? [],
      promqlCompat: merged.promqlCompat ?? DEFAULT_RULES.promqlCompat,
    },
    configFile: file?.path,
    alerting: merged.alerting,
  };
}

type Guard = <T>(parse: () => T) => T | undefined;

function readConfigFile(
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv,
  base: string,
  problems: ConfigError[],
): { path: string; layer: Layer | undefined } | undefined {
  const fromEnv = envValue(env, 'RUNWARDEN_CONFIG');
  const [what, name] = flags.config !== undefined ? ['--config', flags.config] : ['RUNWARDEN_CONFIG', fromEnv];
  if (name === undefined) return undefined;
  if (name === '') {
    problems.push(new ConfigError(`${what}: must not be empty`));
    return undefined;
  }
  const path = resolve(base, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(new ConfigError(`${what}: cannot read config file ${JSON.stringify(name)}: ${fsReason(err)}`, undefined, { cause: err }));
    return { path, layer: undefined };
  }
  // Messages name the file as the user did, like compilers do; `configFile` is absolute.
  const decoded = decodeYaml(text, name, configFile);
  problems.push(...decoded.problems);
  // Paths in the file are relative to the file, not to wherever runwarden was started from.
  const dir = dirname(path);
  // The alerting section is checked even when another section is wrong, so one run shows all.
  const alerting = readAlerting(text, name, dir, env, problems);
  const v = decoded.value;
  if (v === undefined) return { path, layer: undefined };
  const layer: Layer = {
    listen: v.listen === undefined ? undefined : parseHostPort(v.listen, 'listen'),
    metricsListen: v.metrics_listen === undefined ? undefined : parseHostPort(v.metrics_listen, 'metrics_listen'),
    dataDir: v.data_dir === undefined ? undefined : resolve(dir, v.data_dir),
    logLevel: v.log_level,
    store: {
      sync: v.store?.sync ?? 'normal',
      retentionMs: v.store?.retention === undefined ? DEFAULT_RETENTION_MS : (parseDuration(v.store.retention) as number),
      maxRuns: v.store?.max_runs ?? v.store?.maxRuns,
    },
    token:
      v.token_file === undefined
        ? undefined
        : { kind: 'file', path: resolve(dir, v.token_file), what: 'token_file', position: decoded.at(['token_file']) },
    rules: {
      defaults: v.rules?.defaults ?? DEFAULT_RULES.defaults,
      intervalMs: v.rules?.interval === undefined ? DEFAULT_RULES.intervalMs : (parseDuration(v.rules.interval) as number),
      lookbackMs: v.rules?.lookback === undefined ? DEFAULT_RULES.lookbackMs : (parseDuration(v.rules.lookback) as number),
      externalLabels: { ...v.rules?.external_labels },
      externalUrl: v.rules?.external_url ?? DEFAULT_RULES.externalUrl,
    },
    ruleFiles: v.rules?.files?.map((f) => resolve(dir, f)),
    promqlCompat: v.rules?.promql_compat,
    alerting,
  };
  return { path, layer };
}

// readAlerting parses the `alerting:` section with its own positions; its secrets may come from
// `${VAR}` references, read from the same environment as the RUNWARDEN_* variables.
function readAlerting(text: string, name: string, dir: string, env: NodeJS.ProcessEnv, problems: ConfigError[]): AlertingConfig | undefined {
  try {
    return parseAlertingSection(text, name, { env, baseDir: dir });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...configProblems(err));
    return undefined;
  }
}

function envLayer(env: NodeJS.ProcessEnv, base: string, guard: Guard): Layer {
  const listen = envValue(env, 'RUNWARDEN_LISTEN');
  const metricsListen = envValue(env, 'RUNWARDEN_METRICS_LISTEN');
  const dataDir = envValue(env, 'RUNWARDEN_DATA_DIR');
  const logLevel = envValue(env, 'RUNWARDEN_LOG_LEVEL');
  const token = envValue(env, 'RUNWARDEN_TOKEN');
  const tokenFile = envValue(env, 'RUNWARDEN_TOKEN_FILE');
  const rules = envValue(env, 'RUNWARDEN_RULES');
  return {
    ruleFiles: rules === undefined ? undefined : splitList(rules).map((f) => resolve(base, f)),
    listen: listen === undefined ? undefined : guard(() => parseHostPort(listen, 'RUNWARDEN_LISTEN')),
    metricsListen:
      metricsListen === undefined ? undefined : guard(() => parseHostPort(metricsListen, 'RUNWARDEN_METRICS_LISTEN')),
    dataDir: dataDir === undefined ? undefined : resolve(base, dataDir),
    logLevel: logLevel === undefined ? undefined : guard(() => parseLogLevel(logLevel, 'RUNWARDEN_LOG_LEVEL')),
    // The token itself beats a token file given the same way: it is the more explicit of the two.
    token:
      token !== undefined
        ? { kind: 'value', token, what: 'RUNWARDEN_TOKEN' }
        : tokenFile !== undefined
          ? { kind: 'file', path: resolve(base, tokenFile), what: 'RUNWARDEN_TOKEN_FILE' }
          : undefined,
  };
}

function flagLayer(flags: ConfigFlags, base: string, guard: Guard): Layer {
  const { listen, metricsListen, dataDir, logLevel, tokenFile, rules, promqlCompat } = flags;
  return {
    ruleFiles: rules === undefined ? undefined : guard(() => nonEmptyList(rules.flatMap(splitList), '--rules').map((f) => resolve(base, f))),
    promqlCompat: promqlCompat === undefined ? undefined : guard(() => parseCompat(promqlCompat, '--promql-compat')),
    listen: listen === undefined ? undefined : guard(() => parseHostPort(listen, '--listen')),
    metricsListen: metricsListen === undefined ? undefined : guard(() => parseHostPort(metricsListen, '--metrics-listen')),
    dataDir: dataDir === undefined ? undefined : guard(() => resolve(base, nonEmpty(dataDir, '--data-dir'))),
    logLevel: logLevel === undefined ? undefined : guard(() => parseLogLevel(logLevel, '--log-level')),
    token:
      tokenFile === undefined
        ? undefined
        : guard(() => ({ kind: 'file', path: resolve(base, nonEmpty(tokenFile, '--token-file')), what: '--token-file' })),
  };
}

// readToken MUST NOT put the token, or any part of a token file, into an error message.
function readToken(source: TokenSource): string {
  if (source.kind === 'value') return checkToken(source.token, source.what, undefined);
  let text: string;
  try {
    text = readFileSync(source.path, 'utf8');
  } catch (err) {
    const problem = `${source.what}: cannot read token file ${JSON.stringify(source.path)}: ${fsReason(err)}`;
    throw new ConfigError(problem, source.position, { cause: err });
  }
  const token = text.trim();
  if (token === '') throw new ConfigError(`${source.what}: token file is empty: ${JSON.stringify(source.path)}`, source.position);
  return checkToken(token, source.what, source.position);
}

// A bearer token travels in an HTTP header: spaces or control characters inside it could never
// match what a client sends, so they are a mistake (usually a file with two lines).
function checkToken(token: string, what: string, position: Position | undefined): string {
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new ConfigError(`${what}: token must be printable ASCII without spaces or line breaks`, position);
  }
  return token;
}

function parseLogLevel(value: string, what: string): LevelWithSilent {
  const level = logLevels.find((l) => l === value);
  if (level === undefined) throw new ConfigError(`${what}: must be one of ${logLevels.join(', ')}, got ${JSON.stringify(value)}`);
  return level;
}

function parseCompat(value: string, what: string): 2 | 3 {
  if (value === '2' || value === '3') return Number(value) as 2 | 3;
  throw new ConfigError(`${what}: must be 2 or 3, got ${JSON.stringify(value)}`);
}

// splitList reads a comma-separated list of files or globs; empty items are ignored.
function splitList(value: string): string[] {
  return value.split(',').map((f) => f.trim()).filter((f) => f !== '');
}

function nonEmptyList(values: string[], what: string): string[] {
  if (values.length === 0) throw new ConfigError(`${what}: must name at least one file`);
  return values;
}

function nonEmpty(value: string, what: string): string {
  if (value === '') throw new ConfigError(`${what}: must not be empty`);
  return value;
}

// envValue treats an empty variable as unset: `RUNWARDEN_LISTEN= runwarden serve` and compose
// files with `RUNWARDEN_LISTEN: ${LISTEN:-}` mean "not set", not "set to nothing".
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function definedOnly(layer: Layer): Partial<Layer> {
  return Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined));
}

function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return err instanceof Error ? err.message : String(err);
}
