/**
 * Parity with Alertmanager itself: the Alertmanager-format fixtures are real Alertmanager configs
 * (`amtool check-config` accepts them) and load here; and configs Alertmanager refuses are refused
 * here too (Runwarden also refuses bad inline templates, which amtool 0.25 only finds when sending).
 * Needs the `amtool` peer.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAlertingConfigFile } from '../../../src/config/alerting/index.ts';
import { requirePeer } from '../../helpers/peers.ts';
import { yaml } from './parse-helper.ts';

const amtool = requirePeer('amtool');
const fixtures = fileURLToPath(new URL('../../fixtures/alerting/', import.meta.url));

// amtoolAccepts runs `amtool check-config FILE` and says whether it passed, with its output.
function amtoolAccepts(file: string): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync(amtool as string, ['check-config', file], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe.skipIf(!amtool)('Alertmanager-format fixtures are real Alertmanager configs', () => {
  it.each(['am-minimal.yml', 'am-full.yml', 'am-file-secrets.yml'])('%s passes amtool check-config and loads here', (name) => {
    const file = join(fixtures, name);
    const am = amtoolAccepts(file);
    expect(am.output).toContain('SUCCESS');
    expect(am.ok).toBe(true);
    const config = loadAlertingConfigFile(file, { env: {} });
    expect(config.receivers.size).toBeGreaterThan(0);
  });
});

describe.skipIf(!amtool)('configs Alertmanager refuses are refused here', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runwarden-amtool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const R = yaml('receivers:', '  - name: r', '    webhook_configs: [{url: "http://127.0.0.1:1/"}]', '  - name: s');
  it.each([
    { name: 'root route with matchers', text: yaml('route: {receiver: r, matchers: [a="b"]}') + R },
    { name: 'root route without receiver', text: yaml('route: {group_wait: 1s}') + R },
    { name: 'undefined receiver', text: yaml('route: {receiver: r, routes: [{receiver: nobody}]}') + R },
    { name: 'duplicate receiver', text: yaml('route: {receiver: r}') + R + yaml('  - name: r') },
    { name: 'wildcard group_by with a label', text: yaml('route: {receiver: r, group_by: ["...", job]}') + R },
    { name: 'duplicated group_by label', text: yaml('route: {receiver: r, group_by: [job, job]}') + R },
    { name: 'zero group_interval', text: yaml('route: {receiver: r, group_interval: 0s}') + R },
    { name: 'bad matcher', text: yaml('route: {receiver: r, routes: [{matchers: ["a b"]}]}') + R },
    { name: 'bad match_re', text: yaml('route: {receiver: r, routes: [{match_re: {a: "(x"}}]}') + R },
    { name: 'undefined time interval', text: yaml('route: {receiver: r, routes: [{mute_time_intervals: [never]}]}') + R },
    { name: 'end time before start', text: yaml('route: {receiver: r}', 'time_intervals: [{name: t, time_intervals: [{times: [{start_time: "10:00", end_time: "09:00"}]}]}]') + R },
    { name: 'bad weekday', text: yaml('route: {receiver: r}', 'time_intervals: [{name: t, time_intervals: [{weekdays: [funday]}]}]') + R },
    { name: 'bad location', text: yaml('route: {receiver: r}', 'time_intervals: [{name: t, time_intervals: [{location: Mars/Base}]}]') + R },
    { name: 'day of month 0', text: yaml('route: {receiver: r}', 'time_intervals: [{name: t, time_intervals: [{days_of_month: ["0"]}]}]') + R },
    { name: 'pagerduty without key', text: yaml('route: {receiver: p}', 'receivers: [{name: p, pagerduty_configs: [{severity: x}]}]') },
    { name: 'webhook without url', text: yaml('route: {receiver: w}', 'receivers: [{name: w, webhook_configs: [{max_alerts: 1}]}]') },
    { name: 'slack without any URL', text: yaml('route: {receiver: s}', 'receivers: [{name: s, slack_configs: [{channel: x}]}]') },
    { name: 'slack URL with another scheme', text: yaml('route: {receiver: s}', 'receivers: [{name: s, slack_configs: [{api_url: "ftp://x/"}]}]') },
    { name: 'unknown field', text: yaml('route: {receiver: r, recevier: x}') + R },
  ])('$name', ({ text }) => {
    const file = join(dir, 'am.yml');
    writeFileSync(file, text);
    expect(amtoolAccepts(file).ok).toBe(false);
    expect(() => loadAlertingConfigFile(file, { env: {} })).toThrow(/am\.yml:\d+:\d+: /);
  });
});
