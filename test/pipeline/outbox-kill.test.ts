/**
 * The outbox survives `kill -9`: a child process enqueues notifications and delivers them to a
 * local receiver; it is killed (a) right after enqueue returned, before any send, and (b) while
 * the receiver holds a request open (it has the bytes, it has not answered). A new child on the
 * same data directory delivers everything, in order; only the one in-flight notification of (b)
 * reaches the receiver twice.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver } from '../fixtures/outbox-receiver.ts';
import type { Receiver } from '../fixtures/outbox-receiver.ts';
import { NODE } from '../helpers/sidecar-process.ts';

const CHILD = fileURLToPath(new URL('../fixtures/outbox-child.ts', import.meta.url));
const N = 20;
const keys = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `webhook/0#${from + i}`);

interface Child {
  proc: ChildProcess;
  exited: Promise<void>;
  output: () => string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function child(dataDir: string, url: string, mode: string, onLine?: (line: string) => void): Child {
  const proc = spawn(NODE, [CHILD, dataDir, url, String(N), mode], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (onLine) for (const line of d.split('\n')) if (line !== '') onLine(line);
  });
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const c = { proc, exited, output: () => out };
  cleanups.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  return c;
}

async function setup(script?: Parameters<typeof startReceiver>[0]): Promise<{ dir: string; receiver: Receiver }> {
  const dir = mkdtempSync(join(tmpdir(), 'runwarden-outbox-kill-'));
  const receiver = await startReceiver(script);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => receiver.close());
  return { dir, receiver };
}

describe('Outbox across kill -9', () => {
  it('(a) killed right after enqueue returned: the next process sends everything, in order, once', async () => {
    const { dir, receiver } = await setup();
    let first: Child | undefined;
    const killed = new Promise<void>((resolve) => {
      first = child(dir, receiver.url, 'enqueue-wait', (line) => {
        if (line === 'enqueued') {
          first?.proc.kill('SIGKILL');
          resolve();
        }
      });
    });
    await killed;
    await first?.exited;
    expect(first?.proc.signalCode).toBe('SIGKILL');
    expect(receiver.received).toEqual([]);

    const second = child(dir, receiver.url, 'resume');
    await expect.poll(() => receiver.acknowledged.length, { timeout: 20_000, interval: 50 }).toBe(N);
    second.proc.kill('SIGKILL');
    expect(receiver.acknowledged.map((r) => r.groupKey)).toEqual(keys(0, N));
    expect(receiver.received.map((r) => r.groupKey)).toEqual(keys(0, N));
  });

  it('(b) killed while the receiver holds a request open: everything arrives in order, only that one twice', async () => {
    const HELD = 7;
    let holding = true;
    const { dir, receiver } = await setup((n) => (holding && n === HELD ? { hold: 'forever' } : undefined));
    const first = child(dir, receiver.url, 'enqueue-run');
    const got = new Promise<void>((resolve) => {
      receiver.onRequest = (_r, n) => {
        if (n === HELD) {
          // The receiver has the bytes of request HELD and has not answered: kill the sender now.
          first.proc.kill('SIGKILL');
          resolve();
        }
      };
    });
    await got;
    await first.exited;
    expect(first.proc.signalCode).toBe('SIGKILL');
    holding = false;
    receiver.onRequest = undefined;

    const second = child(dir, receiver.url, 'resume');
    await expect.poll(() => receiver.acknowledged.length, { timeout: 20_000, interval: 50 }).toBe(N);
    second.proc.kill('SIGKILL');
    expect(receiver.acknowledged.map((r) => r.groupKey)).toEqual(keys(0, N));
    // Received: 0..HELD, then HELD again (at-least-once), then the rest.
    expect(receiver.received.map((r) => r.groupKey)).toEqual([...keys(0, HELD + 1), ...keys(HELD, N)]);
  });
});
