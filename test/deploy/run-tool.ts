/**
 * Helpers shared by the deployment bundle's tests: where the repository is, and running a peer
 * tool (promtool, amtool, docker-compose) with its whole output kept for the assertion message.
 */
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers/sidecar-process.ts';

/** ROOT is the repository's root directory (test/helpers' ROOT, for the deploy tests that import it from here). */
export { ROOT };

/** ToolRun is what a tool said: its exit status and, for assertion messages, everything it printed. */
export interface ToolRun {
  status: number | null;
  output: string;
}

/** runTool runs `command args` in `cwd` (the repository by default) and never throws for a non-zero exit. */
export function runTool(command: string, args: readonly string[], cwd = ROOT): ToolRun {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  if (r.error) throw r.error;
  return { status: r.status, output: `${command} ${args.join(' ')}: exit ${r.status ?? r.signal}\n${r.stdout}${r.stderr}` };
}
