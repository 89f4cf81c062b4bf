/**
 * Fingerprints, silence matching and inhibition against a real Alertmanager (Debian's
 * prometheus-alertmanager): the same alerts, silences and inhibit rules given to both, Alertmanager's
 * `GET /api/v2/alerts` (`fingerprint`, `status.silencedBy`, `status.inhibitedBy`) is the reference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/pipeline/fingerprint.ts';
import { Inhibitor } from '../../src/pipeline/inhibit.ts';
import { Silences } from '../../src/pipeline/silences.ts';
import { toGettable } from '../../src/pipeline/silences-routes.ts';
import type { SilenceMatcher } from '../../src/pipeline/silences.ts';
import type { InhibitRule } from '../../src/pipeline/types.ts';
import { requirePeer } from '../helpers/peers.ts';
import { startAlertmanager } from '../notifiers/alertmanager-process.ts';
import type { AlertmanagerProcess } from '../notifiers/alertmanager-process.ts';
import { alert, createTempDb, m } from './pipeline-fakes.ts';
import type { TempDb } from './pipeline-fakes.ts';

const binary = requirePeer('alertmanager');

const ALERTS: Record<string, string>[] = [
  { alertname: 'RunFailed', severity: 'critical', run_id: 'r1' },
  { alertname: 'PhaseSlow', severity: 'warning', run_id: 'r1' },
  { alertname: 'PhaseSlow', severity: 'warning', run_id: 'r2' },
  { alertname: 'PhaseSlow', severity: 'warning' },
  { alertname: 'JobDown', job: 'etl' },
  { alertname: 'JobSlow', job: 'etl' },
  { alertname: 'Ünïcode', team: 'dätä', note: 'a "quoted" value, with, commas' },
  { alertname: 'HeartbeatMissing', team: 'data', env: '' },
];

const SILENCES: SilenceMatcher[][] = [
  [
    { name: 'alertname', value: 'PhaseSlow', isRegex: false, isEqual: true },
    { name: 'run_id', value: 'r[0-9]+', isRegex: true, isEqual: true },
  ],
  [
    { name: 'team', value: 'd.*', isRegex: true, isEqual: true },
    { name: 'alertname', value: 'Job.*', isRegex: true, isEqual: false },
  ],
  [
    { name: 'job', value: 'etl', isRegex: false, isEqual: true },
    { name: 'alertname', value: 'JobDown', isRegex: false, isEqual: false },
  ],
];

const RULES: InhibitRule[] = [
  { sourceMatchers: [m('severity="critical"')], targetMatchers: [m('severity="warning"')], equal: ['run_id'] },
  { sourceMatchers: [m('alertname=~"Job.*"')], targetMatchers: [m('alertname=~"Job.*"')], equal: ['job'] },
];

interface GettableAlert {
  labels: Record<string, string>;
  fingerprint: string;
  status: { silencedBy: string[]; inhibitedBy: string[] };
}

describe.skipIf(!binary)('pipeline semantics against a real Alertmanager', () => {
  let am: AlertmanagerProcess;
  let tmp: TempDb;
  let answer: GettableAlert[];

  beforeAll(async () => {
    am = await startAlertmanager(
      binary as string,
      [
        'route:',
        '  receiver: blackhole',
        'receivers:',
        '  - name: blackhole',
        'inhibit_rules:',
        "  - source_matchers: ['severity=\"critical\"']",
        "    target_matchers: ['severity=\"warning\"']",
        '    equal: [run_id]',
        "  - source_matchers: ['alertname=~\"Job.*\"']",
        "    target_matchers: ['alertname=~\"Job.*\"']",
        '    equal: [job]',
        '',
      ].join('\n'),
    );
    const now = Date.now();
    const post = (path: string, body: unknown) => fetch(`${am.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const matchers of SILENCES) {
      const res = await post('/api/v2/silences', { matchers, startsAt: new Date(now).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), createdBy: 'test', comment: 'conformance' });
      expect(res.status, await res.text()).toBe(200);
    }
    const res = await post(
      '/api/v2/alerts',
      ALERTS.map((labels) => ({ labels, startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString() })),
    );
    expect(res.status).toBe(200);
    // The inhibitor learns of alerts asynchronously: wait until the answer settles.
    const deadline = Date.now() + 20_000;
    let previous = '';
    for (;;) {
      answer = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as GettableAlert[];
      const text = JSON.stringify(answer.map((a) => [a.fingerprint, a.status.silencedBy.length, a.status.inhibitedBy.length]).sort());
      if (answer.length === ALERTS.length && text === previous) break;
      if (Date.now() > deadline) throw new Error(`Alertmanager did not settle:\n${am.output()}`);
      previous = text;
      await new Promise((r) => setTimeout(r, 300));
    }
    tmp = createTempDb();
  }, 40_000);

  afterAll(async () => {
    await am?.stop();
    tmp?.close();
  });

  const reference = (labels: Record<string, string>) => {
    const key = JSON.stringify(Object.entries(labels).filter(([, v]) => v !== '').sort());
    return answer.find((a) => JSON.stringify(Object.entries(a.labels).sort()) === key)!;
  };

  it("answers silences in Alertmanager's gettableSilence shape", async () => {
    const all = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as Record<string, unknown>[];
    const theirs = all.find((x) => (x['matchers'] as { name: string }[]).some((mm) => mm.name === 'run_id'))!;
    const own = createTempDb();
    const silences = new Silences({ db: own.db, clock: Date.now });
    const id = silences.set({ matchers: SILENCES[0]!, endsAt: Date.now() + 3_600_000, createdBy: 'test', comment: 'conformance' });
    const ours = toGettable(silences.get(id)!) as unknown as Record<string, unknown>;
    const shape = (o: Record<string, unknown>) => Object.keys(o).sort();
    expect(shape(ours)).toEqual(shape(theirs));
    expect(ours['status']).toEqual(theirs['status']);
    expect(ours['matchers']).toEqual(theirs['matchers']);
    own.close();
  });

  it('the cases cover both outcomes of silencing and of inhibition', () => {
    const count = (f: (a: GettableAlert) => boolean) => answer.filter(f).length;
    expect([count((a) => a.status.silencedBy.length > 0), count((a) => a.status.inhibitedBy.length > 0)]).toEqual([5, 1]);
  });

  it.each(ALERTS)('%j', (labels) => {
    // Alertmanager drops empty label values on the way in; so does what Runwarden sends.
    const kept = Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ''));
    const ref = reference(labels);
    expect(ref, `Alertmanager has no alert ${JSON.stringify(kept)}`).toBeDefined();
    const silences = new Silences({ db: tmp.db, clock: Date.now });
    if (silences.list().length === 0) for (const matchers of SILENCES) silences.set({ matchers, endsAt: Date.now() + 3_600_000, createdBy: 'test', comment: 'conformance' });
    const inhibitor = new Inhibitor(RULES);
    for (const other of ALERTS) inhibitor.put(alert(Object.fromEntries(Object.entries(other).filter(([, v]) => v !== ''))));
    expect({
      fingerprint: fingerprint(kept),
      silenced: silences.mutedBy(kept).length > 0,
      inhibited: inhibitor.mutes(kept, Date.now()),
    }).toEqual({
      fingerprint: ref.fingerprint,
      silenced: ref.status.silencedBy.length > 0,
      inhibited: ref.status.inhibitedBy.length > 0,
    });
  });
});
