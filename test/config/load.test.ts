import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigErrors, configProblems, loadConfig, parseHostPort } from '../../src/config/load.ts';
import type { ConfigFlags } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { ConfigError } from '../../src/errors.ts';

const fixtures = fileURLToPath(new URL('../fixtures/config/', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runwarden-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** write puts `files` (name → content) under the test's temp dir, creating folders. */
function write(files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

/** loadError runs loadConfig and returns the ConfigErrors it must throw. */
function loadError(flags: ConfigFlags, env: NodeJS.ProcessEnv = {}, cwd = dir): ConfigErrors {
  try {
    loadConfig(flags, env, cwd);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toBeInstanceOf(ConfigErrors);
    expect((err as ConfigError).code).toBe('RUNWARDEN_ERR_CONFIG');
    return err as ConfigErrors;
  }
  throw new Error('loadConfig did not throw');
}

const messages = (err: ConfigError): string[] => configProblems(err).map((p) => p.message);

const DEFAULT_RULES: Config['rules'] = {
  files: [],
  defaults: true,
  intervalMs: 15_000,
  lookbackMs: 3600_000,
  promqlCompat: 3,
  externalLabels: {},
  externalUrl: '',
};

describe('loadConfig defaults', () => {
  const defaults = (cwd: string): Config => ({
    listen: { host: '127.0.0.1', port: 7171 },
    metricsListen: { host: '0.0.0.0', port: 9464 },
    dataDir: join(cwd, '.runwarden'),
    token: undefined,
    logLevel: 'info',
    store: { sync: 'normal', retentionMs: 7 * 24 * 3600_000, maxRuns: undefined },
    rules: DEFAULT_RULES,
    configFile: undefined,
    alerting: undefined,
  });

  it.each([
    { name: 'no file, no env, no flags', flags: {}, env: {}, file: undefined },
    { name: 'empty env vars count as unset', flags: {}, env: { RUNWARDEN_LISTEN: '', RUNWARDEN_CONFIG: '', RUNWARDEN_TOKEN: '' }, file: undefined },
    { name: 'empty file', flags: { config: 'empty.yaml' }, env: {}, file: 'empty.yaml' },
    { name: 'file with only a comment', flags: { config: join(fixtures, 'empty.yaml') }, env: {}, file: join(fixtures, 'empty.yaml') },
  ])('$name', ({ flags, env, file }) => {
    write({ 'empty.yaml': '' });
    const configFile = file === undefined ? undefined : resolve(dir, file);
    expect(loadConfig(flags, env, dir)).toEqual({ ...defaults(dir), configFile });
  });

  it('reads every field of a full file, paths relative to the file', () => {
    const config = loadConfig({ config: join(fixtures, 'full.yaml') }, {}, dir);
    expect(config).toEqual({
      listen: { host: '0.0.0.0', port: 8080 },
      metricsListen: { host: '::1', port: 9100 },
      dataDir: join(fixtures, 'state'),
      token: 'fixture-token-7f3a',
      logLevel: 'debug',
      store: { sync: 'full', retentionMs: 84 * 3600_000, maxRuns: 5000 },
      rules: DEFAULT_RULES,
      configFile: join(fixtures, 'full.yaml'),
      alerting: undefined,
    } satisfies Config);
  });
});

describe('loadConfig precedence: file < env < flags', () => {
  const file = 'listen: 10.0.0.1:1\nmetrics_listen: 10.0.0.1:2\ndata_dir: /file/data\nlog_level: warn\n';
  const env = {
    RUNWARDEN_LISTEN: '10.0.0.2:1',
    RUNWARDEN_METRICS_LISTEN: '10.0.0.2:2',
    RUNWARDEN_DATA_DIR: '/env/data',
    RUNWARDEN_LOG_LEVEL: 'error',
  };
  const flags = { listen: '10.0.0.3:1', metricsListen: '10.0.0.3:2', dataDir: '/flag/data', logLevel: 'trace' };
  const fromFile = { listen: { host: '10.0.0.1', port: 1 }, metricsListen: { host: '10.0.0.1', port: 2 }, dataDir: '/file/data', logLevel: 'warn' };
  const fromEnv = { listen: { host: '10.0.0.2', port: 1 }, metricsListen: { host: '10.0.0.2', port: 2 }, dataDir: '/env/data', logLevel: 'error' };
  const fromFlags = { listen: { host: '10.0.0.3', port: 1 }, metricsListen: { host: '10.0.0.3', port: 2 }, dataDir: '/flag/data', logLevel: 'trace' };

  it.each([
    { name: 'file alone', flags: {}, env: {}, want: fromFile },
    { name: 'env beats file', flags: {}, env, want: fromEnv },
    { name: 'flags beat env and file', flags, env, want: fromFlags },
    { name: 'flags beat file', flags, env: {}, want: fromFlags },
    { name: 'empty env vars do not hide the file', flags: {}, env: Object.fromEntries(Object.keys(env).map((k) => [k, ''])), want: fromFile },
    {
      name: 'layers mix field by field',
      flags: { logLevel: 'fatal' },
      env: { RUNWARDEN_LISTEN: '10.0.0.2:1' },
      want: { ...fromFile, listen: fromEnv.listen, logLevel: 'fatal' },
    },
  ])('$name', ({ flags, env, want }) => {
    write({ 'runwarden.yaml': file });
    expect(loadConfig({ config: 'runwarden.yaml', ...flags }, env, dir)).toMatchObject(want);
  });

  it.each([
    { name: 'RUNWARDEN_CONFIG names the file', flags: {}, env: { RUNWARDEN_CONFIG: 'env.yaml' }, want: 'env.yaml' },
    { name: '--config beats RUNWARDEN_CONFIG', flags: { config: 'flag.yaml' }, env: { RUNWARDEN_CONFIG: 'env.yaml' }, want: 'flag.yaml' },
    { name: 'relative to cwd, reported absolute', flags: { config: './sub/../flag.yaml' }, env: {}, want: 'flag.yaml' },
  ])('config file: $name', ({ flags, env, want }) => {
    write({ 'env.yaml': 'log_level: debug\n', 'flag.yaml': 'log_level: trace\n' });
    const config = loadConfig(flags, env, dir);
    expect(config.configFile).toBe(join(dir, want));
    expect(config.logLevel).toBe(want === 'env.yaml' ? 'debug' : 'trace');
  });
});

describe('loadConfig token', () => {
  // Each source holds a different token, so the result says which one won.
  const sources = {
    flag: { tokenFile: 'flag.token' },
    envToken: { RUNWARDEN_TOKEN: 'env-token' },
    envFile: { RUNWARDEN_TOKEN_FILE: 'env.token' },
  };
  it.each([
    { name: 'none', flags: {}, env: {}, file: '', want: undefined },
    { name: 'file token_file', flags: {}, env: {}, file: 'token_file: conf/file.token\n', want: 'file-token' },
    { name: 'env file beats file', flags: {}, env: sources.envFile, file: 'token_file: conf/file.token\n', want: 'env-file-token' },
    { name: 'env token beats env file', flags: {}, env: { ...sources.envFile, ...sources.envToken }, file: 'token_file: conf/file.token\n', want: 'env-token' },
    { name: 'flag file beats all', flags: sources.flag, env: { ...sources.envFile, ...sources.envToken }, file: 'token_file: conf/file.token\n', want: 'flag-token' },
    // A lower source that is broken is never read once a higher one wins.
    { name: 'overridden token file is not read', flags: {}, env: sources.envToken, file: 'token_file: missing.token\n', want: 'env-token' },
  ])('$name', ({ flags, env, file, want }) => {
    write({
      'conf/runwarden.yaml': file,
      'conf/conf/file.token': 'file-token\n',
      'flag.token': '\tflag-token\r\n',
      'env.token': 'env-file-token',
    });
    expect(loadConfig({ config: 'conf/runwarden.yaml', ...flags }, env, dir).token).toBe(want);
  });
});

describe('loadConfig path resolution', () => {
  it.each([
    { name: 'default against cwd', flags: {}, env: {}, file: '', want: '.runwarden' },
    { name: 'file data_dir against the file directory', flags: {}, env: {}, file: 'data_dir: data\n', want: 'etc/data' },
    { name: 'file data_dir with ..', flags: {}, env: {}, file: 'data_dir: ../var/rw\n', want: 'var/rw' },
    { name: 'env data_dir against cwd', flags: {}, env: { RUNWARDEN_DATA_DIR: 'envdata' }, file: 'data_dir: data\n', want: 'envdata' },
    { name: 'flag data_dir against cwd', flags: { dataDir: './flagdata' }, env: {}, file: 'data_dir: data\n', want: 'flagdata' },
  ])('$name', ({ flags, env, file, want }) => {
    write({ 'etc/runwarden.yaml': file });
    expect(loadConfig({ config: 'etc/runwarden.yaml', ...flags }, env, dir).dataDir).toBe(join(dir, want));
  });

  it('keeps absolute data_dir as is', () => {
    write({ 'etc/runwarden.yaml': `data_dir: ${join(dir, 'abs')}\n` });
    expect(loadConfig({ config: join(dir, 'etc/runwarden.yaml') }, {}, '/').dataDir).toBe(join(dir, 'abs'));
  });
});

describe('loadConfig file errors carry file:line:col and the field', () => {
  // `problem` is the exact text after the position, or a RegExp for text another library words.
  it.each([
    { name: 'YAML syntax', yaml: 'listen: 127.0.0.1:7171\nlog_level: [info\ndata_dir: x\n', at: [3, 1], problem: /^invalid YAML: .*end with a \]$/ },
    { name: 'duplicate key', yaml: 'log_level: info\nlisten: :1\nlog_level: warn\n', at: [3, 1], problem: 'invalid YAML: Map keys must be unique' },
    { name: 'unknown key', yaml: 'listen: :1\n\nfoo: 1\n', at: [3, 1], problem: "unknown field 'foo'" },
    { name: 'unknown key in a flow map', yaml: '{ listen: ":1",\n  listn: x }\n', at: [2, 3], problem: "unknown field 'listn'" },
    { name: 'wrong type: number', yaml: 'listen: 7171\n', at: [1, 9], problem: 'listen: must be a string, got a number' },
    { name: 'wrong type: list', yaml: '# c\ndata_dir:\n  - a\n', at: [3, 3], problem: 'data_dir: must be a string, got a list' },
    { name: 'wrong type: mapping', yaml: 'token_file: {a: 1}\n', at: [1, 13], problem: 'token_file: must be a string, got a mapping' },
    { name: 'wrong type: boolean', yaml: 'log_level: true\n', at: [1, 12], problem: 'log_level: must be a string, got true or false' },
    { name: 'empty value points at the key', yaml: 'listen: :1\n  \ndata_dir:\n', at: [3, 1], problem: 'data_dir: must be a string, got nothing' },
    { name: 'empty string', yaml: 'data_dir: ""\n', at: [1, 11], problem: 'data_dir: must not be empty' },
    { name: 'top level not a mapping', yaml: '- listen\n', at: [1, 1], problem: 'top level: must be a mapping, got a list' },
    {
      name: 'log level',
      yaml: '# runwarden\n\nlog_level:  verbose\n',
      at: [3, 13],
      problem: 'log_level: must be one of fatal, error, warn, info, debug, trace, silent',
    },
    { name: 'bad host:port', yaml: 'metrics_listen: localhost\n', at: [1, 17], problem: 'metrics_listen: expected host:port, got "localhost"' },
    { name: 'port out of range', yaml: 'listen: "[::1]:65536"\n', at: [1, 9], problem: 'listen: port must be an integer in 0..65535, got "[::1]:65536"' },
    { name: 'bare IPv6', yaml: 'listen: ::1:7171\n', at: [1, 9], problem: 'listen: expected host:port, got "::1:7171"' },
    {
      name: 'token file missing',
      yaml: 'log_level: info\ntoken_file: nope.token\n',
      at: [2, 13],
      problem: 'token_file: cannot read token file "DIR/nope.token": no such file',
    },
    { name: 'token file empty', yaml: 'token_file: empty.token\n', at: [1, 13], problem: 'token_file: token file is empty: "DIR/empty.token"' },
  ])('$name', ({ yaml, at, problem }) => {
    write({ 'runwarden.yaml': yaml, 'empty.token': ' \n\n' });
    const err = loadError({ config: 'runwarden.yaml' });
    const [line, col] = at;
    const prefix = `runwarden.yaml:${line}:${col}: `;
    expect(err.message.slice(0, prefix.length)).toBe(prefix);
    if (typeof problem === 'string') expect(err.message.slice(prefix.length)).toBe(problem.replace('DIR', dir));
    else expect(err.message.slice(prefix.length)).toMatch(problem);
    expect(err.position).toEqual({ file: 'runwarden.yaml', line, col });
    expect(err.problems).toHaveLength(1);
  });

  it('reports every problem, sorted by position, the first as the message', () => {
    const err = loadError({ config: 'many-problems.yaml', listen: 'nope' }, { RUNWARDEN_LOG_LEVEL: 'loud' }, fixtures);
    expect(messages(err)).toEqual([
      'many-problems.yaml:1:12: log_level: must be one of fatal, error, warn, info, debug, trace, silent',
      'many-problems.yaml:2:9: listen: must be a string, got a number',
      "many-problems.yaml:3:1: unknown field 'bogus'",
      'many-problems.yaml:4:17: metrics_listen: expected host:port, got "localhost"',
      'RUNWARDEN_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      '--listen: expected host:port, got "nope"',
    ]);
    expect(err.message).toBe(messages(err)[0]);
    expect(err.position).toEqual({ file: 'many-problems.yaml', line: 1, col: 12 });
  });

  it('reports a syntax error from a fixture at its line and column', () => {
    const err = loadError({ config: 'syntax-error.yaml' }, {}, fixtures);
    expect(err.position).toEqual({ file: 'syntax-error.yaml', line: 3, col: 1 });
    expect(err.message).toMatch(/^syntax-error\.yaml:3:1: invalid YAML: .*end with a \]$/);
  });
});

describe('loadConfig env and flag errors name the variable or flag', () => {
  it.each([
    { name: 'env listen', flags: {}, env: { RUNWARDEN_LISTEN: 'abc' }, want: 'RUNWARDEN_LISTEN: expected host:port, got "abc"' },
    { name: 'env metrics listen', flags: {}, env: { RUNWARDEN_METRICS_LISTEN: '1.2.3.4:x' }, want: 'RUNWARDEN_METRICS_LISTEN: expected host:port, got "1.2.3.4:x"' },
    { name: 'env log level', flags: {}, env: { RUNWARDEN_LOG_LEVEL: 'INFO' }, want: 'RUNWARDEN_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "INFO"' },
    { name: 'env config missing', flags: {}, env: { RUNWARDEN_CONFIG: 'nope.yaml' }, want: 'RUNWARDEN_CONFIG: cannot read config file "nope.yaml": no such file' },
    { name: 'env config is a directory', flags: {}, env: { RUNWARDEN_CONFIG: '.' }, want: 'RUNWARDEN_CONFIG: cannot read config file ".": is a directory' },
    { name: 'env token file missing', flags: {}, env: { RUNWARDEN_TOKEN_FILE: 'n.token' }, want: `RUNWARDEN_TOKEN_FILE: cannot read token file "DIR/n.token": no such file` },
    { name: 'env token file empty', flags: {}, env: { RUNWARDEN_TOKEN_FILE: 'empty.token' }, want: 'RUNWARDEN_TOKEN_FILE: token file is empty: "DIR/empty.token"' },
    { name: 'flag listen', flags: { listen: 'localhost' }, env: { RUNWARDEN_LISTEN: ':1' }, want: '--listen: expected host:port, got "localhost"' },
    { name: 'flag listen empty', flags: { listen: '' }, env: {}, want: '--listen: expected host:port, got ""' },
    { name: 'flag metrics port', flags: { metricsListen: ':99999' }, env: {}, want: '--metrics-listen: port must be an integer in 0..65535, got ":99999"' },
    { name: 'flag log level', flags: { logLevel: 'verbose' }, env: {}, want: '--log-level: must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"' },
    { name: 'flag data dir empty', flags: { dataDir: '' }, env: {}, want: '--data-dir: must not be empty' },
    { name: 'flag config missing', flags: { config: 'x/none.yaml' }, env: { RUNWARDEN_CONFIG: 'empty.token' }, want: '--config: cannot read config file "x/none.yaml": no such file' },
    { name: 'flag config empty', flags: { config: '' }, env: {}, want: '--config: must not be empty' },
    { name: 'flag token file missing', flags: { tokenFile: 'n.token' }, env: { RUNWARDEN_TOKEN: 'fine' }, want: '--token-file: cannot read token file "DIR/n.token": no such file' },
    { name: 'flag token file empty', flags: { tokenFile: '' }, env: {}, want: '--token-file: must not be empty' },
  ])('$name', ({ flags, env, want }) => {
    write({ 'empty.token': '\n' });
    const err = loadError(flags, env);
    expect(err.message).toBe(want.replace('DIR', dir));
    expect(err.position).toBeUndefined();
  });
});

describe('loadConfig never reveals the token', () => {
  const secret = 'S3CRET-4d1e';
  it.each<{ name: string; flags: ConfigFlags; env: NodeJS.ProcessEnv; files: Record<string, string> }>([
    { name: 'env token with a space', flags: {}, env: { RUNWARDEN_TOKEN: `${secret} x` }, files: {} },
    { name: 'env token with a newline', flags: {}, env: { RUNWARDEN_TOKEN: `${secret}\n` }, files: {} },
    { name: 'token file with two lines', flags: { tokenFile: 't' }, env: {}, files: { t: `${secret}\nsecond\n` } },
    { name: 'config token_file with a space', flags: { config: 'c.yaml' }, env: {}, files: { 'c.yaml': 'token_file: t\n', t: `${secret} ${secret}` } },
    { name: 'good token, other error', flags: { listen: 'bad' }, env: { RUNWARDEN_TOKEN: secret }, files: {} },
    // The token file is read (it is valid) and a later problem still must not drag it along.
    { name: 'good token file, other error', flags: { config: 'c.yaml', listen: 'bad' }, env: {}, files: { 'c.yaml': 'token_file: t\n', t: secret } },
  ])('$name', ({ flags, env, files }) => {
    write(files);
    const err = loadError(flags, env);
    // inspect shows message, stack, cause chain and the problems list: everything a log line could.
    expect(inspect(err, { depth: 10 })).not.toContain(secret);
    for (const problem of configProblems(err)) expect(inspect(problem, { depth: 10 })).not.toContain(secret);
  });

  it('accepts the same token when it is well formed', () => {
    expect(loadConfig({}, { RUNWARDEN_TOKEN: secret }, dir).token).toBe(secret);
  });
});

describe('parseHostPort', () => {
  it.each([
    { value: '127.0.0.1:7171', want: { host: '127.0.0.1', port: 7171 } },
    { value: 'localhost:0', want: { host: 'localhost', port: 0 } },
    { value: 'metrics.internal-1.example:65535', want: { host: 'metrics.internal-1.example', port: 65535 } },
    { value: ':9464', want: { host: '0.0.0.0', port: 9464 } },
    { value: '[::1]:7171', want: { host: '::1', port: 7171 } },
    { value: '[::]:80', want: { host: '::', port: 80 } },
    { value: '[fe80::1%eth0]:80', want: { host: 'fe80::1%eth0', port: 80 } },
  ])('parses $value', ({ value, want }) => {
    expect(parseHostPort(value, 'x')).toEqual(want);
  });

  it.each([
    { value: 'abc', problem: 'expected host:port' },
    { value: '', problem: 'expected host:port' },
    { value: '127.0.0.1', problem: 'expected host:port' },
    { value: '127.0.0.1:', problem: 'expected host:port' },
    { value: ':http', problem: 'expected host:port' },
    { value: 'host:-1', problem: 'expected host:port' },
    { value: 'host:+80', problem: 'expected host:port' },
    { value: 'host: 80', problem: 'expected host:port' },
    { value: 'host:1.5', problem: 'expected host:port' },
    { value: 'host:123456', problem: 'expected host:port' },
    { value: 'a b:80', problem: 'expected host:port' },
    { value: '::1:7171', problem: 'expected host:port' },
    { value: '[::1]', problem: 'expected host:port' },
    { value: '[127.0.0.1]:80', problem: 'expected host:port' },
    { value: '[]:80', problem: 'expected host:port' },
    { value: 'http://host:80', problem: 'expected host:port' },
    { value: 'host:65536', problem: 'port must be an integer in 0..65535' },
  ])('rejects $value', ({ value, problem }) => {
    expect(() => parseHostPort(value, '--what')).toThrow(new ConfigError(`--what: ${problem}, got ${JSON.stringify(value)}`));
  });
});

describe('the store section', () => {
  it.each([
    ['maxRuns is accepted as written in the docs', 'store:\n  maxRuns: 10\n', { sync: 'normal', retentionMs: 7 * 24 * 3600_000, maxRuns: 10 }],
    ['a retention in minutes', 'store:\n  retention: 90m\n', { sync: 'normal', retentionMs: 90 * 60_000, maxRuns: undefined }],
  ])('%s', (_name, text, store) => {
    write({ 'store.yaml': text });
    expect(loadConfig({ config: 'store.yaml' }, {}, dir).store).toEqual(store);
  });

  it.each([
    ['store:\n  sync: always\n', /^store\.yaml:2:9: store\.sync: must be one of full, normal/],
    ['store:\n  retention: a week\n', /^store\.yaml:2:14: store\.retention: "a week" is not a duration/],
    ['store:\n  max_runs: 0\n', /^store\.yaml:2:13: store\.max_runs: must be >= 1/],
    ['store:\n  vacuum: true\n', /^store\.yaml:2:3: store: unknown field 'vacuum'/],
  ])('refuses %j with its position', (text, message) => {
    write({ 'store.yaml': text });
    expect(() => loadConfig({ config: 'store.yaml' }, {}, dir)).toThrow(message);
  });
});

describe('the rules section', () => {
  it('reads every key, files relative to the config file', () => {
    write({
      'conf/rules.yaml':
        'rules:\n  files: [a.yaml, "more/*.yaml"]\n  defaults: false\n  interval: 5s\n  lookback: 30m\n  promql_compat: 2\n  external_labels: {cluster: eu1}\n  external_url: http://rw.example\n',
    });
    expect(loadConfig({ config: 'conf/rules.yaml' }, {}, dir).rules).toEqual({
      files: [join(dir, 'conf', 'a.yaml'), join(dir, 'conf', 'more/*.yaml')],
      defaults: false,
      intervalMs: 5000,
      lookbackMs: 30 * 60_000,
      promqlCompat: 2,
      externalLabels: { cluster: 'eu1' },
      externalUrl: 'http://rw.example',
    });
  });

  it('RUNWARDEN_RULES overrides the file, --rules and --promql-compat override both; relative to cwd', () => {
    write({ 'r.yaml': 'rules:\n  files: [a.yaml]\n  interval: 1m\n' });
    const fromEnv = loadConfig({ config: 'r.yaml' }, { RUNWARDEN_RULES: 'x.yaml, y/*.yml' }, dir).rules;
    expect(fromEnv.files).toEqual([join(dir, 'x.yaml'), join(dir, 'y/*.yml')]);
    expect(fromEnv.intervalMs).toBe(60_000);
    const fromFlags = loadConfig({ config: 'r.yaml', rules: ['p.yaml,q.yaml', 'r2.yaml'], promqlCompat: '2' }, { RUNWARDEN_RULES: 'x.yaml' }, dir).rules;
    expect(fromFlags.files).toEqual([join(dir, 'p.yaml'), join(dir, 'q.yaml'), join(dir, 'r2.yaml')]);
    expect(fromFlags.promqlCompat).toBe(2);
  });

  it.each([
    ['rules:\n  interval: 0s\n', /^rules\.yaml:2:13: rules\.interval: must be longer than 0s/],
    ['rules:\n  promql_compat: 4\n', /^rules\.yaml:2:18: rules\.promql_compat: must be one of 2, 3/],
    ['rules:\n  lookback: soon\n', /^rules\.yaml:2:13: rules\.lookback: "soon" is not a duration/],
    ['rules:\n  file: a.yaml\n', /^rules\.yaml:2:3: rules: unknown field 'file'/],
  ])('refuses %j with its position', (text, message) => {
    write({ 'rules.yaml': text });
    expect(() => loadConfig({ config: 'rules.yaml' }, {}, dir)).toThrow(message);
  });

  it('refuses a bad --promql-compat', () => {
    expect(() => loadConfig({ promqlCompat: '1' }, {}, dir)).toThrow(/--promql-compat: must be 2 or 3, got "1"/);
  });
});
