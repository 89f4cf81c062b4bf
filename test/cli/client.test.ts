/**
 * The sidecar API client against the fake sidecar: paths, bodies, auth, and typed errors.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closedPortUrl, startFakeSidecar } from '../helpers/fake-sidecar.ts';
import type { FakeSidecar } from '../helpers/fake-sidecar.ts';
import { createClient, SidecarHttpError, SidecarUnreachableError } from '../../src/cli/client.ts';
import type { SidecarClient } from '../../src/cli/client.ts';

let sidecar: FakeSidecar;
let client: SidecarClient | undefined;
beforeEach(async () => {
  sidecar = await startFakeSidecar();
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await sidecar.close();
});

describe('createClient', () => {
  const finished = { result: 'timeout', error: { type: 't', message: 'm' } } as const;
  it.each<{ name: string; call: (c: SidecarClient) => Promise<unknown>; method: string; path: string; body: unknown }>([
    { name: 'startRun', call: (c) => c.startRun({ workflow: 'w', runId: 'a b' }),
      method: 'POST', path: '/v1/runs', body: { workflow: 'w', runId: 'a b' } },
    { name: 'heartbeat', call: (c) => c.heartbeat('a b', { message: 'hi' }),
      method: 'POST', path: '/v1/runs/a%20b/heartbeat', body: { message: 'hi' } },
    { name: 'startPhase', call: (c) => c.startPhase('a b', 'x/y'),
      method: 'POST', path: '/v1/runs/a%20b/phases/x%2Fy/start', body: {} },
    { name: 'finishPhase', call: (c) => c.finishPhase('a b', 'x/y', { result: 'skip' }),
      method: 'POST', path: '/v1/runs/a%20b/phases/x%2Fy/finish', body: { result: 'skip' } },
    { name: 'finishRun', call: (c) => c.finishRun('a b', finished),
      method: 'POST', path: '/v1/runs/a%20b/finish', body: finished },
    { name: 'getRun', call: (c) => c.getRun('a b'), method: 'GET', path: '/v1/runs/a%20b', body: undefined },
  ])('$name sends $method $path', async ({ call, method, path, body }) => {
    sidecar.addRun('a b');
    client = createClient({ url: sidecar.url, env: {} });
    await call(client);
    expect(sidecar.requests).toHaveLength(1);
    expect(sidecar.requests[0]).toMatchObject({ method, path, body });
    expect(sidecar.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('reads the URL and token from the environment and returns the parsed answer', async () => {
    client = createClient({ env: { RUNWARDEN_URL: sidecar.url, RUNWARDEN_TOKEN: 'tok' } });
    const started = await client.startRun({ workflow: 'w', runId: 'r' });
    expect(started).toEqual({ runId: 'r', ...pick(sidecar.runs.get('r')!) });
    expect(sidecar.requests[0]!.headers.authorization).toBe('Bearer tok');
    expect(sidecar.requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('keeps a base path prefix', async () => {
    client = createClient({ url: `${sidecar.url}/runwarden/`, env: {} });
    await client.request('POST', '/v1/runs', { workflow: 'w' }).catch(() => {});
    expect(sidecar.requests[0]!.path).toBe('/runwarden/v1/runs');
  });

  it('throws SidecarHttpError with the status and the server body', async () => {
    client = createClient({ url: sidecar.url, env: {} });
    const err = await client.heartbeat('missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SidecarHttpError);
    expect(err).toMatchObject({
      code: 'RUNWARDEN_ERR_SIDECAR_HTTP',
      status: 404,
      error: 'run_not_found',
      details: { runId: 'missing' },
    });
  });

  it('throws SidecarUnreachableError when nothing listens', async () => {
    const url = await closedPortUrl();
    client = createClient({ url, env: {} });
    const err = await client.getRun('r').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SidecarUnreachableError);
    expect(err).toMatchObject({ code: 'RUNWARDEN_ERR_SIDECAR_UNREACHABLE', reason: 'connection refused' });
    expect((err as Error).message).toBe(`sidecar at ${url} unreachable (connection refused)`);
  });
});

function pick(run: { traceId: string; spanId: string; traceparent: string }) {
  return { traceId: run.traceId, spanId: run.spanId, traceparent: run.traceparent };
}
