import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './faults/gridproof-process';

/**
 * The third-party test vectors (RFC 6962 from transparency-dev/merkle, RFC 8785 from
 * cyberphone/json-canonicalization) live beside the checkout in ../shared/vectors, read-only;
 * CI has them at the same place. A missing folder fails the suite with this message rather
 * than skipping it: a vector test that silently does not run proves nothing.
 */
export function sharedVectorsDir(): string {
  const dir = join(repoRoot(), '..', 'shared', 'vectors');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`the shared test vectors are missing: expected the folder ${dir} (../shared/vectors beside the checkout; see its README)`);
  }
  return dir;
}

/** Every *.json file under a folder of the vectors, recursively, as [relative path, parsed]. */
export function vectorFiles<T>(...parts: string[]): Array<[string, T]> {
  const root = join(sharedVectorsDir(), ...parts);
  const out: Array<[string, T]> = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${rel}${name}/`);
      else if (name.endsWith('.json')) out.push([`${rel}${name}`, JSON.parse(readFileSync(path, 'utf8')) as T]);
    }
  };
  walk(root, '');
  if (!out.length) throw new Error(`no vector files under ${root}`);
  return out;
}
