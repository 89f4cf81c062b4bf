/**
 * `runwarden notifications`: the outbox from the command line. `list` shows notifications from
 * `GET /v1/notifications` as a table (dead letters with `--state dead`); `retry ID...` sends dead
 * letters again with `POST /v1/notifications/{id}/retry`. Formatting is pure
 * (`formatNotificationsTable`), tested without a sidecar.
 */
import type { NotificationsPage } from '../pipeline/notifications-routes.ts';
import type { NotificationView } from '../pipeline/outbox-view.ts';
import { parseFlags, parseLimit, UsageError } from './args.ts';
import { formatTime, painter, table, useColour } from './format.ts';
import type { Paint } from './format.ts';
import { defaultCommandDeps, eachId, fetchJson } from './query.ts';
import type { CommandDeps } from './query.ts';

/** NotificationsDeps are CommandDeps plus stderr, where `retry` reports the ids it could not retry. */
export interface NotificationsDeps extends CommandDeps {
  stderr: { write(text: string): unknown };
}

/** NOTIFICATIONS_USAGE is the text of `runwarden notifications --help`. */
export const NOTIFICATIONS_USAGE = `Usage: runwarden notifications list [--state pending|sent|dead] [--receiver NAME] [--limit N] [--json]
       runwarden notifications retry ID...

Shows the notification outbox, and sends dead letters again.

Commands:
  list          notifications, newest first: id, receiver, integration, state, attempts,
                created time, status, alert count and the last error
  retry ID...   send these dead notifications again (each gets a fresh deadline)

Options:
  --state STATE    only pending, sent or dead notifications (default: all)
  --receiver NAME  only notifications for this receiver
  --limit N        at most N notifications, 1 to 1000 (default 100)
  --json           print the sidecar's JSON answer as it came
  -h, --help       show this help
`;

const FLAGS = {
  state: { type: 'string' },
  receiver: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const STATES = new Set(['pending', 'sent', 'dead']);

/** notificationsPath builds the `GET /v1/notifications` path for the flags, or throws UsageError for bad ones. */
export function notificationsPath(flags: { state?: string; receiver?: string; limit?: string }): string {
  const query = new URLSearchParams();
  if (flags.state !== undefined) {
    if (!STATES.has(flags.state)) throw new UsageError(`--state must be pending, sent or dead, not ${JSON.stringify(flags.state)}`, 'notifications');
    query.set('state', flags.state);
  }
  if (flags.receiver !== undefined) query.set('receiver', flags.receiver);
  if (flags.limit !== undefined) query.set('limit', String(parseLimit(flags.limit, 'notifications')));
  const text = query.toString();
  return text === '' ? '/v1/notifications' : `/v1/notifications?${text}`;
}

function stateCell(n: NotificationView, paint: Paint): string {
  if (n.state === 'sent') return `${paint('✓', 'green')} sent`;
  if (n.state === 'dead') return `${paint('✗', 'red')} ${paint('dead', 'red')}`;
  return `${paint('▶', 'cyan')} pending`;
}

/** formatNotificationsTable renders notifications as the `list` table (a line saying so when there are none). */
export function formatNotificationsTable(page: NotificationsPage, paint: Paint): string {
  if (page.notifications.length === 0) return 'no notifications\n';
  const rows = page.notifications.map((n) => [
    String(n.id),
    n.receiver,
    n.integration,
    stateCell(n, paint),
    String(n.attempts),
    formatTime(n.createdAt),
    n.status ?? '-',
    String(n.alerts),
    n.lastError ?? '-',
  ]);
  let out = table(['ID', 'RECEIVER', 'INTEGRATION', 'STATE', 'ATTEMPTS', 'CREATED', 'STATUS', 'ALERTS', 'LAST ERROR'], rows, new Set([0, 4, 7]));
  if (page.nextBefore !== null) out += paint('(more notifications: raise --limit to see them)\n', 'dim');
  return out;
}

/** runNotifications runs `runwarden notifications` and resolves to the exit code. */
export async function runNotifications(argv: string[], deps: Partial<NotificationsDeps> = {}): Promise<number> {
  const d: NotificationsDeps = { ...defaultCommandDeps, stderr: process.stderr, ...deps };
  const { values, positionals } = parseFlags('notifications', argv, FLAGS, true);
  if (values.help) {
    d.stdout.write(NOTIFICATIONS_USAGE);
    return 0;
  }
  const [sub, ...rest] = positionals;
  if (sub === 'list') {
    if (rest.length > 0) throw new UsageError(`list takes no arguments, got ${JSON.stringify(rest[0])}`, 'notifications');
    const body = await fetchJson(d, notificationsPath(values));
    d.stdout.write(values.json ? `${JSON.stringify(body)}\n` : formatNotificationsTable(body as NotificationsPage, painter(useColour(d.stdout, d.env))));
    return 0;
  }
  if (sub === 'retry') return retry(rest, values, d);
  throw new UsageError(sub === undefined ? 'missing subcommand: list or retry' : `unknown subcommand ${JSON.stringify(sub)}: list or retry`, 'notifications');
}

async function retry(ids: string[], flags: { state?: string; receiver?: string; limit?: string; json?: boolean }, d: NotificationsDeps): Promise<number> {
  if (ids.length === 0) throw new UsageError('retry needs at least one notification id', 'notifications');
  for (const flag of ['state', 'receiver', 'limit'] as const) {
    if (flags[flag] !== undefined) throw new UsageError(`--${flag} is for list, not retry`, 'notifications');
  }
  const bad = ids.find((id) => !/^[0-9]{1,15}$/.test(id));
  if (bad !== undefined) throw new UsageError(`notification ids are whole numbers, not ${JSON.stringify(bad)}`, 'notifications');
  return eachId(d, 'notification', ids, async (client, id) => {
    const n = (await client.request('POST', `/v1/notifications/${id}/retry`)) as NotificationView;
    return flags.json ? `${JSON.stringify(n)}\n` : `notification ${n.id} (${n.receiver} ${n.integration}) queued again\n`;
  });
}
