/**
 * What the CLI's sidecar commands share: their dependencies, injectable for tests, one GET against
 * the sidecar's query API, and one call per id for the commands that act on ids.
 */
import { createClient, SidecarUnreachableError } from './client.ts';
import type { SidecarClient } from './client.ts';

/** CommandDeps is what the read-only commands touch outside themselves; tests replace parts. */
export interface CommandDeps {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  createClient(env: NodeJS.ProcessEnv): SidecarClient;
}

/** defaultCommandDeps are the real process environment, stdout and client. */
export const defaultCommandDeps: CommandDeps = {
  env: process.env,
  stdout: process.stdout,
  createClient: (env) => createClient({ env }),
};

/**
 * fetchJson runs one GET with a client made for `deps.env` and closes it. Sidecar errors
 * propagate: the dispatcher prints them as one line and exits 1.
 */
export async function fetchJson(deps: CommandDeps, path: string): Promise<unknown> {
  const client = deps.createClient(deps.env);
  try {
    return await client.request('GET', path);
  } finally {
    await client.close().catch(() => {});
  }
}

/**
 * eachId calls `act` for every id in order with one client, writing what it returns to stdout. An
 * id the sidecar refuses (unknown, in the wrong state) costs one stderr line naming `${what} ${id}`
 * and exit 1, and the rest still go; an unreachable sidecar stops at once (the dispatcher prints it).
 */
export async function eachId(
  deps: CommandDeps & { stderr: { write(text: string): unknown } },
  what: string,
  ids: readonly string[],
  act: (client: SidecarClient, id: string) => Promise<string>,
): Promise<number> {
  const client = deps.createClient(deps.env);
  let failed = 0;
  try {
    for (const id of ids) {
      try {
        deps.stdout.write(await act(client, id));
      } catch (err) {
        if (err instanceof SidecarUnreachableError) throw err;
        failed++;
        deps.stderr.write(`runwarden: ${what} ${id}: ${(err as { error?: string }).error ?? (err as Error).message}\n`);
      }
    }
  } finally {
    await client.close().catch(() => {});
  }
  return failed === 0 ? 0 : 1;
}
