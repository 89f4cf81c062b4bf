/**
 * `/v1/silences`: Alertmanager's API v2 silences under Runwarden's prefix. `POST` creates a
 * silence, or updates one when the body has its `id`, answering `{silenceID}` (a new id when the
 * update could not be made in place); `GET` lists them (optionally `?filter=name="v"`, repeated),
 * `GET /v1/silences/{id}` reads one and `DELETE /v1/silences/{id}` expires it. Silences come back
 * in the `gettableSilence` shape: times as RFC 3339, `status.state`, `updatedAt`. A missing
 * `startsAt` means now; expiring an expired silence changes nothing (both as Alertmanager).
 * Bad input is a 400 `{error, details: [{path, message}]}`, as everywhere in the API.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseMatcher } from '../config/alerting/matchers.ts';
import { isRunwardenError, NotFoundError, ValidationError } from '../errors.ts';
import type { FieldProblem } from '../errors.ts';
import { isValidLabelName } from '../rules/label-set.ts';
import { MAX_DATE_MS } from './silences.ts';
import type { SilenceInput, SilenceMatcher, Silences, SilenceWithState } from './silences.ts';
import type { LabelMatcher } from './types.ts';

/** GettableSilence is a silence as the API answers it. */
export interface GettableSilence {
  id: string;
  status: { state: string };
  updatedAt: string;
  matchers: SilenceMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** toGettable writes a silence in the API v2 shape. */
export function toGettable(s: SilenceWithState): GettableSilence {
  return {
    id: s.id,
    status: { state: s.state },
    updatedAt: new Date(s.updatedAt).toISOString(),
    matchers: s.matchers.map((m) => ({ ...m })),
    startsAt: new Date(s.startsAt).toISOString(),
    endsAt: new Date(s.endsAt).toISOString(),
    createdBy: s.createdBy,
    comment: s.comment,
  };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseTime(v: unknown, path: string, problems: FieldProblem[]): number {
  // Beyond MAX_DATE_MS a stored silence could never be written back as RFC 3339: every listing would fail.
  if (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_DATE_MS) return v;
  if (typeof v === 'string' && RFC3339.test(v)) {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return ms;
  }
  problems.push({ path, message: 'must be an RFC 3339 time (2026-01-02T03:04:05Z) or epoch milliseconds' });
  return 0;
}

function requireString(v: unknown, path: string, problems: FieldProblem[], nonEmpty: boolean): string {
  if (typeof v !== 'string' || (nonEmpty && v.trim() === '')) {
    problems.push({ path, message: nonEmpty ? 'must be a non-empty string' : 'must be a string' });
    return '';
  }
  return v;
}

/** parsePostableSilence checks a `POST /v1/silences` body; throws ValidationError naming every bad field. */
export function parsePostableSilence(body: unknown): SilenceInput {
  const problems: FieldProblem[] = [];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError([{ path: '', message: 'must be a JSON object' }]);
  const b = body as Record<string, unknown>;
  const matchers: SilenceMatcher[] = [];
  if (!Array.isArray(b['matchers'])) problems.push({ path: '/matchers', message: 'must be a list of {name, value, isRegex, isEqual}' });
  else
    b['matchers'].forEach((m: unknown, i) => {
      const at = `/matchers/${i}`;
      if (m === null || typeof m !== 'object' || Array.isArray(m)) return problems.push({ path: at, message: 'must be an object {name, value, isRegex, isEqual}' });
      const o = m as Record<string, unknown>;
      const name = requireString(o['name'], `${at}/name`, problems, true);
      if (name !== '' && !isValidLabelName(name)) problems.push({ path: `${at}/name`, message: `${JSON.stringify(name)} is not a valid label name` });
      const value = requireString(o['value'], `${at}/value`, problems, false);
      if (typeof o['isRegex'] !== 'boolean') problems.push({ path: `${at}/isRegex`, message: 'must be true or false' });
      if (o['isEqual'] !== undefined && typeof o['isEqual'] !== 'boolean') problems.push({ path: `${at}/isEqual`, message: 'must be true or false' });
      matchers.push({ name, value, isRegex: o['isRegex'] === true, isEqual: o['isEqual'] !== false });
      return undefined;
    });
  const startsAt = b['startsAt'] === undefined ? undefined : parseTime(b['startsAt'], '/startsAt', problems);
  const endsAt = parseTime(b['endsAt'], '/endsAt', problems);
  const createdBy = requireString(b['createdBy'], '/createdBy', problems, true);
  const comment = requireString(b['comment'], '/comment', problems, true);
  let id: string | undefined;
  if (b['id'] !== undefined && b['id'] !== '') id = requireString(b['id'], '/id', problems, true);
  if (problems.length > 0) throw new ValidationError(problems);
  return { ...(id !== undefined ? { id } : {}), ...(startsAt !== undefined ? { startsAt } : {}), matchers, endsAt, createdBy, comment };
}

/** parseFilter reads the `filter` query parameter (one matcher per value); throws ValidationError. */
export function parseFilter(filter: unknown): LabelMatcher[] {
  const values = filter === undefined ? [] : Array.isArray(filter) ? filter : [filter];
  return values.map((text, i) => {
    try {
      return parseMatcher(String(text));
    } catch (err) {
      throw new ValidationError([{ path: `filter:${i}`, message: (err as Error).message }]);
    }
  });
}

function answerError(reply: FastifyReply, err: unknown): FastifyReply {
  if (!isRunwardenError(err)) throw err;
  const status = (err as { statusCode?: number }).statusCode ?? 500;
  const body: { error: string; details?: FieldProblem[] } = { error: err.message };
  if (err instanceof ValidationError) body.details = err.details;
  return reply.code(status).send(body);
}

/** registerSilenceRoutes adds the silence API to `app`. */
export function registerSilenceRoutes(app: FastifyInstance, silences: Silences): void {
  app.post('/v1/silences', async (request, reply) => {
    try {
      return { silenceID: silences.set(parsePostableSilence(request.body)) };
    } catch (err) {
      return answerError(reply, err);
    }
  });
  app.get('/v1/silences', async (request, reply) => {
    try {
      return silences.list(parseFilter((request.query as Record<string, unknown>)['filter'])).map(toGettable);
    } catch (err) {
      return answerError(reply, err);
    }
  });
  app.get<{ Params: { id: string } }>('/v1/silences/:id', async (request, reply) => {
    const s = silences.get(request.params.id);
    if (s === undefined) return answerError(reply, new NotFoundError(`silence ${request.params.id} not found`));
    return toGettable(s);
  });
  app.delete<{ Params: { id: string } }>('/v1/silences/:id', async (request, reply) => {
    try {
      silences.expire(request.params.id);
      return toGettable(silences.get(request.params.id)!);
    } catch (err) {
      return answerError(reply, err);
    }
  });
}
