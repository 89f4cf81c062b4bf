/**
 * `GET /v1/notifications`, `GET /v1/notifications/{id}` and `POST /v1/notifications/{id}/retry`:
 * the outbox seen from outside. Pages are newest first; `before` takes the previous page's
 * `nextBefore`. Answers carry what a notification says and how its delivery went, never the
 * integration's URLs, keys or tokens (those are configuration, not outbox rows).
 */
import type { FastifyInstance } from 'fastify';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { ListOptions } from './outbox.ts';
import type { OutboxState } from './outbox-store.ts';
import type { NotificationDetail, NotificationView } from './outbox-view.ts';

/** NotificationApi is what the routes call: the Outbox. */
export interface NotificationApi {
  list(options: ListOptions): NotificationView[];
  get(id: number): NotificationDetail | undefined;
  retry(id: number): NotificationDetail;
}

/** NotificationsPage is the answer of `GET /v1/notifications`. */
export interface NotificationsPage {
  notifications: NotificationView[];
  /** The `before` of the next page; null on the last one. */
  nextBefore: number | null;
}

/** DEFAULT_LIMIT is a page's size when the query names none. */
export const DEFAULT_LIMIT = 100;
/** MAX_LIMIT is the largest page a query may ask for. */
export const MAX_LIMIT = 1000;

const id = { type: 'string', pattern: '^[0-9]{1,15}$' } as const;
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: ['pending', 'sent', 'dead'] },
    receiver: { type: 'string', minLength: 1, maxLength: 256 },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
    before: id,
  },
} as const;
const idParams = { type: 'object', required: ['id'], properties: { id } } as const;

interface ListQuery {
  state?: OutboxState;
  receiver?: string;
  limit?: string;
  before?: string;
}

/** registerNotificationRoutes adds the notification routes to the API (its error handler answers 400/404/409). */
export function registerNotificationRoutes(app: FastifyInstance, api: NotificationApi): void {
  app.get<{ Querystring: ListQuery }>('/v1/notifications', { schema: { querystring: listQuery } }, async (request): Promise<NotificationsPage> => {
    const q = request.query;
    const limit = q.limit === undefined ? DEFAULT_LIMIT : Number(q.limit);
    if (limit < 1 || limit > MAX_LIMIT) throw new ValidationError([{ path: 'querystring:/limit', message: `must be from 1 to ${MAX_LIMIT}` }]);
    const notifications = api.list({
      ...(q.state === undefined ? {} : { state: q.state }),
      ...(q.receiver === undefined ? {} : { receiver: q.receiver }),
      limit,
      ...(q.before === undefined ? {} : { before: Number(q.before) }),
    });
    const last = notifications.at(-1);
    return { notifications, nextBefore: notifications.length === limit && last !== undefined ? last.id : null };
  });

  app.get<{ Params: { id: string } }>('/v1/notifications/:id', { schema: { params: idParams } }, async (request) => {
    const found = api.get(Number(request.params.id));
    if (!found) throw new NotFoundError(`no notification ${request.params.id}`);
    return found;
  });

  app.post<{ Params: { id: string } }>('/v1/notifications/:id/retry', { schema: { params: idParams } }, async (request) => api.retry(Number(request.params.id)));
}
