/**
 * The pipeline feeding the real outbox on one store: a flush's notifications are delivered to the
 * integration's notifier, and the notification log is written in the outbox's transaction, so a
 * restart (new pipeline, new outbox, same file) neither pages again nor loses the resolve.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/pipeline/outbox.ts';
import { createDeliveryPipeline } from '../../src/pipeline/pipeline.ts';
import type { DeliveryPipeline } from '../../src/pipeline/pipeline.ts';
import type { Notification, Notifier } from '../../src/pipeline/types.ts';
import type { AlertBatch } from '../../src/rules/group.ts';
import { buildRoute, config, createFakeTime, createTempDb, MINUTE, SECOND, T0 } from './pipeline-fakes.ts';
import type { TempDb } from './pipeline-fakes.ts';

const logger = pino({ level: 'silent' });
let tmp: TempDb | undefined;
let running: { outbox: Outbox; pipeline: DeliveryPipeline } | undefined;
afterEach(async () => {
  running?.pipeline.stop();
  await running?.outbox.stop();
  tmp?.close();
  tmp = undefined;
  running = undefined;
});

function batch(now: number, resolvedAt?: number): AlertBatch {
  const labels = { alertname: 'RunFailed', run_id: 'r1' };
  return {
    group: 'g',
    file: 'rules.yml',
    rule: 'RunFailed',
    expr: 'x > 0',
    alerts: [{ alert: { state: resolvedAt === undefined ? 'firing' : 'inactive', labels, annotations: {}, value: 1, activeAt: T0, firedAt: T0, resolvedAt }, reason: resolvedAt === undefined ? 'resend' : 'resolved', startsAt: T0, endsAt: resolvedAt ?? now + 4 * MINUTE }],
  };
}

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !probe(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!probe()) throw new Error(`timed out waiting for ${what}`);
}

describe('pipeline and outbox', () => {
  it('delivers a page once, and after a restart only its resolve', async () => {
    tmp = createTempDb();
    const time = createFakeTime();
    const delivered: Notification[] = [];
    const notifier: Notifier = {
      kind: 'webhook',
      send: async (n) => {
        delivered.push(n);
        return { kind: 'success' };
      },
    };
    const cfg = config({ route: buildRoute({ receiver: 'team', groupBy: ['alertname'] }) });
    const boot = () => {
      const outbox = new Outbox(tmp!.db, { clock: time.now, settings: cfg.delivery, notifierFor: () => notifier, logger });
      const pipeline = createDeliveryPipeline({ config: cfg, db: tmp!.db, outbox, clock: time.now, logger, externalURL: 'http://rw', scheduler: time.scheduler });
      outbox.start();
      running = { outbox, pipeline };
      return running;
    };
    let { pipeline } = boot();
    pipeline.notify(batch(time.now()));
    time.advance(30 * SECOND);
    await until('the page', () => delivered.length === 1);
    expect(delivered[0]).toMatchObject({ receiver: 'team', integration: 'webhook/0', data: { status: 'firing', groupKey: '{}:{alertname="RunFailed"}' } });

    running!.pipeline.stop();
    await running!.outbox.stop();
    tmp.reopen();
    ({ pipeline } = boot());
    time.advance(MINUTE);
    pipeline.notify(batch(time.now()));
    time.advance(10 * MINUTE);
    pipeline.notify(batch(time.now(), time.now()));
    time.runDue();
    await until('the resolve', () => delivered.length === 2);
    expect(delivered.map((n) => n.data.status)).toEqual(['firing', 'resolved']);
    expect(running!.outbox.depth()).toBe(0);
  });
});
