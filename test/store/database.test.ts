/**
 * Opening the store, good and bad: each way a store cannot be opened (not a database, damaged,
 * written by a newer Runwarden, a data directory that cannot be made or written) must fail with
 * its own one-line message and leave every file exactly as it was, in-process and through
 * `runwarden serve` (exit 2, one line on stderr).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.ts';
import { openDatabase, STORE_FILE } from '../../src/store/database.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { SCHEMA_VERSION } from '../../src/store/migrations.ts';
import { BIN, NODE, ROOT } from '../helpers/sidecar-process.ts';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'runwarden-db-'));
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

/**
 * Snapshot is every file of a directory: size, mtime and a hash of its bytes. A `-shm` file is
 * only SQLite's shared-memory index (readers write their marks in it), so only its presence counts.
 */
type Snapshot = Record<string, { size: number; mtimeMs: number; sha256: string } | 'present'>;

function snapshot(dir: string): Snapshot {
  const out: Snapshot = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    if (name.endsWith('-shm')) out[name] = 'present';
    else out[name] = { size: st.size, mtimeMs: st.mtimeMs, sha256: st.isFile() ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'dir' };
  }
  return out;
}

/** writeStore makes a real store in `dir` with a few runs of events, closed cleanly. */
async function writeStore(dir: string, events = 300): Promise<void> {
  const store = new EventStore(openDatabase(dir));
  for (let i = 0; i < events; i++) {
    const runId = `run-${i % 20}`;
    if (i < 20) {
      store.runStarted(runId, 'etl', T0, store.lastSeq + 1);
      store.append({ type: 'run.start', runId, workflow: 'etl', timeMs: T0 });
    } else {
      store.append({ type: 'heartbeat', runId, timeMs: T0 + i, explicitTime: true, message: `rows ${i} `.repeat(40) });
    }
  }
  await store.committed();
  store.close();
}

/** refusal opens `dir` expecting a StoreError, and returns its message. */
function refusal(dir: string): string {
  let thrown: unknown;
  try {
    openDatabase(dir).close();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `opening ${dir} should have been refused`).toBeInstanceOf(StoreError);
  const err = thrown as StoreError;
  expect(err.code).toBe('RUNWARDEN_ERR_STORE');
  expect(err.message).not.toContain('\n');
  return err.message;
}

/** waitATick lets the clock move, so an mtime changed by a write would differ. */
const waitATick = () => new Promise((r) => setTimeout(r, 20));

/** readOnlyDir is a directory even root cannot create files in (sysfs refuses new files to everyone), if this machine has one. */
function readOnlyDir(): string | undefined {
  const dir = '/sys/kernel';
  if (!existsSync(dir)) return undefined;
  try {
    writeFileSync(join(dir, 'runwarden-probe'), '');
    unlinkSync(join(dir, 'runwarden-probe'));
    return undefined;
  } catch {
    return dir;
  }
}
const RO_DIR = readOnlyDir();
if (!RO_DIR) console.log('skipping the read-only directory case: /sys/kernel is absent or writable here');

interface BadStore {
  name: string;
  /** make prepares the bad state under `base` and returns the data dir to open and the dir to watch. */
  make: (base: string) => Promise<{ dataDir: string; watch: string }>;
  message: RegExp;
}

const BAD_STORES: BadStore[] = [
  {
    name: 'a file that is not a SQLite database',
    make: async (b) => {
      const dataDir = join(b, 'data');
      await writeStore(dataDir, 1);
      writeFileSync(join(dataDir, STORE_FILE), 'PK\u0003\u0004 this is a zip, or anything but SQLite\n'.repeat(200));
      return { dataDir, watch: dataDir };
    },
    message: /runwarden\.db is not a SQLite database/,
  },
  {
    name: 'a database truncated to half its size',
    make: async (b) => {
      const dataDir = join(b, 'data');
      await writeStore(dataDir);
      const file = join(dataDir, STORE_FILE);
      truncateSync(file, Math.floor(statSync(file).size / 2));
      return { dataDir, watch: dataDir };
    },
    message: /runwarden\.db is damaged \(.+\); move it away/,
  },
  {
    name: 'a database written by a newer Runwarden',
    make: async (b) => {
      const dataDir = join(b, 'data');
      await writeStore(dataDir, 30);
      const db = new DatabaseSync(join(dataDir, STORE_FILE));
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
      return { dataDir, watch: dataDir };
    },
    message: new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this Runwarden reads \\(${SCHEMA_VERSION}\\)`),
  },
  {
    // A newer Runwarden killed (kill -9, OOM) leaves its last commits in runwarden.db-wal; an
    // older one started on the directory (a rolled-back deploy) must not fold them into the file.
    name: 'a newer Runwarden\'s database with the write-ahead log its kill left behind',
    make: async (b) => {
      const live = join(b, 'live');
      const dataDir = join(b, 'data');
      await writeStore(live, 30);
      const writer = new DatabaseSync(join(live, STORE_FILE));
      writer.exec(`PRAGMA wal_autocheckpoint = 0; PRAGMA user_version = ${SCHEMA_VERSION + 1}; CREATE TABLE from_the_future (x); INSERT INTO from_the_future VALUES (1);`);
      // The files as they are at the moment of the kill: the commit is in the WAL only.
      mkdirSync(dataDir);
      for (const name of readdirSync(live)) copyFileSync(join(live, name), join(dataDir, name));
      writer.close();
      expect(readdirSync(dataDir).sort()).toEqual([STORE_FILE, `${STORE_FILE}-shm`, `${STORE_FILE}-wal`]);
      return { dataDir, watch: dataDir };
    },
    message: new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this Runwarden reads \\(${SCHEMA_VERSION}\\)`),
  },
  {
    name: 'a data directory path that is a regular file',
    make: async (b) => {
      writeFileSync(join(b, 'data'), 'not a directory');
      return { dataDir: join(b, 'data'), watch: b };
    },
    message: /data directory .*\/data is not a directory/,
  },
  {
    name: 'a data directory under a regular file',
    make: async (b) => {
      writeFileSync(join(b, 'file'), 'not a directory');
      return { dataDir: join(b, 'file', 'data'), watch: b };
    },
    message: /cannot create data directory .*\/file\/data: .*not a directory/i,
  },
];

describe('a store that opens', () => {
  it('is created with its directories at the current schema, in WAL mode', () => {
    const dataDir = join(base, 'a', 'b');
    const db = openDatabase(dataDir);
    expect((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(SCHEMA_VERSION);
    expect((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
    db.close();
    expect(existsSync(join(dataDir, STORE_FILE))).toBe(true);
  });

  it('reopens with every event it had', async () => {
    const dataDir = join(base, 'data');
    await writeStore(dataDir);
    const store = new EventStore(openDatabase(dataDir));
    expect(store.lastSeq).toBe(300);
    expect(store.eventsOf('run-7')).toHaveLength(15);
    store.close();
  });
});

describe.each(BAD_STORES)('$name', ({ make, message }) => {
  it('is refused with its own one-line message, and nothing on disk changes', async () => {
    const { dataDir, watch } = await make(base);
    const before = snapshot(watch);
    await waitATick();
    expect(refusal(dataDir)).toMatch(message);
    expect(snapshot(watch)).toEqual(before);
    // No -wal or -shm made next to a refused file.
    if (existsSync(dataDir) && statSync(dataDir).isDirectory()) expect(readdirSync(dataDir).sort()).toEqual(Object.keys(before).sort());
    // And the refusal is stable: a second start says the same.
    expect(refusal(dataDir)).toMatch(message);
  });
});

describe('a data directory that cannot be written', () => {
  it.skipIf(!RO_DIR)('is refused with a message saying it cannot be written, and nothing is created', () => {
    const dir = RO_DIR as string;
    const message = refusal(dir);
    expect(message).toContain(dir);
    // Which problem it is, in words a user acts on, not SQLite's "unable to open database file".
    expect(message).toMatch(/cannot write|read-only|not writable|permission/i);
    expect(existsSync(join(dir, STORE_FILE))).toBe(false);
  });
});

describe('runwarden serve on a bad store', () => {
  const serveOn = (dataDir: string) =>
    spawnSync(NODE, [BIN, 'serve', '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--data-dir', dataDir], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', OTEL_TRACES_EXPORTER: 'none' },
      encoding: 'utf8',
      timeout: 15_000,
    });

  it.each(BAD_STORES)('$name: exits 2 with one line, before listening', async ({ make, message }) => {
    const { dataDir, watch } = await make(base);
    const before = snapshot(watch);
    await waitATick();
    const run = serveOn(dataDir);
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(2);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^runwarden: cannot start: /);
    expect(lines[0]).toMatch(message);
    expect(run.stdout).not.toContain('runwarden listening');
    expect(snapshot(watch)).toEqual(before);
  });
});
