import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DASHBOARDS, renderDashboard } from './index';

/** `npm run dashboards`: regenerate dashboards/generated/*.json from the TypeScript sources. */
function main(): void {
  const out = resolve(process.argv[2] ?? join(__dirname, '..', '..', '..', 'dashboards', 'generated'));
  mkdirSync(out, { recursive: true });
  for (const stale of readdirSync(out).filter((f) => f.endsWith('.json') && !(f in DASHBOARDS))) rmSync(join(out, stale));
  for (const [file, build] of Object.entries(DASHBOARDS)) {
    writeFileSync(join(out, file), renderDashboard(build()));
    console.log(`wrote ${join(out, file)}`);
  }
}

main();
