import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { StoreError } from '../errors.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';

/**
 * Opening the store: node:sqlite in WAL mode, the schema migrated to SCHEMA_VERSION. Every reason
 * a store cannot be opened (not a database, a newer schema, a damaged file, a directory we cannot
 * write, a full disk) is one StoreError line, raised before anything on disk is changed.
 */

/** Sync is the durability setting: `full` fsyncs every commit; `normal` (WAL) survives a process crash, not a power cut. */
export type Sync = 'full' | 'normal';

/** STORE_FILE is the database's file name inside the data directory. */
export const STORE_FILE = 'runwarden.db';

const SQLITE_HEADER = 'SQLite format 3\u0000';

function sqliteReason(err: unknown): string {
  const e = err as { message?: string; errstr?: string; code?: string };
  return e.errstr ?? e.message ?? String(err);
}

/** isDiskFull tells whether a SQLite error means no space was left (SQLITE_FULL). */
export function isDiskFull(err: unknown): boolean {
  const e = err as { errcode?: number; message?: string };
  return (e.errcode !== undefined && (e.errcode & 0xff) === 13) || /database or disk is full/i.test(e.message ?? '');
}

function checkHeader(file: string): void {
  if (!existsSync(file) || statSync(file).size === 0) return;
  const buf = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (buf.toString('latin1') !== SQLITE_HEADER) {
    throw new StoreError(`${file} is not a SQLite database (move it away or point RUNWARDEN_DATA_DIR elsewhere)`);
  }
}

/**
 * openDatabase opens (creating if needed) the store in `dataDir`. Throws StoreError with one
 * clear line; a file that is refused is left exactly as it was.
 */
export function openDatabase(dataDir: string, sync: Sync = 'normal'): DatabaseSync {
  if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
    throw new StoreError(`data directory ${dataDir} is not a directory`);
  }
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create data directory ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  const file = join(dataDir, STORE_FILE);
  checkHeader(file);
  const fresh = !existsSync(file) || statSync(file).size === 0;
  // Every check runs on a read-only connection: closing a read-write one would checkpoint a WAL
  // left by a newer Runwarden into the file we are refusing.
  if (!fresh) checkReadOnly(file);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file);
  } catch (err) {
    throw classify(err, file, dataDir);
  }
  try {
    if (fresh) db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}; PRAGMA busy_timeout = 5000; PRAGMA temp_store = MEMORY;`);
    const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    migrate(db, version);
    return db;
  } catch (err) {
    db.close();
    throw classify(err, file, dataDir);
  }
}

/** checkReadOnly refuses a file that is not ours to write: a newer schema, or damage. */
function checkReadOnly(file: string): void {
  let ro: DatabaseSync;
  try {
    // With no WAL beside it, `immutable` reads the file without creating -wal/-shm files; with a
    // WAL left by a crash, a plain read-only connection reads it too and, being read-only, never
    // checkpoints it on close.
    const hasWal = existsSync(`${file}-wal`);
    ro = hasWal ? new DatabaseSync(file, { readOnly: true }) : new DatabaseSync(new URL(`${pathToFileURL(file).href}?immutable=1`), { readOnly: true });
  } catch (err) {
    throw classify(err, file, undefined);
  }
  try {
    const version = (ro.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    if (version > SCHEMA_VERSION) {
      throw new StoreError(`${file} has schema version ${version}, newer than this Runwarden reads (${SCHEMA_VERSION}); run a newer Runwarden or move the file away`);
    }
    const check = ro.prepare('PRAGMA quick_check(1)').get() as { quick_check: string };
    if (check.quick_check !== 'ok') throw new StoreError(`${file} is damaged (${check.quick_check}); move it away to start with an empty store`);
  } catch (err) {
    throw classify(err, file, undefined);
  } finally {
    ro.close();
  }
}

/** writable tells whether a file can be created in `dir`; undefined if so, else the reason. */
function unwritable(dir: string): string | undefined {
  const probe = join(dir, `.runwarden-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
}

/** classify turns what SQLite said into the one line a user needs. */
function classify(err: unknown, file: string, dataDir: string | undefined): StoreError {
  if (err instanceof StoreError) return err;
  if (isDiskFull(err)) return new StoreError(`cannot open ${file}: the disk is full`, { cause: err });
  const reason = sqliteReason(err);
  if (/not a database|malformed|corrupt/i.test(reason)) {
    return new StoreError(`${file} is damaged (${reason}); move it away to start with an empty store`, { cause: err });
  }
  const denied = dataDir === undefined ? undefined : unwritable(dataDir);
  if (denied !== undefined) return new StoreError(`data directory ${dataDir} is not writable (${denied}); Runwarden needs to write its store there`, { cause: err });
  if (/readonly|read-only/i.test(reason)) return new StoreError(`cannot write ${file}: ${reason} (is the data directory read-only?)`, { cause: err });
  return new StoreError(`cannot open ${file}: ${reason}`, { cause: err });
}

function migrate(db: DatabaseSync, from: number): void {
  const pending = MIGRATIONS.filter((m) => m.version > from);
  if (pending.length === 0) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const m of pending) db.exec(m.sql);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
