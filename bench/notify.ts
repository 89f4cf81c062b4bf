import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fmt, freePort, revision, ROOT, saveSection } from './harness.ts';

/**
 * The alert-path benchmark (`npm run bench:notify`): the time from a rule's condition becoming
 * true (a heartbeat reports progress over the rule's threshold) to the webhook request arriving,
 * through the sidecar's own rule engine and delivery (`for: 0`, `group_wait: 0`), and, for the
 * same triggers in the same run, through a real Prometheus scraping the sidecar and a real
 * Alertmanager at their default intervals (scrape and evaluation 1 m, `group_wait` 30 s).
 * Aim (issue 5): under 1 s end to end locally, at least 10× faster than the Prometheus path.
 * Results go to bench/RESULTS.md.
 *
 * Flags: --triggers N (6) --spread S (60: triggers spread over this many seconds)
 * --interval D (1s: the sidecar's rules.interval) --no-prometheus --no-write.
 */

const { values: flags } = parseArgs({
  allowNegative: true,
  options: {
    triggers: { type: 'string', default: '6' },
    spread: { type: 'string', default: '60' },
    interval: { type: 'string', default: '1s' },
    prometheus: { type: 'boolean', default: true },
    write: { type: 'boolean', default: true },
  },
});

const TRIGGERS = Number(flags.triggers);
const SPREAD_MS = Number(flags.spread) * 1000;
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const PROMETHEUS = '/usr/bin/prometheus';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const RULE = `groups:
  - name: bench
    rules:
      - alert: BenchHalfDone
        expr: runwarden_run_progress{cicd_pipeline_name="bench"} > 0.5
        labels: {severity: warning}
`;

interface Arrival {
  path: string;
  runId: string;
  atMs: number;
}

const dir = mkdtempSync(join(tmpdir(), 'runwarden-bench-notify-'));
const children: ChildProcess[] = [];
const arrivals: Arrival[] = [];

function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; output: () => string } {
  const child = spawn(cmd, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  children.push(child);
  return { child, output: () => out };
}

async function until(what: string, ok: () => Promise<boolean>, output: () => string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready in ${ms / 1000} s:\n${output()}`);
}

async function main(): Promise<void> {
  // The webhook both paths end at: /sidecar from the sidecar, /am from Alertmanager.
  const hook = createServer((req, res) => {
    const atMs = Date.now();
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as { alerts: Array<{ status: string; labels: Record<string, string> }> };
      for (const a of body.alerts) if (a.status === 'firing') arrivals.push({ path: req.url ?? '', runId: a.labels['cicd_pipeline_run_id'] ?? '', atMs });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;

  const [api, metrics, promPort, amPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  writeFileSync(join(dir, 'rules.yaml'), RULE);
  writeFileSync(
    join(dir, 'runwarden.yaml'),
    `listen: 127.0.0.1:${api}
metrics_listen: 127.0.0.1:${metrics}
data_dir: ${join(dir, 'data')}
log_level: warn
rules:
  defaults: false
  interval: ${flags.interval}
  files: [rules.yaml]
alerting:
  route: {receiver: hook, group_by: [alertname, cicd_pipeline_run_id], group_wait: 0s, group_interval: 1s}
  receivers:
    - name: hook
      webhook_configs: [{url: '${hookUrl}/sidecar'}]
`,
  );
  const sidecar = launch(NODE, [join(ROOT, 'bin/runwarden.js'), 'serve', '--config', join(dir, 'runwarden.yaml')]);
  await until('sidecar', async () => (await fetch(`http://127.0.0.1:${api}/readyz`)).ok, sidecar.output);

  const usePrometheus = flags.prometheus && existsSync(PROMETHEUS) && existsSync(ALERTMANAGER);
  if (usePrometheus) {
    writeFileSync(join(dir, 'alertmanager.yml'), `route: {receiver: hook, group_by: [alertname, cicd_pipeline_run_id]}\nreceivers:\n  - name: hook\n    webhook_configs: [{url: '${hookUrl}/am'}]\n`);
    const am = launch(ALERTMANAGER, [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=']);
    await until('alertmanager', async () => (await fetch(`http://127.0.0.1:${amPort}/-/ready`)).ok, am.output);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global: {scrape_interval: 1m, evaluation_interval: 1m}
rule_files: [rules.yaml]
alerting: {alertmanagers: [{static_configs: [{targets: ['127.0.0.1:${amPort}']}]}]}
scrape_configs:
  - job_name: runwarden
    static_configs: [{targets: ['127.0.0.1:${metrics}']}]
`,
    );
    const prom = launch(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
    await until('prometheus', async () => (await fetch(`http://127.0.0.1:${promPort}/-/ready`)).ok, prom.output);
  }

  // Runs start first (no alert: no progress yet); their triggers are spread over SPREAD_MS so
  // they fall at different points of the scrape and evaluation cycles.
  const post = (path: string, body: unknown) =>
    fetch(`http://127.0.0.1:${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const triggers = new Map<string, number>();
  for (let i = 0; i < TRIGGERS; i++) await post('/v1/runs', { workflow: 'bench', runId: `bench-${i}` });
  const t0 = Date.now();
  for (let i = 0; i < TRIGGERS; i++) {
    const at = t0 + Math.round((SPREAD_MS * i) / TRIGGERS) + Math.floor(Math.random() * 1000);
    await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
    const runId = `bench-${i}`;
    triggers.set(runId, Date.now());
    const res = await post(`/v1/runs/${runId}/heartbeat`, { progress: 0.9 });
    if (!res.ok) throw new Error(`heartbeat answered ${res.status}`);
    process.stdout.write(`trigger ${runId}\n`);
  }
  const paths = usePrometheus ? ['/sidecar', '/am'] : ['/sidecar'];
  const done = () => paths.every((p) => new Set(arrivals.filter((a) => a.path === p).map((a) => a.runId)).size === TRIGGERS);
  const deadline = Date.now() + 5 * 60_000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));

  const latency = (path: string) => {
    const first = new Map<string, number>();
    for (const a of arrivals) if (a.path === path && !first.has(a.runId)) first.set(a.runId, a.atMs - (triggers.get(a.runId) ?? a.atMs));
    return [...first.values()].sort((a, b) => a - b);
  };
  const stats = (xs: number[]) => ({ n: xs.length, median: xs[Math.floor((xs.length - 1) / 2)] ?? NaN, max: xs.at(-1) ?? NaN, min: xs[0] ?? NaN });
  const side = stats(latency('/sidecar'));
  const prom = stats(latency('/am'));
  const rows = [
    `| sidecar (rules.interval ${flags.interval}, group_wait 0s) | ${side.n}/${TRIGGERS} | ${fmt(side.min)} | ${fmt(side.median)} | ${fmt(side.max)} |`,
    usePrometheus ? `| Prometheus 2.42 (scrape 1m, eval 1m) → Alertmanager 0.25 (group_wait 30s) | ${prom.n}/${TRIGGERS} | ${fmt(prom.min)} | ${fmt(prom.median)} | ${fmt(prom.max)} |` : '',
  ].filter(Boolean);
  const ratio = prom.median / side.median;
  const section = `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: alert path, condition to webhook

- Machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), Linux ${release()}, Node ${process.version}
- Code: ${revision()}
- Command: \`npm run bench:notify -- --triggers ${TRIGGERS} --spread ${flags.spread} --interval ${flags.interval}\`: ${TRIGGERS} runs cross the rule's threshold (a heartbeat with progress 0.9 against \`runwarden_run_progress > 0.5\`, \`for: 0\`) at times spread over ${SPREAD_MS / 1000} s; both paths start from the same heartbeat and end at the same local webhook.

| Path | alerts arrived | min ms | median ms | max ms |
|---|---:|---:|---:|---:|
${rows.join('\n')}

| Aim (issue 5) | Measured | Met |
|---|---:|:-:|
| under 1 s end to end locally (median; max) | ${fmt(side.median)} ms; ${fmt(side.max)} ms | ${side.max < 1000 ? 'yes' : side.median < 1000 ? 'median only' : 'no'} |
${usePrometheus ? `| at least 10× faster than the Prometheus path (median) | ${fmt(ratio, 1)}× | ${ratio >= 10 ? 'yes' : 'no'} |\n` : ''}`;
  process.stdout.write(`\n${section}\n`);
  if (flags.write) saveSection(section, '# Benchmark results\n');
  hook.close();
}

try {
  await main();
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
