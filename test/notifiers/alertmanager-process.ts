/**
 * A real Alertmanager for tests: started on 127.0.0.1 at a free port with clustering off and a
 * temporary storage path, ready when `/-/ready` answers; stopped (and its directory removed)
 * by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './helpers.ts';

/** AlertmanagerProcess is a running Alertmanager. */
export interface AlertmanagerProcess {
  url: string;
  /** Everything it logged, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

async function ready(url: string, child: ChildProcess, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** startAlertmanager runs `binary` with `configYaml`; a port taken meanwhile is retried on another. */
export async function startAlertmanager(binary: string, configYaml: string): Promise<AlertmanagerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'runwarden-am-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, configYaml);
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let output = '';
    const child = spawn(
      binary,
      [`--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=info'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    if (await ready(url, child, Date.now() + 15_000)) {
      return {
        url,
        output: () => output,
        stop: async () => {
          await stopChild(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child);
    if (!/address already in use/.test(output)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`alertmanager did not become ready:\n${output}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('alertmanager: no free port after 3 attempts');
}
