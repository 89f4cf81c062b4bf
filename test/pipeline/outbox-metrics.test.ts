/**
 * The outbox's metrics on /metrics: names as DELIVERY_METRICS promises, labels receiver and
 * integration (and reason for failures), values following deliveries, and an exposition promtool
 * accepts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryMetrics } from '../../src/pipeline/delivery-metrics.ts';
import { Outbox } from '../../src/pipeline/outbox.ts';
import type { NotificationRequest, Notifier, NotifyResult } from '../../src/pipeline/types.ts';
import { openDatabase } from '../../src/store/database.ts';
import { createTestApp, sampleValue } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';
import { promtoolCheckMetrics, requirePeer } from '../helpers/peers.ts';

const promtool = requirePeer('promtool');

function request(key: string, integration: string): NotificationRequest {
  return {
    receiver: 'ops',
    integration,
    data: { receiver: 'ops', status: 'firing', alerts: [], groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', groupKey: key, truncatedAlerts: 0 },
  };
}

let app: TestApp | undefined;
let cleanup: (() => Promise<void>) | undefined;

afterEach(async () => {
  await cleanup?.();
  await app?.close();
});

describe('delivery metrics', () => {
  it('count deliveries, failures by reason, dead letters, depth and circuit state', async () => {
    app = createTestApp();
    const clock = app.clock;
    const metrics = new DeliveryMetrics(app.telemetry.resource, clock.now);
    app.telemetry.addPrometheusProducer(metrics);
    const dir = mkdtempSync(join(tmpdir(), 'runwarden-outbox-metrics-'));
    const db = openDatabase(dir);
    const answers: Record<string, NotifyResult[]> = {
      good: [],
      refused: [{ kind: 'failure', reason: 'clientError', status: 404, message: 'HTTP 404' }],
      down: [
        { kind: 'retryable', reason: 'network', message: 'connection refused' },
        { kind: 'retryable', reason: 'serverError', status: 503, message: 'HTTP 503' },
      ],
    };
    const notifier: Notifier = {
      kind: 'webhook',
      send: async (n) => {
        // Only this lane moves the clock, so its latencies do not depend on how lanes interleave.
        if (n.data.groupKey === 'good') clock.advance(250);
        return answers[n.data.groupKey]?.shift() ?? { kind: 'success' };
      },
    };
    const outbox = new Outbox(db, {
      clock: clock.now,
      settings: { deadlineMs: 3_600_000, initialBackoffMs: 60_000, maxBackoffMs: 60_000, circuitFailures: 2, circuitResetMs: 30_000 },
      notifierFor: () => notifier,
      logger: pino({ level: 'silent' }),
      metrics,
    });
    cleanup = async () => {
      await outbox.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    };
    outbox.start();
    outbox.enqueue([request('good', 'webhook/0'), request('good', 'webhook/0'), request('refused', 'webhook/1'), request('down', 'slack/0'), request('later', 'slack/0')]);
    await expect.poll(() => outbox.depth()).toBe(2);
    await expect.poll(() => outbox.get(4)?.attempts).toBe(1);

    const text = await app.metrics();
    const lane = (integration: string) => ({ receiver: 'ops', integration });
    expect(sampleValue(text, 'runwarden_notifications_sent_total', lane('webhook/0'))).toBe(2);
    expect(sampleValue(text, 'runwarden_notifications_failed_total', { ...lane('webhook/1'), reason: 'clientError' })).toBe(1);
    expect(sampleValue(text, 'runwarden_notifications_failed_total', { ...lane('slack/0'), reason: 'network' })).toBe(1);
    expect(sampleValue(text, 'runwarden_notifications_dead_lettered_total', lane('webhook/1'))).toBe(1);
    expect(sampleValue(text, 'runwarden_notifications_dead', lane('webhook/1'))).toBe(1);
    expect(sampleValue(text, 'runwarden_outbox_depth', lane('slack/0'))).toBe(2);
    expect(sampleValue(text, 'runwarden_outbox_depth', lane('webhook/0'))).toBe(0);
    expect(sampleValue(text, 'runwarden_notifier_circuit_state', lane('slack/0'))).toBe(0);
    // Delivered 250 ms and 500 ms after enqueue (each send takes 250 ms of the fake clock). The
    // exporter adds no unit suffix to histogram names (as runwarden_phase_duration_bucket).
    expect(sampleValue(text, 'runwarden_notification_delivery_duration_bucket', { ...lane('webhook/0'), le: '0.25' })).toBe(1);
    expect(sampleValue(text, 'runwarden_notification_delivery_duration_bucket', { ...lane('webhook/0'), le: '0.5' })).toBe(2);
    expect(sampleValue(text, 'runwarden_notification_delivery_duration_count', lane('webhook/0'))).toBe(2);
    expect(sampleValue(text, 'runwarden_notification_delivery_duration_sum', lane('webhook/0'))).toBe(0.75);
    if (promtool) expect(await promtoolCheckMetrics(text, promtool)).toEqual({ ok: true, exitCode: 0, output: '' });
  });
});
