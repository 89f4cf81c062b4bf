/**
 * What the read-only commands (`runs`, `status`, `summary`) share: their dependencies, injectable
 * for tests, and one GET against the sidecar's query API.
 */
import { createClient } from './client.ts';
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
