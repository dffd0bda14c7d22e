import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One GridProof per data folder. Two processes opening the same embedded PGlite store corrupt
 * it for good (issue 13: every later start failed with `RuntimeError: Aborted()`), so the
 * folder is locked before anything in it is opened: PGlite, the spool, influxd.
 *
 * The lock is a file created atomically (link(2), which fails if it exists) holding the owner's pid and its start time in clock
 * ticks (/proc/<pid>/stat field 22). A lock whose process is gone, or whose pid now belongs to
 * another process (same pid, other start time), is stale and taken over, so a SIGKILLed
 * GridProof restarts at once. (proper-lockfile was considered: its locks go stale by mtime, so
 * a restart after SIGKILL would wait out the stale period, and it records no pid to name.)
 */
export const LOCK_FILE = 'gridproof.lock';

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the data folder ${dataDir} is in use by another GridProof (pid ${pid}); stop it first, or give this one its own folder with GP_DATA_DIR. ` +
        `Nothing in the folder was opened.`,
    );
  }
}

interface LockOwner {
  pid: number;
  /** /proc start time in clock ticks; null where /proc is missing. */
  startTicks: number | null;
}

/** The start time of a process in clock ticks since boot, or null (no such process, no /proc). */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]); // field 22 overall
  } catch {
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  // Our own pid: this very process only if the start time matches too; otherwise a previous
  // process that had this pid (a container's pid 1 after a restart), which kill(pid, 0)
  // would call alive.
  if (owner.pid === process.pid) return owner.startTicks !== null && owner.startTicks === processStartTicks(process.pid);
  if (owner.startTicks !== null) {
    const ticks = processStartTicks(owner.pid);
    if (ticks !== null) return ticks === owner.startTicks;
  }
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' ? { pid: owner.pid, startTicks: owner.startTicks ?? null } : null;
  } catch {
    return null;
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

function ownLock(path: string, me: LockOwner): DataDirLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      // Only our own lock: never remove one a later owner took over.
      if (readOwner(path)?.pid === me.pid) unlinkSync(path);
    },
  };
}

/** Takes the lock on `dataDir` or throws DataDirLockedError naming the pid that holds it. */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, startTicks: processStartTicks(process.pid) };
  // Written whole to a file of our own, then linked to the lock's name: link fails with EEXIST
  // when the lock exists, and a lock is never seen half-written.
  const mine = `${path}.${process.pid}`;
  writeFileSync(mine, JSON.stringify(me), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(mine, path);
        return ownLock(path, me);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = readOwner(path);
      if (owner && isAlive(owner)) throw new DataDirLockedError(dataDir, owner.pid);
      removeStale(path, dataDir);
    }
  } finally {
    unlinkSync(mine);
  }
  throw new Error(`could not take the lock ${path} (it keeps changing hands)`);
}

/**
 * Moves a stale lock aside before deleting it: rename is atomic, so of two processes taking
 * over the same stale lock only one moves it. If what was moved turns out to be a live lock
 * (another process took the stale one over between our read and our rename), it is put back.
 */
function removeStale(path: string, dataDir: string): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readOwner(aside);
  if (moved && isAlive(moved)) {
    try {
      linkSync(aside, path);
    } finally {
      unlinkSync(aside);
    }
    throw new DataDirLockedError(dataDir, moved.pid);
  }
  unlinkSync(aside);
}
