/**
 * Real peers for tests: the Prometheus and Alertmanager binaries, found on the machine rather than
 * faked, for tests where the protocol matters. Locally a missing peer skips its tests with one line
 * saying how to install it; under CI=true a missing peer fails loudly, so CI cannot go green by
 * silently testing less.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** PeerName names a peer binary tests may need. */
export type PeerName = 'promtool' | 'prometheus' | 'alertmanager' | 'amtool' | 'docker-compose';

/** Executable names per peer, in preference order; Debian names Alertmanager `prometheus-alertmanager`. */
const EXECUTABLES: Record<PeerName, readonly string[]> = {
  promtool: ['promtool'],
  prometheus: ['prometheus'],
  alertmanager: ['alertmanager', 'prometheus-alertmanager'],
  amtool: ['amtool'],
  // Debian's docker-compose (1.29) validates compose files (`config -q`) without a Docker engine.
  'docker-compose': ['docker-compose'],
};

const INSTALL_HINT = 'apt-get install -y prometheus prometheus-alertmanager';

/** Install hints of the peers that do not come from the prometheus packages. */
const INSTALL_HINTS: Partial<Record<PeerName, string>> = { 'docker-compose': 'apt-get install -y docker-compose' };

/** defaultPeerDirs is PATH followed by /usr/bin, where Debian installs the peers. */
export function defaultPeerDirs(): string[] {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  return dirs.includes('/usr/bin') ? dirs : [...dirs, '/usr/bin'];
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** findPeer returns the absolute path of the peer's binary, or undefined when it is not installed. */
export function findPeer(name: PeerName, dirs: readonly string[] = defaultPeerDirs()): string | undefined {
  for (const exe of EXECUTABLES[name]) {
    for (const dir of dirs) {
      const path = join(dir, exe);
      if (isExecutableFile(path)) return path;
    }
  }
  return undefined;
}

/** RequirePeerOptions overrides where requirePeer looks and which environment it reads (for tests). */
export interface RequirePeerOptions {
  dirs?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Where the skip line goes; console.log by default. */
  log?: (line: string) => void;
}

/**
 * requirePeer is for the top of a test file: `const promtool = requirePeer('promtool')` then
 * `describe.skipIf(!promtool)(...)`. It returns the peer's path; when the peer is missing it prints
 * one `skipping:` line and returns undefined, except under CI=true, where it throws.
 */
export function requirePeer(name: PeerName, options: RequirePeerOptions = {}): string | undefined {
  const path = findPeer(name, options.dirs);
  if (path) return path;
  const env = options.env ?? process.env;
  if (env.CI === 'true') {
    throw new Error(`${name} is not installed, and CI=true requires it (${INSTALL_HINTS[name] ?? INSTALL_HINT})`);
  }
  (options.log ?? console.log)(`skipping: ${name} not installed (${INSTALL_HINTS[name] ?? INSTALL_HINT})`);
  return undefined;
}

/** PromtoolResult is what `promtool check metrics` said: `output` is its stdout and stderr together. */
export interface PromtoolResult {
  ok: boolean;
  exitCode: number;
  output: string;
}

/**
 * promtoolCheckMetrics pipes a Prometheus text exposition into `promtool check metrics` on stdin.
 * promtool exits 0 for a clean exposition, 3 for lint problems (e.g. a counter without `_total`)
 * and 1 for an exposition that does not parse. Throws when promtool is not installed.
 */
export function promtoolCheckMetrics(text: string, promtool = findPeer('promtool')): Promise<PromtoolResult> {
  if (!promtool) return Promise.reject(new Error(`promtool is not installed (${INSTALL_HINT})`));
  return new Promise((resolve, reject) => {
    const child = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    // promtool may exit before reading everything (a parse error); that EPIPE is not our failure.
    child.stdin.on('error', () => {});
    child.on('close', (code, signal) => {
      if (code === null) reject(new Error(`promtool killed by ${signal}`));
      else resolve({ ok: code === 0, exitCode: code, output });
    });
    child.stdin.end(text);
  });
}
