import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError, LOCK_FILE, lockDataDir, processStartTicks } from './data-dir-lock';

describe(lockDataDir.name, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gp-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeLock = (owner: { pid: number; startTicks: number | null }) => writeFileSync(join(dir, LOCK_FILE), JSON.stringify(owner));

  it('refuses a second lock on the folder, naming the folder and the pid holding it, and frees it on release', () => {
    const lock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir).release();
  });

  it('names the live process that holds the lock', () => {
    // The parent of this test process: alive, with its real start time.
    writeLock({ pid: process.ppid, startTicks: processStartTicks(process.ppid) });
    expect(() => lockDataDir(dir)).toThrow(`the data folder ${dir} is in use by another GridProof (pid ${process.ppid})`);
  });

  it('takes over the lock of a process that is gone, of a reused pid, and of its own pid from an earlier life', () => {
    const gone = spawnSync('true').pid!;
    for (const owner of [
      { pid: gone, startTicks: 1 },
      { pid: process.ppid, startTicks: (processStartTicks(process.ppid) ?? 0) + 1 }, // same pid, other process
      { pid: process.pid, startTicks: null }, // a container's pid 1 after a restart
    ]) {
      writeLock(owner);
      const lock = lockDataDir(dir);
      expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
      lock.release();
    }
  });
});
