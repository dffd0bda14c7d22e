import { chmodSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiKeys } from '@gridproof/registry';
import type { RunningGridProof } from './bootstrap';

/**
 * On the very first start, creates an admin API key, shows it once on the console and keeps it
 * in <dataDir>/admin.key (mode 0600) for the local `gridproof` CLI. Never logged again.
 */
export async function announceFirstAdminKey(running: RunningGridProof): Promise<void> {
  const created = await running.app.get(ApiKeys).ensureFirstAdminKey();
  if (!created) return;
  mkdirSync(running.config.dataDir, { recursive: true });
  const file = join(running.config.dataDir, 'admin.key');
  writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  process.stdout.write(
    `\nFirst start: an admin API key was created. It is shown only this once and saved to ${file} (mode 0600):\n\n    ${created.key}\n\n`,
  );
}
