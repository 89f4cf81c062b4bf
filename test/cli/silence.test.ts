/**
 * `runwarden silence add|list|expire` against a real `/v1/silences` (fastify on 127.0.0.1:0 with a
 * store in a temporary directory): amtool's matcher syntax, durations, the table, the errors.
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSilencesTable, runSilence, silenceBody, silencesPath, toSilenceMatchers } from '../../src/cli/silence.ts';
import { painter } from '../../src/cli/format.ts';
import { registerSilenceRoutes } from '../../src/pipeline/silences-routes.ts';
import { Silences } from '../../src/pipeline/silences.ts';
import { createFakeTime, createTempDb, HOUR, MINUTE, T0 } from '../pipeline/pipeline-fakes.ts';
import type { TempDb } from '../pipeline/pipeline-fakes.ts';

const plain = painter(false);

describe('silence add parsing', () => {
  it.each([
    [['RunFailed'], [{ name: 'alertname', value: 'RunFailed', isRegex: false, isEqual: true }]],
    [['alertname=RunFailed', 'severity=~"warn.*"'], [{ name: 'alertname', value: 'RunFailed', isRegex: false, isEqual: true }, { name: 'severity', value: 'warn.*', isRegex: true, isEqual: true }]],
    [['run_id!="r 1"', 'team!~data|web'], [{ name: 'run_id', value: 'r 1', isRegex: false, isEqual: false }, { name: 'team', value: 'data|web', isRegex: true, isEqual: false }]],
  ])('%j', (words, matchers) => {
    expect(toSilenceMatchers(words, true)).toEqual(matchers);
  });

  it('builds the body: start now, one hour by default, or the given duration or end', () => {
    expect(silenceBody(['RunFailed'], { comment: 'deploy' }, T0, 'ana')).toEqual({
      matchers: [{ name: 'alertname', value: 'RunFailed', isRegex: false, isEqual: true }],
      startsAt: new Date(T0).toISOString(),
      endsAt: new Date(T0 + HOUR).toISOString(),
      createdBy: 'ana',
      comment: 'deploy',
    });
    expect(silenceBody(['A'], { comment: 'x', duration: '2h30m', author: 'bo' }, T0, 'ana')).toMatchObject({ endsAt: new Date(T0 + 150 * MINUTE).toISOString(), createdBy: 'bo' });
    expect(silenceBody(['A'], { comment: 'x', end: '2026-01-05T18:00:00Z' }, T0, 'ana')).toMatchObject({ endsAt: '2026-01-05T18:00:00.000Z' });
  });

  it.each([
    [[], { comment: 'x' }, 'matcher'],
    [['A'], {}, '--comment'],
    [['A'], { comment: 'x', duration: 'soon' }, '--duration'],
    [['A'], { comment: 'x', duration: '1h', end: '2026-01-05T18:00:00Z' }, '--end'],
    [['A'], { comment: 'x', end: 'tomorrow' }, '--end'],
    [['A', 'sev'], { comment: 'x' }, 'bad matcher'],
  ])('%j %j is a usage error about %s', (words, flags, what) => {
    expect(() => silenceBody(words, flags, T0, 'ana')).toThrow(expect.objectContaining({ code: 'RUNWARDEN_ERR_USAGE', message: expect.stringContaining(what) }));
  });

  it('list matchers become filters', () => {
    expect(silencesPath([])).toBe('/v1/silences');
    expect(silencesPath(['team=data', 'alertname=~"A|B"'])).toBe('/v1/silences?filter=team%3D%22data%22&filter=alertname%3D%7E%22A%7CB%22');
  });

  it('formats the table', () => {
    const s = { id: 'id-1', status: { state: 'active' }, updatedAt: '2026-01-05T12:00:00.000Z', matchers: toSilenceMatchers(['alertname=A', 'severity=~"warn.*"'], false), startsAt: '2026-01-05T12:00:00.000Z', endsAt: '2026-01-05T14:00:00.000Z', createdBy: 'ana', comment: 'deploy' };
    expect(formatSilencesTable([s], plain)).toBe(
      [
        'ID    MATCHERS                           STATE   STARTS                ENDS                  CREATED BY  COMMENT',
        'id-1  alertname="A", severity=~"warn.*"  active  2026-01-05 12:00:00Z  2026-01-05 14:00:00Z  ana         deploy',
        '',
      ].join('\n'),
    );
    expect(formatSilencesTable([], plain)).toBe('no silences\n');
  });
});

describe('runwarden silence', () => {
  let app: FastifyInstance | undefined;
  let tmp: TempDb | undefined;
  afterEach(async () => {
    await app?.close();
    tmp?.close();
    app = undefined;
    tmp = undefined;
  });

  async function start(): Promise<{ run: (argv: string[]) => Promise<{ code: number; out: string; err: string }> }> {
    tmp = createTempDb();
    const time = createFakeTime();
    let n = 0;
    app = Fastify();
    registerSilenceRoutes(app, new Silences({ db: tmp.db, clock: time.now, newId: () => `id-${++n}` }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return {
      run: async (argv) => {
        let out = '';
        let err = '';
        const code = await runSilence(argv, { env: { RUNWARDEN_URL: url, USER: 'ana' }, stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, now: time.now });
        return { code, out, err };
      },
    };
  }

  it('adds, lists, expires, and lists the expired ones', async () => {
    const { run } = await start();
    expect(await run(['add', 'alertname=RunFailed', 'severity=~"warn.*"', '--duration', '2h', '--comment', 'deploy'])).toEqual({ code: 0, out: 'id-1\n', err: '' });
    const listed = await run(['list']);
    expect(listed.out).toMatch(/^ID\s+MATCHERS\s+STATE.*\nid-1\s+alertname="RunFailed", severity=~"warn\.\*"\s+active\s+2026-01-05 12:00:00Z\s+2026-01-05 14:00:00Z\s+ana\s+deploy\n$/);
    expect((await run(['list', 'severity=warning'])).out).toBe('no silences\n');
    expect(await run(['expire', 'id-1', 'nope'])).toEqual({ code: 1, out: 'silence id-1 expired\n', err: expect.stringContaining('silence nope: silence nope not found') });
    expect((await run(['list'])).out).toBe('no silences\n');
    expect((await run(['list', '--expired'])).out).toContain('id-1');
    const json = JSON.parse((await run(['list', '--json'])).out);
    expect(json).toEqual([expect.objectContaining({ id: 'id-1', status: { state: 'expired' } })]);
  });

  it.each([
    [[], 'missing subcommand'],
    [['mute'], 'unknown subcommand'],
    [['expire'], 'silence id'],
    [['list', '--comment', 'x'], '--comment is for add'],
    [['add', 'A', '--comment', 'x', '--expired'], '--expired is for list'],
  ])('%j is a usage error (%s)', async (argv, what) => {
    await expect(runSilence(argv, { env: { RUNWARDEN_URL: 'http://127.0.0.1:9' } })).rejects.toMatchObject({ code: 'RUNWARDEN_ERR_USAGE', message: expect.stringContaining(what) });
  });
});
