/**
 * Helpers for notifier tests: a local receiver on 127.0.0.1 port 0 that records every request's
 * exact bytes and answers from a script (status, headers, body, or never), and sample
 * notifications.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { NotifierLogger } from '../../src/notifiers/context.ts';
import type { Notification, NotificationAlert, NotificationData } from '../../src/pipeline/types.ts';

/** Answer is what the receiver says to one request; `hang` never answers. */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/** Received is one request as the receiver saw it. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Receiver is a running local receiver. */
export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/**
 * startReceiver serves `answers` in order (the last one repeats) and records requests. Close it
 * after each test; hanging requests are cut.
 */
export async function startReceiver(answers: readonly Answer[]): Promise<Receiver> {
  const received: Received[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers[Math.min(n++, answers.length - 1)] ?? { status: 200 };
      if (answer === 'hang') return;
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** freePort finds a port nobody listens on (bound then released), for connection-refused cases. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** fixture reads a file of test/fixtures/notifiers. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/notifiers/${name}`, import.meta.url), 'utf8');
}

/** A fixed time: 2026-11-23T14:05:06.780Z. */
export const T0 = Date.UTC(2026, 10, 23, 14, 5, 6, 780);

/** sampleAlert is a firing alert of a run with a trace link and a timeline. */
export function sampleAlert(over: Partial<NotificationAlert> = {}): NotificationAlert {
  return {
    status: 'firing',
    labels: { alertname: 'PhaseTooSlow', severity: 'page', run_id: 'run-42', workflow: 'nightly & weekly' },
    annotations: { summary: 'planning is slow on run-42', description: 'planning has run 4m10s; the budget is 2m' },
    startsAt: T0,
    endsAt: 0,
    generatorURL: 'http://runwarden:9464/v1/rules?rule=PhaseTooSlow',
    fingerprint: 'c0ffee0123456789',
    traceURL: 'http://jaeger:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736',
    timeline: ['init ok 12s', 'planning running 4m10s'],
    ...over,
  };
}

/** sampleData is a group of two alerts: one firing, one resolved. */
export function sampleData(over: Partial<NotificationData> = {}): NotificationData {
  return {
    receiver: 'ops',
    status: 'firing',
    alerts: [
      sampleAlert(),
      sampleAlert({
        status: 'resolved',
        labels: { alertname: 'PhaseTooSlow', severity: 'page', run_id: 'run-41', workflow: 'nightly & weekly' },
        annotations: { summary: 'planning is slow on run-41', description: 'planning has run 4m10s; the budget is 2m' },
        startsAt: T0 - 600_000,
        endsAt: T0 - 60_000,
        fingerprint: 'c0ffee0123456788',
        traceURL: undefined,
        timeline: undefined,
      }),
    ],
    groupLabels: { alertname: 'PhaseTooSlow' },
    commonLabels: { alertname: 'PhaseTooSlow', severity: 'page', workflow: 'nightly & weekly' },
    commonAnnotations: { description: 'planning has run 4m10s; the budget is 2m' },
    externalURL: 'http://runwarden:9464',
    groupKey: '{}:{alertname="PhaseTooSlow"}',
    truncatedAlerts: 0,
    ...over,
  };
}

/** notificationOf wraps data as an outbox notification. */
export function notificationOf(data: NotificationData, integration = 'slack/0'): Notification {
  return { id: 1, createdAt: T0, attempts: 0, receiver: data.receiver, integration, data };
}

/** RecordingLogger keeps what was logged, to check it names no secret. */
export class RecordingLogger implements NotifierLogger {
  readonly lines: string[] = [];
  warn(obj: object, msg: string): void {
    this.lines.push(`${msg} ${JSON.stringify(obj)}`);
  }
}
