/**
 * The fleet rules in alerts/prometheus/ and the example Alertmanager configs: every rule file passes
 * `promtool check rules`, every unit test in alerts/prometheus/tests/ passes `promtool test rules`
 * and the sidecar's own `runwarden rules test` (Prometheus 3 and 2 semantics), every alert has the
 * annotations an on-call person needs and a runbook section that exists, and `amtool` accepts both
 * Alertmanager configs and routes severities as documented. Peers missing: skipped locally, failing
 * under CI=true.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requirePeer } from '../helpers/peers.ts';
import { ROOT, runTool } from './run-tool.ts';
import { BIN as CLI, NODE } from '../helpers/sidecar-process.ts';

const RULES_DIR = join(ROOT, 'alerts', 'prometheus');
const TESTS_DIR = join(RULES_DIR, 'tests');

const ruleFiles = readdirSync(RULES_DIR).filter((f) => f.endsWith('.rules.yaml')).sort().map((f) => join(RULES_DIR, f));
const testFiles = readdirSync(TESTS_DIR).filter((f) => f.endsWith('.test.yaml')).sort().map((f) => join(TESTS_DIR, f));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const alerts: Rule[] = ruleFiles.flatMap((f) =>
  (parse(readFileSync(f, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined),
);

const promtool = requirePeer('promtool');
const amtool = requirePeer('amtool');

describe('fleet rules in alerts/prometheus/', () => {
  it('holds the rule files and a test file for each', () => {
    expect(ruleFiles.map((f) => f.slice(RULES_DIR.length + 1))).toEqual(['delivery.rules.yaml', 'runs.rules.yaml', 'sidecars.rules.yaml']);
    expect(testFiles.map((f) => f.slice(TESTS_DIR.length + 1))).toEqual(['delivery.test.yaml', 'runs.test.yaml', 'sidecars.test.yaml']);
  });

  it('every alert has a warning or critical severity and templated summary, description and a runbook_url', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(15);
    for (const a of alerts) {
      // Only the two severities alerts/alertmanager.yml routes on: Slack, or PagerDuty after hours.
      expect(['warning', 'critical'], a.alert).toContain(a.labels?.severity);
      expect(a.annotations?.summary, a.alert).toMatch(/\S/);
      expect(a.annotations?.description, a.alert).toMatch(/\{\{.*\}\}/);
      expect(a.annotations?.runbook_url, a.alert).toBe(
        `https://github.com/runwarden/runwarden/blob/main/deploy/runbooks.md#${a.alert!.toLowerCase()}`,
      );
    }
  });

  it('every runbook_url points at a section of deploy/runbooks.md', () => {
    const sections = readFileSync(join(ROOT, 'deploy', 'runbooks.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('## '))
      .map((l) => l.slice(3).trim());
    expect(sections.toSorted()).toEqual(alerts.map((a) => a.alert!).toSorted());
  });

  it('every alert is fired by a unit test', () => {
    const tested = testFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const a of alerts) expect(tested, `no test fires ${a.alert}`).toMatch(new RegExp(`alertname: ${a.alert}\\n\\s+exp_alerts:`));
  });

  for (const compat of [[], ['--promql-compat=2']]) {
    for (const f of testFiles) {
      it(`runwarden rules test ${[...compat, f.slice(ROOT.length)].join(' ')} passes`, () => {
        const r = runTool(NODE, [CLI, 'rules', 'test', ...compat, f]);
        expect(r.status, r.output).toBe(0);
      });
    }
  }
});

describe.skipIf(!promtool)('fleet rules in alerts/prometheus/: promtool', () => {
  it('promtool check rules accepts every file', () => {
    const r = runTool(promtool!, ['check', 'rules', ...ruleFiles]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).not.toMatch(/FAILED/);
  });

  for (const f of testFiles) {
    it(`promtool test rules ${f.slice(ROOT.length)} passes`, () => {
      const r = runTool(promtool!, ['test', 'rules', f]);
      expect(r.status, r.output).toBe(0);
    });
  }

  it('promtool test rules fails a test whose expectation is wrong (the check can fail)', () => {
    const r = runTool(promtool!, ['test', 'rules', join(ROOT, 'test', 'fixtures', 'deploy', 'wrong-expectation.test.yaml')]);
    expect(r.status, r.output).not.toBe(0);
    expect(r.output).toMatch(/RunwardenSidecarDown/);
  });
});

const AM_CONFIGS = ['alerts/alertmanager.yml', 'deploy/compose/alertmanager.yml'];

describe.skipIf(!amtool)('Alertmanager configs: amtool', () => {
  for (const f of AM_CONFIGS) {
    it(`amtool check-config ${f} passes`, () => {
      const r = runTool(amtool!, ['check-config', f]);
      expect(r.status, r.output).toBe(0);
      expect(r.output).toMatch(/SUCCESS/);
    });
  }

  // Time intervals do not change which receivers a route names, so this is the whole split:
  // critical reaches both (PagerDuty muted in business hours, Slack active only then).
  const routing: [string, string[], string][] = [
    ['alerts/alertmanager.yml', ['severity=critical', 'alertname=RunwardenFleetManyStuckRuns'], 'pagerduty,slack'],
    ['alerts/alertmanager.yml', ['severity=warning', 'alertname=RunwardenSidecarDown'], 'slack'],
    ['alerts/alertmanager.yml', ['severity=error'], 'slack'],
    ['alerts/alertmanager.yml', ['alertname=Unlabelled'], 'slack'],
    ['deploy/compose/alertmanager.yml', ['severity=critical'], 'demo-pager,demo-chat'],
    ['deploy/compose/alertmanager.yml', ['severity=warning'], 'demo-chat'],
  ];
  for (const [file, labels, receivers] of routing) {
    it(`${file} routes ${labels.join(' ')} to ${receivers}`, () => {
      const r = runTool(amtool!, ['config', 'routes', 'test', `--config.file=${file}`, `--verify.receivers=${receivers}`, ...labels]);
      expect(r.status, r.output).toBe(0);
    });
  }

  // Templates fail only when a notification is sent; amtool renders them now, with Alertmanager's
  // own template engine and functions, over a notification of two firing alerts.
  it('alerts/alertmanager.yml\'s Slack and PagerDuty templates render', () => {
    const am = parse(readFileSync(join(ROOT, 'alerts', 'alertmanager.yml'), 'utf8')) as {
      receivers: { name: string; slack_configs?: Record<string, string>[]; pagerduty_configs?: { description: string; details: Record<string, string> }[] }[];
    };
    const slack = am.receivers.find((r) => r.name === 'slack')!.slack_configs![0]!;
    const pd = am.receivers.find((r) => r.name === 'pagerduty')!.pagerduty_configs![0]!;
    const labels = (severity: string, workflow: string) => ({ alertname: 'RunwardenFleetStuckRuns', severity, cicd_pipeline_name: workflow });
    const alert = (severity: string, workflow: string, summary: string) => ({
      status: 'firing',
      labels: labels(severity, workflow),
      annotations: { summary, description: `Runs of ${workflow} are stuck.`, runbook_url: 'https://example.test/runbooks.md#runwardenfleetstuckruns' },
      startsAt: '2026-11-23T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: severity,
    });
    const data = {
      receiver: 'slack',
      status: 'firing',
      alerts: [alert('warning', 'etl', '2 stuck run(s) of workflow etl'), alert('warning', 'etl', '3 stuck run(s) of workflow etl')],
      groupLabels: { alertname: 'RunwardenFleetStuckRuns', cicd_pipeline_name: 'etl' },
      commonLabels: labels('warning', 'etl'),
      commonAnnotations: { runbook_url: 'https://example.test/runbooks.md#runwardenfleetstuckruns' },
      externalURL: 'http://alertmanager:9093',
    };
    const dir = mkdtempSync(join(tmpdir(), 'runwarden-am-templates-'));
    try {
      writeFileSync(join(dir, 'data.json'), JSON.stringify(data));
      writeFileSync(join(dir, 'none.tmpl'), '');
      const render = (text: string) => {
        const r = runTool(amtool!, ['template', 'render', `--template.glob=${join(dir, 'none.tmpl')}`, `--template.data=${join(dir, 'data.json')}`, `--template.text=${text}`]);
        expect(r.status, r.output).toBe(0);
        // runTool's output starts with the command line (which holds the template) and its exit.
        const header = ': exit 0\n';
        return r.output.slice(r.output.indexOf(header) + header.length).replace(/\n$/, '');
      };
      expect(render(slack.title!)).toBe('[FIRING:2] RunwardenFleetStuckRuns (etl)');
      expect(render(slack.text!)).toBe(
        [
          '*warning*: 2 stuck run(s) of workflow etl',
          'Runs of etl are stuck. <https://example.test/runbooks.md#runwardenfleetstuckruns|runbook>',
          '*warning*: 3 stuck run(s) of workflow etl',
          'Runs of etl are stuck. <https://example.test/runbooks.md#runwardenfleetstuckruns|runbook>',
        ].join('\n'),
      );
      // The two summaries differ, so the incident title counts the alerts instead.
      expect(render(pd.description)).toBe('RunwardenFleetStuckRuns (etl): 2 alerts firing');
      expect(render(pd.details.firing!)).toBe('2');
      expect(render(pd.details.runbook!)).toBe('https://example.test/runbooks.md#runwardenfleetstuckruns');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('alerts/alertmanager.yml pages only outside business hours and mutes warnings under a critical', () => {
    const am = parse(readFileSync(join(ROOT, 'alerts', 'alertmanager.yml'), 'utf8')) as {
      route: { routes: { receiver: string; mute_time_intervals?: string[]; active_time_intervals?: string[] }[] };
      inhibit_rules: { source_matchers: string[]; target_matchers: string[] }[];
      receivers: { name: string; pagerduty_configs?: { routing_key_file?: string }[]; slack_configs?: unknown[] }[];
      global: Record<string, unknown>;
    };
    const pd = am.route.routes.find((r) => r.receiver === 'pagerduty');
    expect(pd?.mute_time_intervals).toEqual(['business-hours']);
    for (const r of am.route.routes.filter((r) => r.receiver === 'slack')) expect(r.active_time_intervals).toEqual(['business-hours']);
    expect(am.inhibit_rules).toContainEqual(expect.objectContaining({ source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|error"'] }));
    // Secrets come from files, never inline.
    expect(am.global.slack_api_url).toBeUndefined();
    expect(am.receivers.find((r) => r.name === 'pagerduty')?.pagerduty_configs?.[0]?.routing_key_file).toMatch(/^\/etc\/alertmanager\/secrets\//);
  });
});
