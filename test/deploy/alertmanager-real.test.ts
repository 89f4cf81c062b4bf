/**
 * The compose stack's Alertmanager config (deploy/compose/alertmanager.yml) in a real Alertmanager,
 * delivering to the real demo webhook sink: a critical alert reaches the pager and the chat, a
 * warning reaches the chat, and a warning about the same workflow as a firing critical is inhibited
 * (shown by Alertmanager's API, and never delivered). Only the webhook host and group_wait (10s to
 * 1s) are changed for the test. Alertmanager missing: skipped locally, failing under CI=true.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemo } from '../../deploy/demo/demo.ts';
import type { Demo } from '../../deploy/demo/demo.ts';
import { requirePeer } from '../helpers/peers.ts';
import { startAlertmanager } from '../notifiers/alertmanager-process.ts';
import type { AlertmanagerProcess } from '../notifiers/alertmanager-process.ts';
import { ROOT } from './run-tool.ts';

const alertmanager = requirePeer('alertmanager');

let am: AlertmanagerProcess | undefined;
let demo: Demo | undefined;
afterEach(async () => {
  await am?.stop();
  await demo?.stop();
  am = demo = undefined;
});

describe.skipIf(!alertmanager)('deploy/compose/alertmanager.yml in a real Alertmanager', () => {
  it('routes critical to pager and chat, warning to chat, and inhibits a warning under a critical', async () => {
    const lines: string[] = [];
    // The sink only: no workflows, and a workload URL nothing listens on.
    demo = await startDemo({ url: 'http://127.0.0.1:9', listenHost: '127.0.0.1', listenPort: 0, workflows: [], log: (l) => lines.push(l) });
    const config = readFileSync(join(ROOT, 'deploy', 'compose', 'alertmanager.yml'), 'utf8');
    expect(config).toContain('http://demo:8080/');
    expect(config).toContain('group_wait: 10s');
    am = await startAlertmanager(alertmanager!, config.replaceAll('http://demo:8080/', `${demo.sinkUrl}/`).replace('group_wait: 10s', 'group_wait: 1s'));

    const alert = (alertname: string, severity: string, workflow: string) => ({
      labels: { alertname, severity, cicd_pipeline_name: workflow },
      annotations: { summary: `${alertname} ${workflow}` },
    });
    const res = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        alert('RunwardenFleetManyStuckRuns', 'critical', 'etl'),
        alert('RunwardenFleetStuckRuns', 'warning', 'etl'),
        alert('RunwardenFleetStuckRuns', 'warning', 'deploy'),
      ]),
    });
    expect(res.status, am.output()).toBe(200);

    const expected = [
      'demo: notification to pager: firing RunwardenFleetManyStuckRuns (1 alert)',
      'demo: notification to chat: firing RunwardenFleetManyStuckRuns (1 alert)',
      'demo: notification to chat: firing RunwardenFleetStuckRuns (1 alert)',
    ];
    const deadline = Date.now() + 20_000;
    while (!expected.every((l) => lines.includes(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const notifications = lines.filter((l) => l.startsWith('demo: notification'));
    expect(notifications.toSorted(), am.output()).toEqual(expected.toSorted());

    // The etl warning is suppressed by the etl critical; the deploy warning is not.
    const alerts = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as {
      labels: Record<string, string>;
      status: { state: string; inhibitedBy: string[] };
    }[];
    const state = (name: string, workflow: string) =>
      alerts.find((a) => a.labels.alertname === name && a.labels.cicd_pipeline_name === workflow)?.status;
    expect(state('RunwardenFleetStuckRuns', 'etl')).toMatchObject({ state: 'suppressed', inhibitedBy: [expect.any(String)] });
    expect(state('RunwardenFleetStuckRuns', 'deploy')).toMatchObject({ state: 'active', inhibitedBy: [] });
    expect(state('RunwardenFleetManyStuckRuns', 'etl')).toMatchObject({ state: 'active' });
  });
});
