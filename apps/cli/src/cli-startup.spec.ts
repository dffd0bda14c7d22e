import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const HEAVY = ['@nestjs/core', 'ethers', 'drizzle-orm', '@tensorflow/tfjs-core', '@electric-sql/pglite', 'influx'];

/**
 * Runs the real CLI entry (the TypeScript sources, compiled on require by scripts/register-ts.js)
 * in a fresh Node process and returns the node_modules packages it loaded.
 */
function packagesLoadedBy(...args: string[]): string[] {
  const entry = join(root, 'apps', 'cli', 'src', 'main.ts');
  const code = [
    `require(${JSON.stringify(join(root, 'scripts', 'register-ts.js'))});`,
    `process.on('exit', () => process.stderr.write('\\n@@modules ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));`,
    `require(${JSON.stringify(entry)});`,
  ].join('\n');
  // `node -e CODE -- entry args...` leaves process.argv as [node, entry, args...], as the real command sees it.
  const r = spawnSync(process.execPath, ['-e', code, '--', entry, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  expect(r.status).toBe(0);
  const line = r.stderr.split('\n').find((l) => l.startsWith('@@modules '));
  const files = JSON.parse(line!.slice('@@modules '.length)) as string[];
  const packages = new Set(files.map((f) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter((p): p is string => p !== undefined));
  return [...packages];
}

describe('gridproof start-up', () => {
  it.each([[['--help']], [['devices', 'list', '--help']], [['verify', '--help']], [['train', '--help']]])(
    '`gridproof %s` loads none of Nest, ethers, drizzle, TensorFlow.js, PGlite or the InfluxDB client',
    (args) => {
      const loaded = packagesLoadedBy(...args);
      expect(loaded).toContain('commander');
      expect(loaded.filter((p) => HEAVY.includes(p))).toEqual([]);
    },
  );
});
