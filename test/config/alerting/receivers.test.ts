/**
 * Receivers with Alertmanager's field names and defaults: slack, pagerduty (Events API v2 only),
 * webhook, and Runwarden's alertmanager forwarding; global fallbacks; http_config; templates.
 */
import { describe, expect, it } from 'vitest';
import type { Integration } from '../../../src/pipeline/types.ts';
import { parse, problems, yaml } from './parse-helper.ts';

const ROUTE = yaml('route:', '  receiver: r');

// integrations parses one receiver `r` with the given body lines and returns its integrations, secrets revealed.
function integrations(body: string[], head: string[] = []): Record<string, unknown>[] {
  const config = parse(yaml(...head) + ROUTE + yaml('receivers:', '  - name: r', ...body));
  return (config.receivers.get('r')?.integrations ?? []).map(reveal);
}

function reveal(i: Integration): Record<string, unknown> {
  const out: Record<string, unknown> = { ...i, http: { ...i.http, bearerToken: i.http.bearerToken?.reveal() } };
  if (i.kind === 'slack') out['apiUrl'] = i.apiUrl.reveal();
  if (i.kind === 'pagerduty') out['routingKey'] = i.routingKey.reveal();
  if (i.kind === 'webhook') out['url'] = i.url.reveal();
  return out;
}

const HTTP = { timeoutMs: 10_000, bearerToken: undefined };

describe('receivers', () => {
  it('reads slack with Alertmanager defaults for unset fields', () => {
    expect(integrations(['    slack_configs:', '      - api_url: https://hooks.slack.com/services/A', '        channel: "#ops"'])).toEqual([
      {
        kind: 'slack',
        sendResolved: false,
        apiUrl: 'https://hooks.slack.com/services/A',
        channel: '#ops',
        title: '{{ template "slack.default.title" . }}',
        titleLink: '{{ template "slack.default.titlelink" . }}',
        text: '{{ template "slack.default.text" . }}',
        color: '{{ template "slack.default.color" . }}',
        fallback: '{{ template "slack.default.fallback" . }}',
        http: HTTP,
      },
    ]);
  });

  it('reads every slack field the user sets', () => {
    const [slack] = integrations([
      '    slack_configs:',
      '      - api_url: https://hooks.slack.com/services/B',
      '        send_resolved: true',
      '        username: bot',
      '        icon_emoji: ":fire:"',
      '        icon_url: https://x/icon.png',
      '        title: "{{ .Status }}"',
      '        title_link: "{{ .ExternalURL }}"',
      '        text: "{{ range .Alerts }}{{ .Labels.alertname }}{{ end }}"',
      '        color: "warning"',
      '        fallback: "fb"',
      '        timeout: 3s',
    ]);
    expect(slack).toMatchObject({
      sendResolved: true,
      username: 'bot',
      iconEmoji: ':fire:',
      iconUrl: 'https://x/icon.png',
      title: '{{ .Status }}',
      titleLink: '{{ .ExternalURL }}',
      text: '{{ range .Alerts }}{{ .Labels.alertname }}{{ end }}',
      color: 'warning',
      fallback: 'fb',
      http: { timeoutMs: 3000 },
    });
  });

  it('takes the slack URL from global when the config has none', () => {
    const [slack] = integrations(['    slack_configs: [{channel: x}]'], ['global:', '  slack_api_url: https://hooks.slack.com/services/G']);
    expect(slack?.['apiUrl']).toBe('https://hooks.slack.com/services/G');
  });

  it('reads pagerduty (Events API v2) with its defaults and merged details', () => {
    expect(integrations(['    pagerduty_configs:', '      - routing_key: rk-1', '        details: {runbook: "http://rb", firing: "{{ .Status }}"}'])).toEqual([
      {
        kind: 'pagerduty',
        sendResolved: true,
        routingKey: 'rk-1',
        url: 'https://events.pagerduty.com/v2/enqueue',
        client: '{{ template "pagerduty.default.client" . }}',
        clientUrl: '{{ template "pagerduty.default.clientURL" . }}',
        description: '{{ template "pagerduty.default.description" .}}',
        severity: 'error',
        details: {
          firing: '{{ .Status }}',
          resolved: '{{ .Alerts.Resolved | toJson }}',
          num_firing: '{{ .Alerts.Firing | len }}',
          num_resolved: '{{ .Alerts.Resolved | len }}',
          runbook: 'http://rb',
        },
        http: HTTP,
      },
    ]);
  });

  it('takes the pagerduty URL from the config, else global.pagerduty_url', () => {
    const own = integrations(['    pagerduty_configs: [{routing_key: k, url: "http://pd.local/v2/enqueue", severity: "{{ .CommonLabels.severity }}", class: c, component: d, group: g}]']);
    expect(own[0]).toMatchObject({ url: 'http://pd.local/v2/enqueue', severity: '{{ .CommonLabels.severity }}', class: 'c', component: 'd', group: 'g' });
    const global = integrations(['    pagerduty_configs: [{routing_key: k}]'], ['global:', '  pagerduty_url: http://pd.global/enqueue']);
    expect(global[0]?.['url']).toBe('http://pd.global/enqueue');
  });

  it('reads webhook and alertmanager forwarding', () => {
    expect(
      integrations([
        '    webhook_configs: [{url: "http://hook.local/x", max_alerts: 5, send_resolved: false}]',
        '    alertmanager_configs: [{urls: ["http://am1:9093", "http://am2:9093"]}]',
      ]),
    ).toEqual([
      { kind: 'webhook', sendResolved: false, maxAlerts: 5, url: 'http://hook.local/x', http: HTTP },
      { kind: 'alertmanager', sendResolved: true, urls: ['http://am1:9093', 'http://am2:9093'], http: HTTP },
    ]);
  });

  it('accepts templates naming Alertmanager\'s default templates and its functions', () => {
    const [slack] = integrations([
      '    slack_configs:',
      '      - api_url: https://hooks.slack.com/services/C',
      '        title: \'{{ template "slack.default.title" . }} {{ .CommonLabels.alertname | toUpper }}\'',
      '        text: \'{{ range .Alerts.Firing }}{{ .Labels.job }} {{ .StartsAt }}{{ end }}\'',
    ]);
    expect(slack?.['title']).toBe('{{ template "slack.default.title" . }} {{ .CommonLabels.alertname | toUpper }}');
  });

  it('accepts a receiver without integrations (a blackhole)', () => {
    expect(integrations([])).toEqual([]);
  });

  it('reads bearer tokens from http_config, its own or the global one', () => {
    const own = integrations(['    webhook_configs: [{url: "http://h/", http_config: {authorization: {credentials: tok-1}}}]']);
    expect(own[0]?.['http']).toEqual({ timeoutMs: 10_000, bearerToken: 'tok-1' });
    const old = integrations(['    webhook_configs: [{url: "http://h/", http_config: {bearer_token: tok-2, follow_redirects: true}}]']);
    expect(old[0]?.['http']).toEqual({ timeoutMs: 10_000, bearerToken: 'tok-2' });
    const global = integrations(['    webhook_configs: [{url: "http://h/"}]'], ['global:', '  http_config: {authorization: {type: Bearer, credentials: tok-3}}']);
    expect(global[0]?.['http']).toEqual({ timeoutMs: 10_000, bearerToken: 'tok-3' });
  });
});

describe('receiver validation', () => {
  const rec = (...body: string[]) => ROUTE + yaml('receivers:', '  - name: r', ...body);
  it.each([
    { name: 'missing name', text: ROUTE + yaml('receivers:', '  - name: r', '  - webhook_configs: []'), want: ['am.yml:5:5: receivers[1]: missing name in receiver'] },
    { name: 'duplicate name', text: ROUTE + yaml('receivers:', '  - name: r', '  - name: r'), want: ['am.yml:5:11: receivers[1].name: receiver name "r" is not unique'] },
    {
      name: 'unsupported integration',
      text: rec('    email_configs: [{to: x@y}]'),
      want: ['am.yml:5:5: receivers[0]: "email_configs" is an Alertmanager field Runwarden does not support'],
    },
    {
      name: 'slack without any URL',
      text: rec('    slack_configs: [{channel: x}]'),
      want: ['am.yml:5:21: receivers[0].slack_configs[0]: no Slack API URL set: give api_url or api_url_file here, or global.slack_api_url(_file)'],
    },
    {
      name: 'slack URL and file',
      text: rec('    slack_configs: [{api_url: "http://x/", api_url_file: f}]'),
      want: ['am.yml:5:44: receivers[0].slack_configs[0]: at most one of api_url & api_url_file must be configured'],
    },
    { name: 'slack bad URL', text: rec('    slack_configs: [{api_url: "hooks slack"}]'), want: ['am.yml:5:31: receivers[0].slack_configs[0].api_url: is not a valid URL'] },
    { name: 'slack URL that does not parse', text: rec('    slack_configs: [{api_url: "http://"}]'), want: ['am.yml:5:31: receivers[0].slack_configs[0].api_url: is not a valid URL'] },
    {
      name: 'slack field Runwarden lacks',
      text: rec('    slack_configs: [{api_url: "http://x/", actions: []}]'),
      want: ['am.yml:5:44: receivers[0].slack_configs[0]: "actions" is an Alertmanager field Runwarden does not support'],
    },
    {
      name: 'slack bad template',
      text: rec('    slack_configs: [{api_url: "http://x/", title: "{{ .Status "}]'),
      want: [expect.stringMatching(/^am\.yml:5:51: receivers\[0\]\.slack_configs\[0\]\.title: bad template: title:1:1: unclosed action$/)],
    },
    {
      name: 'slack template calling an unknown function',
      text: rec('    slack_configs: [{api_url: "http://x/", text: "{{ nope .Status }}"}]'),
      want: [expect.stringMatching(/^am\.yml:5:50: receivers\[0\]\.slack_configs\[0\]\.text: bad template: text:1:4: function "nope" not defined$/)],
    },
    {
      name: 'slack template naming a field alerts do not have',
      text: rec('    slack_configs: [{api_url: "http://x/", title: "{{ .CommonLabel.x }}"}]'),
      want: [expect.stringMatching(/^am\.yml:5:51: receivers\[0\]\.slack_configs\[0\]\.title: bad template: .*can't evaluate field CommonLabel/)],
    },
    {
      name: 'pagerduty without a key',
      text: rec('    pagerduty_configs: [{severity: critical}]'),
      want: ['am.yml:5:25: receivers[0].pagerduty_configs[0]: missing routing key in PagerDuty config (routing_key or routing_key_file)'],
    },
    {
      name: 'pagerduty service_key (events v1)',
      text: rec('    pagerduty_configs: [{service_key: abc}]'),
      want: ['am.yml:5:26: receivers[0].pagerduty_configs[0].service_key: PagerDuty\'s Events API v1 (service_key) is not supported; use routing_key (Events API v2)'],
    },
    { name: 'pagerduty bad url', text: rec('    pagerduty_configs: [{routing_key: k, url: "ftp://pd/"}]'), want: ['am.yml:5:47: receivers[0].pagerduty_configs[0].url: "ftp://pd/" unsupported scheme "ftp" for URL'] },
    {
      name: 'pagerduty bad details template',
      text: rec('    pagerduty_configs: [{routing_key: k, details: {a: "{{ end }}"}}]'),
      want: [expect.stringMatching(/^am\.yml:5:55: receivers\[0\]\.pagerduty_configs\[0\]\.details\.a: bad template: /)],
    },
    { name: 'webhook without url', text: rec('    webhook_configs: [{max_alerts: 1}]'), want: ['am.yml:5:23: receivers[0].webhook_configs[0]: one of url or url_file must be configured'] },
    { name: 'webhook negative max_alerts', text: rec('    webhook_configs: [{url: "http://h/", max_alerts: -1}]'), want: ['am.yml:5:54: receivers[0].webhook_configs[0].max_alerts: must be an integer of at least 0'] },
    { name: 'alertmanager without urls', text: rec('    alertmanager_configs: [{}]'), want: ['am.yml:5:28: receivers[0].alertmanager_configs[0]: urls must list at least one Alertmanager URL'] },
    { name: 'alertmanager bad url', text: rec('    alertmanager_configs: [{urls: ["am:9093"]}]'), want: ['am.yml:5:36: receivers[0].alertmanager_configs[0].urls: "am:9093" unsupported scheme "am" for URL'] },
    {
      name: 'http_config basic auth',
      text: rec('    webhook_configs: [{url: "http://h/", http_config: {basic_auth: {username: u}}}]'),
      want: ['am.yml:5:56: receivers[0].webhook_configs[0].http_config: "basic_auth" is an Alertmanager field Runwarden does not support'],
    },
    {
      name: 'http_config non-bearer authorization',
      text: rec('    webhook_configs: [{url: "http://h/", http_config: {authorization: {type: Basic, credentials: c}}}]'),
      want: ['am.yml:5:78: receivers[0].webhook_configs[0].http_config.authorization.type: only the Bearer type is supported, got "Basic"'],
    },
    {
      name: 'global field Runwarden lacks',
      text: yaml('global:', '  smtp_from: a@b') + rec(),
      want: ['am.yml:2:3: global: "smtp_from" is an Alertmanager field Runwarden does not support'],
    },
  ])('$name', ({ text, want }) => {
    expect(problems(text)).toEqual(want);
  });
});
