import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100;

/** CPU time (user + system, all threads) a process has used so far, in ms; Linux /proc. */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  // Fields after the command name "(...)": state is field 3, utime 14, stime 15 (proc(5)).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
}

/** This process's CPU time so far (user + system, all threads), in ms. */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
