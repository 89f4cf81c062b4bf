/**
 * `runwarden config check FILE...`: Runwarden configs and bare Alertmanager-format files, `<file>: ok`
 * and exit 0, or one `file:line:col: problem` line per problem on stderr and exit 1; secrets never
 * printed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAlertmanagerFormat, runConfig } from '../../src/cli/config-check.ts';
import { BIN as CLI, NODE } from '../helpers/sidecar-process.ts';

const fixtures = fileURLToPath(new URL('../fixtures/alerting/', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runwarden-config-check-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

// check runs the command in-process with `cwd` and `env`, capturing its output.
async function check(args: string[], env: NodeJS.ProcessEnv = {}, cwd = dir) {
  let stdout = '';
  let stderr = '';
  const code = await runConfig(args, {
    readFile: (p) => readFileSync(p, 'utf8'),
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env,
    cwd,
  });
  return { code, stdout, stderr };
}

describe('config check: valid files', () => {
  it.each([
    { file: 'am-minimal.yml', env: {} },
    { file: 'am-full.yml', env: {} },
    { file: 'am-file-secrets.yml', env: {} },
    { file: 'runwarden-inline.yaml', env: { RUNWARDEN_FIXTURE_SLACK_URL: 'https://hooks.slack.com/services/x' } },
    { file: 'runwarden-config-file.yaml', env: {} },
  ])('$file: ok', async ({ file, env }) => {
    expect(await check(['check', file], env, fixtures)).toEqual({ code: 0, stdout: `${file}: ok\n`, stderr: '' });
  });

  it('checks several files, reporting each', async () => {
    write({ 'bad.yml': 'route: {receiver: nobody}\nreceivers: []\n' });
    const res = await check(['check', join(fixtures, 'am-minimal.yml'), 'bad.yml']);
    expect(res).toEqual({
      code: 1,
      stdout: `${join(fixtures, 'am-minimal.yml')}: ok\n`,
      stderr: 'bad.yml:1:19: route: undefined receiver "nobody" used\n',
    });
  });
});

describe('config check: problems', () => {
  it('reports every problem of an Alertmanager-format file, one line each, in file order', async () => {
    write({
      'am.yml': [
        'route:',
        '  receiver: r',
        '  group_by: ["...", job]',
        '  routes: [{matchers: ["x"], receiver: ghost}]',
        'receivers:',
        '  - name: r',
        '    webhook_configs: [{url: "not-a-url-hook-secret"}]',
        'time_intervals: [{name: t, time_intervals: [{weekdays: [funday]}]}]',
        '',
      ].join('\n'),
    });
    const res = await check(['check', 'am.yml']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr.trimEnd().split('\n')).toEqual([
      'am.yml:3:13: route.group_by: cannot have wildcard group_by (`...`) and other labels at the same time',
      'am.yml:4:24: route.routes[0].matchers: bad matcher format: x',
      'am.yml:4:40: route.routes[0]: undefined receiver "ghost" used',
      'am.yml:7:29: receivers[0].webhook_configs[0].url: is not a valid URL',
      'am.yml:8:57: time_intervals[0].time_intervals[0].weekdays[0]: funday is not a valid weekday',
    ]);
    expect(res.stderr).not.toContain('hook-secret');
  });

  it('reports a Runwarden config\'s problems in every section and in the file config_file names', async () => {
    write({
      'conf/runwarden.yaml': 'log_level: loud\nalerting:\n  config_file: am.yml\n  escalations: [{steps: [{after_occurrences: 1, receiver: nobody}]}]\n',
      'conf/am.yml': 'route:\n  receiver: r\n  repeat_interval: 0s\nreceivers: [{name: r}]\n',
    });
    const res = await check(['check', 'conf/runwarden.yaml']);
    expect(res.code).toBe(1);
    expect(res.stderr.trimEnd().split('\n')).toEqual([
      'conf/runwarden.yaml:1:12: log_level: must be one of fatal, error, warn, info, debug, trace, silent',
      'conf/runwarden.yaml:4:59: escalations[0].steps[0]: undefined receiver "nobody" used',
      'conf/am.yml:3:20: route.repeat_interval: cannot be zero',
    ]);
  });

  it('is not swayed by RUNWARDEN_* variables, which are not part of the file', async () => {
    write({ 'c.yaml': 'log_level: warn\n' });
    expect(await check(['check', 'c.yaml'], { RUNWARDEN_LISTEN: 'bad', RUNWARDEN_CONFIG: 'other.yaml' })).toEqual({ code: 0, stdout: 'c.yaml: ok\n', stderr: '' });
  });

  it('reads ${VAR} secrets from the whole environment, RUNWARDEN_* names included', async () => {
    write({ 'c.yaml': 'alerting:\n  route: {receiver: r}\n  receivers: [{name: r, webhook_configs: [{url: "${RUNWARDEN_HOOK}"}]}]\n' });
    expect(await check(['check', 'c.yaml'], { RUNWARDEN_HOOK: 'http://hook.local/' })).toEqual({ code: 0, stdout: 'c.yaml: ok\n', stderr: '' });
  });

  it('reports a file it cannot read', async () => {
    expect(await check(['check', 'missing.yaml'])).toEqual({ code: 1, stdout: '', stderr: 'missing.yaml: cannot read: ENOENT\n' });
  });

  it.each([
    { args: ['check'], error: 'no config files given' },
    { args: [], error: 'missing subcommand: use check' },
    { args: ['lint', 'x'], error: 'unknown subcommand "lint": use check' },
    { args: ['check', '--nope', 'x'], error: "Unknown option '--nope'" },
  ])('refuses the command line $args', async ({ args, error }) => {
    await expect(check(args)).rejects.toThrow(error);
  });

  it('prints its help', async () => {
    const res = await check(['check', '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Usage: runwarden config check FILE...');
  });
});

describe('isAlertmanagerFormat', () => {
  it.each([
    { text: 'route: {receiver: r}\n', want: true },
    { text: 'receivers: []\n', want: true },
    { text: 'alerting: {route: {receiver: r}}\n', want: false },
    { text: 'listen: 127.0.0.1:1\n', want: false },
    { text: '', want: false },
    { text: 'route: [\n', want: false },
  ])('$text', ({ text, want }) => {
    expect(isAlertmanagerFormat(text)).toBe(want);
  });
});

describe('runwarden config (the real CLI)', () => {
  it('is a command: exit 0 for a valid file, 1 with problems', () => {
    write({ 'bad.yml': 'route: {receiver: nobody}\nreceivers: []\n' });
    const ok = spawnSync(NODE, [CLI, 'config', 'check', join(fixtures, 'am-full.yml')], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect({ status: ok.status, stdout: ok.stdout, stderr: ok.stderr }).toEqual({ status: 0, stdout: `${join(fixtures, 'am-full.yml')}: ok\n`, stderr: '' });
    const bad = spawnSync(NODE, [CLI, 'config', 'check', 'bad.yml'], { encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH } });
    expect({ status: bad.status, stdout: bad.stdout, stderr: bad.stderr }).toEqual({ status: 1, stdout: '', stderr: 'bad.yml:1:19: route: undefined receiver "nobody" used\n' });
  });
});
