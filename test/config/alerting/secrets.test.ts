/**
 * Secrets: inline, `*_file` (relative to the config file, trimmed) and `${VAR}`; they never show in
 * JSON, util.inspect or string conversion of the parsed config, nor in any error message.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/pipeline/types.ts';
import { parse, problems, yaml } from './parse-helper.ts';

const SLACK = 'https://hooks.slack.com/services/T000/B000/slack-secret-1';
const HOOK = 'https://hook.example/path?token=hook-secret-2';
const KEY = 'pd-secret-3';
const TOKEN = 'bearer-secret-4';

const FULL = yaml(
  'global:',
  '  slack_api_url_file: secrets/slack.url',
  'route:',
  '  receiver: all',
  'receivers:',
  '  - name: all',
  '    slack_configs: [{channel: "#x"}]',
  '    pagerduty_configs: [{routing_key: "${PD_KEY}"}]',
  '    webhook_configs:',
  '      - url: "${HOOK_URL}"',
  '        http_config: {authorization: {credentials_file: /abs/token}}',
);
const FILES = { '/cfg/secrets/slack.url': `\n  ${SLACK}  \n`, '/abs/token': `${TOKEN}\n` };
const ENV = { PD_KEY: KEY, HOOK_URL: HOOK };

describe('secret sources', () => {
  it('reads *_file relative to the config file (trimmed), absolute paths as they are, and ${VAR} from the environment', () => {
    const config = parse(FULL, { env: ENV, files: FILES });
    const [slack, pd, hook] = config.receivers.get('all')?.integrations ?? [];
    expect(slack?.kind === 'slack' && slack.apiUrl.reveal()).toBe(SLACK);
    expect(pd?.kind === 'pagerduty' && pd.routingKey.reveal()).toBe(KEY);
    expect(hook?.kind === 'webhook' && hook.url.reveal()).toBe(HOOK);
    expect(hook?.http.bearerToken?.reveal()).toBe(TOKEN);
  });

  it.each([
    { name: 'routing_key_file', line: '    pagerduty_configs: [{routing_key_file: pd.key}]', files: { '/cfg/pd.key': KEY } },
    { name: 'url_file', line: '    webhook_configs: [{url_file: hook.url}]', files: { '/cfg/hook.url': HOOK } },
    { name: 'api_url_file', line: '    slack_configs: [{api_url_file: s.url}]', files: { '/cfg/s.url': SLACK } },
    { name: 'bearer_token_file', line: '    webhook_configs: [{url: "http://h/", http_config: {bearer_token_file: t}}]', files: { '/cfg/t': TOKEN } },
  ])('reads $name', ({ line, files }) => {
    const config = parse(yaml('route: {receiver: r}', 'receivers:', '  - name: r', line), { files });
    const [i] = config.receivers.get('r')?.integrations ?? [];
    const secret = i?.kind === 'slack' ? i.apiUrl : i?.kind === 'pagerduty' ? i.routingKey : i?.kind === 'webhook' && !line.includes('bearer') ? i.url : i?.http.bearerToken;
    expect(secret).toBeInstanceOf(Secret);
    expect([SLACK, HOOK, KEY, TOKEN]).toContain(secret?.reveal());
  });
});

describe('secrets never show', () => {
  it('in JSON, util.inspect or String() of the parsed config', () => {
    const config = parse(FULL, { env: ENV, files: FILES });
    const shown = [JSON.stringify(config), JSON.stringify([...config.receivers.values()]), inspect(config, { depth: null }), inspect(config.receivers, { depth: null }), String(config.receivers.get('all')?.integrations.map((i) => Object.values(i)))];
    for (const text of shown) {
      for (const secret of [SLACK, HOOK, KEY, TOKEN, 'slack-secret-1', 'hook-secret-2']) expect(text).not.toContain(secret);
    }
    expect(inspect(config, { depth: null })).toContain('<secret>');
  });

  it.each([
    { name: 'a URL that does not parse', line: '    webhook_configs: [{url: "not a url hook-secret-2"}]', want: 'am.yml:4:29: receivers[0].webhook_configs[0].url: is not a valid URL' },
    { name: 'a URL with another scheme', line: '    slack_configs: [{api_url: "ftp://slack-secret-1@host/"}]', want: 'am.yml:4:31: receivers[0].slack_configs[0].api_url: unsupported scheme "ftp" for URL' },
    {
      name: 'a missing environment variable',
      line: '    pagerduty_configs: [{routing_key: "${NOPE}"}]',
      want: 'am.yml:4:39: receivers[0].pagerduty_configs[0].routing_key: environment variable NOPE is not set or empty',
    },
    {
      name: 'an empty environment variable',
      line: '    pagerduty_configs: [{routing_key: "${EMPTY}"}]',
      want: 'am.yml:4:39: receivers[0].pagerduty_configs[0].routing_key: environment variable EMPTY is not set or empty',
    },
    { name: 'a missing file', line: '    webhook_configs: [{url_file: missing.url}]', want: 'am.yml:4:34: receivers[0].webhook_configs[0].url_file: cannot read "missing.url": no such file' },
    { name: 'an empty file', line: '    webhook_configs: [{url_file: empty}]', want: 'am.yml:4:34: receivers[0].webhook_configs[0].url_file: file "empty" is empty' },
    { name: 'a bad URL from a file', line: '    webhook_configs: [{url_file: bad.url}]', want: 'am.yml:4:34: receivers[0].webhook_configs[0].url_file: is not a valid URL' },
    {
      name: 'value and file both given',
      line: '    pagerduty_configs: [{routing_key: pd-secret-3, routing_key_file: k}]',
      want: 'am.yml:4:52: receivers[0].pagerduty_configs[0]: at most one of routing_key & routing_key_file must be configured',
    },
    { name: 'a typed field with a secret value', line: '    webhook_configs: [{url: {u: hook-secret-2}}]', want: 'am.yml:4:29: receivers[0].webhook_configs[0].url must be a string, got a mapping' },
  ])('in the message about $name', ({ line, want }) => {
    const text = yaml('route: {receiver: r}', 'receivers:', '  - name: r', line);
    const got = problems(text, { env: { EMPTY: ' ' }, files: { '/cfg/empty': '\n', '/cfg/bad.url': 'hook-secret-2 no url' } });
    expect(got).toEqual([want]);
    for (const secret of ['hook-secret-2', 'slack-secret-1', 'pd-secret-3']) expect(got.join('\n')).not.toContain(secret);
  });
});
