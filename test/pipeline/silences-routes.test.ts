/**
 * `/v1/silences` in Alertmanager's API v2 shape, in-process with `inject`: create, update in place
 * or by replacement, list with filters, read one, expire; and 400s naming the bad field.
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerSilenceRoutes } from '../../src/pipeline/silences-routes.ts';
import { Silences } from '../../src/pipeline/silences.ts';
import { createFakeTime, createTempDb, HOUR, MINUTE, T0 } from './pipeline-fakes.ts';
import type { FakeTime, TempDb } from './pipeline-fakes.ts';

let app: FastifyInstance | undefined;
let tmp: TempDb | undefined;
afterEach(async () => {
  await app?.close();
  tmp?.close();
  app = undefined;
  tmp = undefined;
});

function setup(): { app: FastifyInstance; time: FakeTime } {
  tmp = createTempDb();
  const time = createFakeTime();
  let n = 0;
  app = Fastify();
  registerSilenceRoutes(app, new Silences({ db: tmp.db, clock: time.now, newId: () => `id-${++n}` }));
  return { app, time };
}

const iso = (ms: number) => new Date(ms).toISOString();
const body = (over: Record<string, unknown> = {}) => ({
  matchers: [{ name: 'alertname', value: 'RunFailed', isRegex: false, isEqual: true }],
  startsAt: iso(T0),
  endsAt: iso(T0 + HOUR),
  createdBy: 'ana',
  comment: 'deploy window',
  ...over,
});

describe('/v1/silences', () => {
  it('creates, reads, lists and expires a silence in the v2 shape', async () => {
    const { app, time } = setup();
    const created = await app.inject({ method: 'POST', url: '/v1/silences', payload: body() });
    expect([created.statusCode, created.json()]).toEqual([200, { silenceID: 'id-1' }]);
    const one = await app.inject({ method: 'GET', url: '/v1/silences/id-1' });
    expect(one.json()).toEqual({
      id: 'id-1',
      status: { state: 'active' },
      updatedAt: iso(T0),
      matchers: [{ name: 'alertname', value: 'RunFailed', isRegex: false, isEqual: true }],
      startsAt: iso(T0),
      endsAt: iso(T0 + HOUR),
      createdBy: 'ana',
      comment: 'deploy window',
    });
    time.advance(MINUTE);
    const expired = await app.inject({ method: 'DELETE', url: '/v1/silences/id-1' });
    expect([expired.statusCode, expired.json().status, expired.json().endsAt]).toEqual([200, { state: 'expired' }, iso(T0 + MINUTE)]);
    const list = await app.inject({ method: 'GET', url: '/v1/silences' });
    expect(list.json().map((s: { id: string }) => s.id)).toEqual(['id-1']);
    const again = await app.inject({ method: 'DELETE', url: '/v1/silences/id-1' });
    expect([again.statusCode, again.json().endsAt]).toEqual([200, iso(T0 + MINUTE)]);
  });

  it('updates in place when the id is given and the matchers stay; replaces otherwise', async () => {
    const { app } = setup();
    await app.inject({ method: 'POST', url: '/v1/silences', payload: body() });
    const same = await app.inject({ method: 'POST', url: '/v1/silences', payload: body({ id: 'id-1', endsAt: iso(T0 + 2 * HOUR) }) });
    expect(same.json()).toEqual({ silenceID: 'id-1' });
    const replaced = await app.inject({ method: 'POST', url: '/v1/silences', payload: body({ id: 'id-1', matchers: [{ name: 'alertname', value: 'RunSlow', isRegex: false }] }) });
    expect(replaced.json()).toEqual({ silenceID: 'id-2' });
    const states = (await app.inject({ method: 'GET', url: '/v1/silences' })).json().map((s: { id: string; status: { state: string } }) => [s.id, s.status.state]);
    expect(states).toEqual([['id-2', 'active'], ['id-1', 'expired']]);
  });

  it('filters the list with matchers', async () => {
    const { app } = setup();
    await app.inject({ method: 'POST', url: '/v1/silences', payload: body({ matchers: [{ name: 'alertname', value: 'A', isRegex: false }, { name: 'team', value: 'data', isRegex: false }] }) });
    await app.inject({ method: 'POST', url: '/v1/silences', payload: body({ matchers: [{ name: 'alertname', value: 'B', isRegex: false }] }) });
    const ids = async (q: string) => (await app.inject({ method: 'GET', url: `/v1/silences?${q}` })).json().map((s: { id: string }) => s.id);
    expect(await ids(`filter=${encodeURIComponent('team="data"')}`)).toEqual(['id-1']);
    expect(await ids(`filter=${encodeURIComponent('alertname=~"A|B"')}&filter=${encodeURIComponent('team!="data"')}`)).toEqual(['id-2']);
    const bad = await app.inject({ method: 'GET', url: `/v1/silences?filter=${encodeURIComponent('team')}` });
    expect([bad.statusCode, bad.json().details[0].path]).toEqual([400, 'filter:0']);
  });

  it.each([
    ['no matchers', { matchers: [] }, '/matchers'],
    ['a matcher without a name', { matchers: [{ value: 'x', isRegex: false }] }, '/matchers/0/name'],
    ['a bad label name', { matchers: [{ name: 'a-b', value: 'x', isRegex: false }] }, '/matchers/0/name'],
    ['isRegex missing', { matchers: [{ name: 'a', value: 'x' }] }, '/matchers/0/isRegex'],
    ['a bad regexp', { matchers: [{ name: 'a', value: '(', isRegex: true }] }, '/matchers/0/value'],
    ['a bad time', { endsAt: 'tomorrow' }, '/endsAt'],
    ['an end before the start', { endsAt: iso(T0 - MINUTE) }, '/endsAt'],
    ['an end in ms beyond what a date holds', { endsAt: 1e20 }, '/endsAt'],
    ['a start in ms beyond what a date holds', { startsAt: -1e17 }, '/startsAt'],
    ['no author', { createdBy: '' }, '/createdBy'],
    ['no comment', { comment: undefined }, '/comment'],
  ])('answers 400 for %s, naming %s', async (_name, over, path) => {
    const { app } = setup();
    const res = await app.inject({ method: 'POST', url: '/v1/silences', payload: body(over) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: expect.any(String), details: expect.arrayContaining([expect.objectContaining({ path })]) });
  });

  it('answers 404 for unknown ids', async () => {
    const { app } = setup();
    expect((await app.inject({ method: 'GET', url: '/v1/silences/nope' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: '/v1/silences/nope' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/v1/silences', payload: body({ id: 'nope' }) })).statusCode).toBe(404);
  });
});
