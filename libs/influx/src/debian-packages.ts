import { execFileSync } from 'node:child_process';

export interface DebianPackage {
  /** The Debian package that provides it. */
  name: string;
  /** True when it is usable already. */
  present: () => boolean;
}

export class MissingPackagesError extends Error {}

/**
 * Installs the missing ones of `packages` with one apt-get call (root only), so a fresh Debian
 * machine needs nothing done by hand; otherwise says exactly what to install.
 */
export function ensureDebianPackages(packages: readonly DebianPackage[], log: (line: string) => void = console.log): void {
  const missing = packages.filter((p) => !p.present()).map((p) => p.name);
  if (!missing.length) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !commandWorks('apt-get', ['--version'])) {
    throw new MissingPackagesError(`missing Debian packages: ${missing.join(', ')}. Install them with \`sudo apt-get install ${missing.join(' ')}\`.`);
  }
  log(`installing Debian packages: ${missing.join(', ')} (apt-get)...`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const still = packages.filter((p) => !p.present()).map((p) => p.name);
  if (still.length) throw new MissingPackagesError(`apt-get installed ${still.join(', ')} but it is still not usable`);
}

export function commandWorks(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
