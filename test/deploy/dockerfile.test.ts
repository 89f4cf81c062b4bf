/**
 * The sidecar image (Dockerfile, .dockerignore), without a Docker engine: the Dockerfile is linted
 * for what issue 6 asks (multi-stage from node:24-slim, production dependencies only, a non-root
 * user, a HEALTHCHECK, both ports), and its dependency stage is replayed in a temporary directory:
 * the same `npm ci` and pruning commands, then the pruned tree must run `runwarden --help` and
 * `runwarden serve`, and the HEALTHCHECK command must pass against that sidecar and fail without it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execForm, parseDockerfile, resolveImage } from './dockerfile.ts';
import type { Stage } from './dockerfile.ts';
import { ROOT } from './run-tool.ts';

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const { args, stages } = parseDockerfile(text);
const final = stages.at(-1)!;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const deps = stages.find((s) => s.name === 'deps')!;

describe('Dockerfile', () => {
  it('is multi-stage, and its build stages start from node:24-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(deps).toBeDefined();
    expect(resolveImage(deps.image, args)).toBe('node:24-slim');
  });

  it('installs production dependencies only, from the lockfile', () => {
    const run = all(deps, 'RUN').map((i) => i.args).join('\n');
    expect(run).toMatch(/npm ci\b[^\n&]*--omit=dev/);
    expect(text).not.toMatch(/npm (install|i)\b/);
  });

  it('runs as a non-root user in the final stage', () => {
    const users = all(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)!.args).not.toMatch(/^(root|0)(:|$)/);
  });

  it('has an exec-form HEALTHCHECK that needs no shell or curl', () => {
    const hc = all(final, 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    const cmd = execForm(hc[0]!.args.replace(/^(--\S+\s+)*CMD\s+/, ''));
    expect(cmd?.[0]).toBe('/usr/local/bin/node');
    expect(cmd?.join(' ')).toContain('/healthz');
  });

  it('exposes the API and metrics ports, listens beyond loopback, and keeps its data in a volume', () => {
    expect(all(final, 'EXPOSE').map((i) => i.args).join(' ').split(/\s+/).toSorted()).toEqual(['7171', '9464']);
    const env = all(final, 'ENV').map((i) => i.args).join(' ');
    expect(env).toContain('RUNWARDEN_LISTEN=0.0.0.0:7171');
    expect(env).toContain('RUNWARDEN_METRICS_LISTEN=0.0.0.0:9464');
    expect(env).toContain('RUNWARDEN_DATA_DIR=/data');
    expect(all(final, 'VOLUME').map((i) => i.args)).toEqual(['["/data"]']);
    expect(execForm(all(final, 'ENTRYPOINT')[0]!.args)).toEqual(['/usr/local/bin/node', '/app/bin/runwarden.js']);
  });

  it('copies only from stages it defines, and only paths the build context (.dockerignore) keeps', () => {
    const names = new Set(stages.map((s) => s.name));
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('**');
    const kept = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    for (const stage of stages) {
      for (const copy of all(stage, 'COPY')) {
        const from = /--from=(\S+)/.exec(copy.args)?.[1];
        const paths = copy.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
        if (from !== undefined) {
          expect(names, `line ${copy.line}`).toContain(from);
          continue;
        }
        for (const p of paths) {
          expect(kept, `line ${copy.line}: ${p} is left out of the build context`).toContain(p.replace(/\/$/, ''));
          expect(existsSync(join(ROOT, p)), p).toBe(true);
        }
      }
    }
  });
});

// The deps stage, replayed: the same RUN commands on a copy of package.json and the lockfile.
describe('the image\'s production tree', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'runwarden-image-'));
    for (const f of ['package.json', 'package-lock.json', 'bin', 'src', 'alerts']) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
    for (const run of all(deps, 'RUN')) {
      const r = spawnSync('sh', ['-ec', `${run.args.replace(/--no-audit/, '--no-audit --prefer-offline')}`], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
      if (r.status !== 0) throw new Error(`Dockerfile:${run.line} failed (${r.status ?? r.signal}): ${r.stdout}${r.stderr}`);
    }
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds no dev dependency and no type declarations', () => {
    for (const dev of ['vitest', 'typescript', 'node', 'fast-check']) expect(existsSync(join(dir, 'node_modules', dev)), dev).toBe(false);
    expect(existsSync(join(dir, 'node_modules', 'fastify'))).toBe(true);
    const left = spawnSync('find', ['node_modules', '-name', '*.d.ts', '-o', '-name', '*.map'], { cwd: dir, encoding: 'utf8' });
    expect(left.stdout).toBe('');
  });

  it('runs runwarden --help on Node 24 without the pinned node devDependency', () => {
    const r = spawnSync(process.execPath, ['bin/runwarden.js', '--help'], { cwd: dir, encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: runwarden/);
  });

  it('serves, and the HEALTHCHECK command passes against it and fails without it', async () => {
    const hcArgs = execForm(all(final, 'HEALTHCHECK')[0]!.args.replace(/^(--\S+\s+)*CMD\s+/, ''))!.slice(1);
    const data = mkdtempSync(join(tmpdir(), 'runwarden-image-data-'));
    const proc = spawn(process.execPath, ['bin/runwarden.js', 'serve'], {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin', RUNWARDEN_DATA_DIR: data, RUNWARDEN_LISTEN: '127.0.0.1:0', RUNWARDEN_METRICS_LISTEN: '127.0.0.1:0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const metrics = await new Promise<string>((resolve, reject) => {
        let out = '';
        proc.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const m = /"msg":"runwarden listening"/.test(out) && /"metrics":"(http:\/\/[^"]+)"/.exec(out);
          if (m) resolve(m[1]!);
        });
        proc.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      const port = new URL(metrics).port;
      // The image's command asks 127.0.0.1:9464; here the metrics port is whatever port 0 gave.
      const hc = (p: string) => spawnSync(process.execPath, hcArgs.map((a) => a.replace(':9464/', `:${p}/`)), { encoding: 'utf8', timeout: 10_000 });
      expect(hc(port).status).toBe(0);
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      expect(hc(port).status).toBe(1);
    } finally {
      proc.kill('SIGKILL');
      rmSync(data, { recursive: true, force: true });
    }
  });
});
