/**
 * A real Prometheus for tests: on 127.0.0.1, a free port, temporary storage, scraping the given
 * targets every second. Stopped (and its storage removed) by `stop`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** PrometheusServer is a running Prometheus. */
export interface PrometheusServer {
  url: string;
  /** output is what Prometheus logged so far, for failure messages. */
  output: () => string;
  stop(): Promise<void>;
}

/** ScrapeTarget is one static target and the labels Prometheus adds to its series. */
export interface ScrapeTarget {
  job: string;
  /** host:port */
  address: string;
  metricsPath: string;
  labels?: Record<string, string>;
}

/** freePort asks the kernel for a free port on 127.0.0.1 (Prometheus cannot report a port-0 listener's port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * startPrometheus starts `binary` scraping `targets` every second, evaluating `ruleFiles` (absolute
 * paths) every second, and resolves once it is ready.
 */
export async function startPrometheus(binary: string, targets: ScrapeTarget[], ruleFiles: string[] = []): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'runwarden-prometheus-'));
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    ...(ruleFiles.length > 0 ? { rule_files: ruleFiles } : {}),
    scrape_configs: targets.map((t) => ({
      job_name: t.job,
      metrics_path: t.metricsPath,
      static_configs: [{ targets: [t.address], labels: t.labels ?? {} }],
    })),
  };
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(
    binary,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${proc.exitCode}: ${output}`);
    }
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready in 20 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, output: () => output, stop };
}
