import { z } from 'zod';
import { ROLES } from '../auth/roles';
import { orNull } from '@gridproof/core';

/** What the API and the CLI show of an API key (never the key or its hash), as zod schemas. */
export const apiKeyViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    sites: z.array(z.string()).nullable().describe('a site-scoped crew key: its sites; null: every site'),
    createdAt: z.string().describe('ISO 8601'),
    lastUsedAt: orNull(z.string(), 'ISO 8601, to the minute'),
    revokedAt: orNull(z.string(), 'ISO 8601'),
  });
export type ApiKeyView = z.infer<typeof apiKeyViewSchema>;

/** A new key: `key` is shown once and never stored. */
export const createdApiKeySchema = z
  .object({ key: z.string().describe('gpk_<id>_<secret>: shown only this once'), apiKey: apiKeyViewSchema });
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;
