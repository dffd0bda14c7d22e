import { Command, Option } from 'commander';
import { apiClientFor, CliIo, processIo, ROLES, table, withApiOptions } from '@gridproof/api-client';
import type { ApiKeyView, CreatedApiKey } from '@gridproof/registry';

/** `gridproof keys ...`: API keys and their roles (admin only). */
export function registerKeyCommands(program: Command, io: CliIo = processIo): Command {
  const keys = program.command('keys').description('manage API keys (admin)');

  withApiOptions(keys.command('create'))
    .description('create an API key; prints it (shown only once)')
    .requiredOption('--name <name>', 'who or what the key is for')
    .addOption(new Option('--role <role>', 'role').choices(ROLES).makeOptionMandatory())
    .option('--sites <ids>', 'crew keys: scope the key to these sites (comma-separated); it sees and acts on their alerts and devices only')
    .option('--json', 'print JSON')
    .action(async (options: { name: string; role: string; sites?: string; json?: boolean }, command: Command) => {
      const sites = options.sites?.split(',').map((s) => s.trim()).filter(Boolean);
      const created = await apiClientFor(command).post<CreatedApiKey>('/api/keys', { name: options.name, role: options.role, ...(sites ? { sites } : {}) });
      if (options.json) io.out(JSON.stringify(created, null, 2));
      else io.out(`API key ${created.apiKey.id} (${created.apiKey.role}${created.apiKey.sites ? ` of ${created.apiKey.sites.join(', ')}` : ''}, "${created.apiKey.name}"), shown only once:\n  ${created.key}`);
    });

  withApiOptions(keys.command('list'))
    .description('list API keys (ids, names, roles; never the keys)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await apiClientFor(command).get<ApiKeyView[]>('/api/keys');
      if (options.json) io.out(JSON.stringify(list, null, 2));
      else io.out(table(['ID', 'NAME', 'ROLE', 'SITES', 'CREATED', 'LAST USED', 'REVOKED'], list.map((k) => [k.id, k.name, k.role, k.sites?.join(',') ?? 'all', k.createdAt, k.lastUsedAt ?? '-', k.revokedAt ?? '-'])));
    });

  withApiOptions(keys.command('revoke').argument('<id>', 'key id (from keys list)'))
    .description('revoke an API key')
    .action(async (id: string, _options: unknown, command: Command) => {
      const key = await apiClientFor(command).delete<ApiKeyView>(`/api/keys/${encodeURIComponent(id)}`);
      io.out(`API key ${key.id} revoked at ${key.revokedAt}`);
    });

  return keys;
}
