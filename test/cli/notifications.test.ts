/**
 * `runwarden notifications`: flags become the right query, the table shows each notification's
 * state, attempts and last error, `retry` posts each id and reports the ones it could not retry.
 * Runs in-process against a port-0 server answering canned JSON.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/cli/client.ts';
import { painter } from '../../src/cli/format.ts';
import { formatNotificationsTable, notificationsPath, runNotifications } from '../../src/cli/notifications.ts';
import type { NotificationsPage } from '../../src/pipeline/notifications-routes.ts';
import type { NotificationView } from '../../src/pipeline/outbox-view.ts';
import { startCannedSidecar } from '../helpers/canned-sidecar.ts';
import type { Canned, CannedSidecar } from '../helpers/canned-sidecar.ts';

const plain = painter(false);

function view(over: Partial<NotificationView>): NotificationView {
  return {
    id: 1,
    receiver: 'ops',
    integration: 'slack/0',
    state: 'sent',
    attempts: 1,
    createdAt: '2026-01-02T03:04:05.000Z',
    updatedAt: '2026-01-02T03:04:06.000Z',
    nextAttemptAt: null,
    deadlineAt: null,
    lastError: null,
    status: 'firing',
    groupKey: '{}:{alertname="A"}',
    alerts: 2,
    ...over,
  };
}

const PAGE: NotificationsPage = {
  notifications: [
    view({ id: 12, state: 'dead', attempts: 1, lastError: 'clientError 404: HTTP 404: no_team' }),
    view({ id: 11, integration: 'pagerduty/0', state: 'pending', attempts: 3, lastError: 'serverError 503: HTTP 503' }),
    view({ id: 9, status: 'resolved', alerts: 1 }),
  ],
  nextBefore: null,
};

describe('notificationsPath', () => {
  it.each([
    [{}, '/v1/notifications'],
    [{ state: 'dead' }, '/v1/notifications?state=dead'],
    [{ receiver: 'team ops', limit: '020' }, '/v1/notifications?receiver=team+ops&limit=20'],
  ])('%j asks for %s', (flags, path) => {
    expect(notificationsPath(flags)).toBe(path);
  });

  it.each([
    [{ state: 'failed' }, '--state'],
    [{ limit: '0' }, '--limit'],
    [{ limit: 'many' }, '--limit'],
  ])('%j is a usage error about %s', (flags, flag) => {
    expect(() => notificationsPath(flags)).toThrow(expect.objectContaining({ code: 'RUNWARDEN_ERR_USAGE', message: expect.stringContaining(flag) }));
  });
});

describe('formatNotificationsTable', () => {
  it('shows state, attempts, status, alert count and the last error', () => {
    expect(formatNotificationsTable(PAGE, plain)).toBe(
      [
        'ID  RECEIVER  INTEGRATION  STATE      ATTEMPTS  CREATED               STATUS    ALERTS  LAST ERROR',
        '12  ops       slack/0      ✗ dead            1  2026-01-02 03:04:05Z  firing         2  clientError 404: HTTP 404: no_team',
        '11  ops       pagerduty/0  ▶ pending         3  2026-01-02 03:04:05Z  firing         2  serverError 503: HTTP 503',
        ' 9  ops       slack/0      ✓ sent            1  2026-01-02 03:04:05Z  resolved       1  -',
        '',
      ].join('\n'),
    );
  });

  it('says when there are more, and when there are none', () => {
    expect(formatNotificationsTable({ ...PAGE, nextBefore: 9 }, plain)).toMatch(/\(more notifications: raise --limit to see them\)\n$/);
    expect(formatNotificationsTable({ notifications: [], nextBefore: null }, plain)).toBe('no notifications\n');
  });
});

describe('runNotifications', () => {
  let sidecar: CannedSidecar | undefined;
  afterEach(async () => {
    await sidecar?.close();
    sidecar = undefined;
  });

  async function run(argv: string[], answers: Record<string, Canned>) {
    sidecar = await startCannedSidecar(answers);
    const url = sidecar.url;
    let out = '';
    let err = '';
    const code = await runNotifications(argv, {
      env: {},
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      createClient: () => createClient({ url }),
    });
    return { code, out, err, paths: sidecar.paths };
  }

  it('lists dead letters', async () => {
    const r = await run(['list', '--state', 'dead'], { '/v1/notifications?state=dead': { body: { notifications: [PAGE.notifications[0]], nextBefore: null } } });
    expect(r.code).toBe(0);
    expect(r.out).toContain('12  ops       slack/0      ✗ dead');
    expect(r.paths).toEqual(['/v1/notifications?state=dead']);
  });

  it('retries each id, reports the ones the sidecar refused, and exits 1 if any was', async () => {
    const r = await run(['retry', '12', '9', '77'], {
      '/v1/notifications/12/retry': { body: view({ id: 12, state: 'pending', attempts: 0 }) },
      '/v1/notifications/9/retry': { status: 409, body: { error: 'notification 9 is sent; only dead notifications can be retried' } },
      '/v1/notifications/77/retry': { status: 404, body: { error: 'no notification 77' } },
    });
    expect(r.code).toBe(1);
    expect(r.out).toBe('notification 12 (ops slack/0) queued again\n');
    expect(r.err).toBe('runwarden: notification 9: notification 9 is sent; only dead notifications can be retried\nrunwarden: notification 77: no notification 77\n');
    expect(r.paths).toEqual(['/v1/notifications/12/retry', '/v1/notifications/9/retry', '/v1/notifications/77/retry']);
  });

  it.each([
    [[], 'missing subcommand'],
    [['resend'], 'unknown subcommand'],
    [['retry'], 'at least one'],
    [['retry', 'abc'], 'whole numbers'],
    [['retry', '1', '--state', 'dead'], '--state is for list'],
    [['list', '7'], 'no arguments'],
  ])('%j is a usage error', async (argv, message) => {
    await expect(runNotifications(argv, { env: {}, stdout: { write: () => true } })).rejects.toThrow(expect.objectContaining({ code: 'RUNWARDEN_ERR_USAGE', message: expect.stringContaining(message) }));
  });
});
