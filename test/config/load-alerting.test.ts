/**
 * The `alerting:` section of the Runwarden config through loadConfig: absent, inline, or in an
 * Alertmanager-format file named by `alerting.config_file`; problems with positions in the file
 * they are in, collected with the rest of the config's.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configProblems, loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';

const fixtures = fileURLToPath(new URL('../fixtures/alerting/', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runwarden-alerting-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string | undefined>): void {
  for (const [name, content] of Object.entries(files)) {
    if (content === undefined) continue;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

function loadProblems(config: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig({ config }, env, dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return configProblems(err as ConfigError).map((p) => p.message);
  }
  throw new Error('loadConfig did not throw');
}

describe('Config.alerting', () => {
  it('is undefined without an alerting section', () => {
    write({ 'c.yaml': 'log_level: warn\n' });
    expect(loadConfig({ config: 'c.yaml' }, {}, dir).alerting).toBeUndefined();
  });

  it('reads an inline section, secrets relative to the config file and from the environment', () => {
    const config = loadConfig({ config: join(fixtures, 'runwarden-inline.yaml') }, { RUNWARDEN_FIXTURE_SLACK_URL: 'https://hooks.slack.com/services/env-secret' }, dir);
    const alerting = config.alerting;
    expect(alerting?.route.routes.map((r) => [r.id, r.receiver])).toEqual([['{}/{severity="critical"}/0', 'pagerduty']]);
    expect([...(alerting?.receivers.keys() ?? [])]).toEqual(['runner-retry', 'slack', 'pagerduty']);
    const pd = alerting?.receivers.get('pagerduty')?.integrations[0];
    expect(pd?.kind === 'pagerduty' && pd.routingKey.reveal()).toBe('fixture-file-pd-secret');
    const slack = alerting?.receivers.get('slack')?.integrations[0];
    expect(slack?.kind === 'slack' && slack.apiUrl.reveal()).toBe('https://hooks.slack.com/services/env-secret');
    expect(alerting?.escalations[0]?.steps.map((s) => `${s.afterOccurrences}:${s.receiver}`)).toEqual(['1:runner-retry', '2:slack', '3:pagerduty']);
    expect(alerting?.traceUrlTemplate).toBe('http://127.0.0.1:16686/trace/{{ .TraceID }}');
    expect(alerting?.delivery).toMatchObject({ deadlineMs: 1800_000, circuitFailures: 3 });
    for (const secret of ['fixture-file-pd-secret', 'env-secret']) expect(inspect(config, { depth: null })).not.toContain(secret);
  });

  it('reads the Alertmanager file config_file names, with the additions written inline', () => {
    const alerting = loadConfig({ config: join(fixtures, 'runwarden-config-file.yaml') }, {}, dir).alerting;
    expect(alerting?.route.receiver).toBe('team-slack');
    expect(alerting?.resolveTimeoutMs).toBe(600_000);
    expect(alerting?.templateSources.map((t) => t.file)).toEqual([join(fixtures, 'templates/fixture.tmpl')]);
    expect(alerting?.escalations[0]?.steps.map((s) => s.receiver)).toEqual(['team-slack', 'oncall']);
    expect(alerting?.inhibitRules).toHaveLength(2);
  });
});

describe('alerting problems', () => {
  it('reports inline problems at their position in the config file, with the other sections\' problems', () => {
    write({
      'c.yaml': ['log_level: loud', 'alerting:', '  route:', '    receiver: nobody', '  receivers:', '    - name: r', '      slack_configs: [{api_url: "${NOPE}"}]', ''].join('\n'),
    });
    expect(loadProblems('c.yaml')).toEqual([
      'c.yaml:1:12: log_level: must be one of fatal, error, warn, info, debug, trace, silent',
      'c.yaml:4:15: route: undefined receiver "nobody" used',
      'c.yaml:7:33: receivers[0].slack_configs[0].api_url: environment variable NOPE is not set or empty',
    ]);
    write({ 'd.yaml': ['listen: nowhere', 'alerting:', '  route:', '    receiver: nobody', '  receivers:', '    - name: r', '      slack_configs: [{api_url: "${NOPE}"}]', ''].join('\n') });
    expect(loadProblems('d.yaml')).toEqual([
      expect.stringMatching(/^d\.yaml:1:9: listen: /),
      'd.yaml:4:15: route: undefined receiver "nobody" used',
      'd.yaml:7:33: receivers[0].slack_configs[0].api_url: environment variable NOPE is not set or empty',
    ]);
  });

  it('reports problems of the config_file in that file, named from where the user named the config', () => {
    write({
      'conf/c.yaml': 'alerting:\n  config_file: am/alertmanager.yml\n',
      'conf/am/alertmanager.yml': 'route:\n  receiver: r\n  group_wait: never\nreceivers: [{name: r}]\n',
    });
    expect(loadProblems('conf/c.yaml')).toEqual(['conf/am/alertmanager.yml:3:15: route.group_wait: "never" is not a duration (like 30s, 5m, 4h, 1d)']);
  });

  it.each([
    {
      name: 'an Alertmanager key both inline and in the file',
      files: { 'c.yaml': 'alerting:\n  config_file: am.yml\n  route: {receiver: r}\n', 'am.yml': 'route: {receiver: r}\nreceivers: [{name: r}]\n' },
      want: ['c.yaml:3:3: alerting.route: belongs in am.yml (alerting.config_file)'],
    },
    {
      name: 'an addition both inline and in the file',
      files: { 'c.yaml': 'alerting:\n  config_file: am.yml\n  trace_url: "http://a/"\n', 'am.yml': 'route: {receiver: r}\nreceivers: [{name: r}]\ntrace_url: "http://b/"\n' },
      want: ['c.yaml:3:3: alerting.trace_url: is set in am.yml too'],
    },
    { name: 'a missing config_file', files: { 'c.yaml': 'alerting:\n  config_file: gone.yml\n' }, want: ['c.yaml:2:16: alerting.config_file: cannot read "gone.yml": no such file'] },
    { name: 'a config_file with bad YAML', files: { 'c.yaml': 'alerting:\n  config_file: am.yml\n', 'am.yml': 'route: [\n' }, want: [expect.stringMatching(/^am\.yml:\d+:\d+: invalid YAML: /)] },
    { name: 'an unknown key', files: { 'c.yaml': 'alerting:\n  routes: {}\n' }, want: ['c.yaml:2:3: alerting: unknown field "routes" (did you mean "route"?)', 'c.yaml:2:3: no routes provided: the alerting section needs a route'] },
    { name: 'alerting not a mapping', files: { 'c.yaml': 'alerting: [1]\n' }, want: ['c.yaml:1:11: alerting: must be a mapping, got a list'] },
  ])('refuses $name', ({ files, want }) => {
    write(files);
    expect(loadProblems('c.yaml')).toEqual(want);
  });
});
