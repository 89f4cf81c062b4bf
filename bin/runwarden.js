#!/usr/bin/env node
// Entry point of the `runwarden` command. Runwarden is TypeScript run directly by Node's type
// stripping (Node >= 22.18 / 23.6, on by default). On an older Node (a machine whose system Node
// is 20, say), re-run this same command under the Node 24 that the `node` devDependency installs,
// so `npx runwarden` and `npm start` work wherever they are started.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

if (process.features.typescript) {
  await import('../src/cli/main.ts');
} else {
  const candidates = [
    new URL('../node_modules/node/bin/node', import.meta.url),
    new URL('../node_modules/.bin/node', import.meta.url),
  ].map((u) => fileURLToPath(u));
  const node = candidates.find((p) => existsSync(p));
  if (!node || process.env.RUNWARDEN_REEXEC === '1') {
    process.stderr.write(
      `runwarden: needs Node >= 22.18 with type stripping (this is ${process.version}); run \`npm ci\` to install the pinned Node 24\n`,
    );
    process.exit(2);
  }
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, RUNWARDEN_REEXEC: '1' },
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => child.kill(sig));
  }
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
