/**
 * The bundle's configs through `runwarden config check`, the sidecar's own checker: the compose
 * sidecar config, the Kubernetes ConfigMap's config, and both Alertmanager configs (Runwarden
 * reads Alertmanager's format too, so the example can also serve as a sidecar's
 * `alerting.config_file`). Unlike amtool, it reads the secret files a config names.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT, runTool } from './run-tool.ts';
import { BIN, NODE } from '../helpers/sidecar-process.ts';

const check = (file: string) => runTool(NODE, [BIN, 'config', 'check', file]);

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('runwarden config check', () => {
  it.each(['deploy/compose/runwarden.yaml', 'deploy/compose/alertmanager.yml'])('accepts %s', (file) => {
    const r = check(join(ROOT, file));
    expect(r.status, r.output).toBe(0);
  });

  it('accepts the config of the Kubernetes ConfigMap, with its rule files', () => {
    dir = mkdtempSync(join(tmpdir(), 'runwarden-check-k8s-'));
    const docs = parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'kubernetes', 'configmap.yaml'), 'utf8')).map((d) => d.toJS() as { data: Record<string, string> });
    for (const [name, text] of Object.entries(docs[1]!.data)) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'runwarden.yaml'), docs[0]!.data['runwarden.yaml']!.replace('/etc/runwarden/rules/', `${dir}/`));
    const r = check(join(dir, 'runwarden.yaml'));
    expect(r.status, r.output).toBe(0);
  });

  it('accepts alerts/alertmanager.yml once its secret files exist, and names each missing one otherwise', () => {
    dir = mkdtempSync(join(tmpdir(), 'runwarden-check-am-'));
    const text = readFileSync(join(ROOT, 'alerts', 'alertmanager.yml'), 'utf8');
    const missing = check(join(ROOT, 'alerts', 'alertmanager.yml'));
    expect(missing.status).toBe(1);
    expect(missing.output).toMatch(/global\.slack_api_url_file: cannot read/);
    expect(missing.output).toMatch(/pagerduty_configs\[0\]\.routing_key_file: cannot read/);
    // The secrets never show up in the output, even when they are read.
    writeFileSync(join(dir, 'slack-webhook-url'), 'https://hooks.slack.com/services/T000/B000/SECRETSECRET\n');
    writeFileSync(join(dir, 'pagerduty-routing-key'), 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00\n');
    writeFileSync(join(dir, 'alertmanager.yml'), text.replaceAll('/etc/alertmanager/secrets/', `${dir}/`));
    const r = check(join(dir, 'alertmanager.yml'));
    expect(r.status, r.output).toBe(0);
    expect(r.output).not.toMatch(/SECRETSECRET|R0UT1NGKEY/);
  });
});
