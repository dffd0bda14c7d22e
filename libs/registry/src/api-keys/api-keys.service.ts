import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Logger, OnModuleDestroy } from '@nestjs/common';
import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { SqlStore } from '@gridproof/store';
import type { ApiCaller, Role } from '../auth/roles';
import { ROLES } from '../auth/roles';
import { parseInput } from '@gridproof/core';
import { ApiKeyNotFoundError } from '../registry.errors';
import type { ApiKeyView, CreatedApiKey } from './api-key.model';

export type { ApiKeyView, CreatedApiKey } from './api-key.model';
import { apiKeys, ApiKeyRow } from '../sql/registry.tables';

const SITE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const createApiKeySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    role: z.enum(ROLES),
    /** Scope a crew key to these sites: it sees and acts on their alerts and devices only. */
    sites: z.array(z.string().regex(SITE_ID, 'a site id')).min(1).max(1_000).optional(),
  })
  .strict()
  .refine((k) => k.sites === undefined || k.role === 'crew', { message: 'only crew keys can be scoped to sites', path: ['sites'] });
export type CreateApiKeyInput = z.input<typeof createApiKeySchema>;

/**
 * `gpk_<id>_<secret>`: the id finds the row, the secret is 32 random bytes. Keys have 256 bits
 * of entropy, so a plain SHA-256 is enough to store them (a slow hash defends guessable
 * passwords, which these are not) and keeps every API request cheap.
 */
const KEY_PATTERN = /^gpk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** last_used_at is written at most this often per key, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export class ApiKeys implements OnModuleDestroy {
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly logger = new Logger(ApiKeys.name);
  private readonly writes = new Set<Promise<void>>();
  private readonly revokedListeners = new Set<(id: string) => void>();

  constructor(private readonly store: SqlStore) {}

  async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
    const { name, role, sites } = parseInput(createApiKeySchema, input);
    const id = randomBytes(6).toString('hex');
    const key = `gpk_${id}_${randomBytes(32).toString('base64url')}`;
    const [row] = await this.store.db.insert(apiKeys).values({ id, name, role, keyHash: sha256(key), createdAt: new Date(), sites: sites ? [...new Set(sites)].sort() : null }).returning();
    return { key, apiKey: toView(row) };
  }

  /** The caller a key belongs to, or null for a malformed, unknown or revoked key. */
  async verify(key: string): Promise<ApiCaller | null> {
    const match = KEY_PATTERN.exec(key.trim());
    if (!match) return null;
    const [row] = await this.store.db.select().from(apiKeys).where(eq(apiKeys.id, match[1])).limit(1);
    if (!row || row.revokedAt) return null;
    if (!timingSafeEqual(Buffer.from(sha256(key.trim()), 'hex'), Buffer.from(row.keyHash, 'hex'))) return null;
    this.noteUse(row.id);
    return { id: row.id, name: row.name, role: row.role as Role, ...(row.sites ? { sites: row.sites } : {}) };
  }

  /** Whether the key with this id exists and is not revoked (the broker re-checks crew sessions). */
  async isActive(id: string): Promise<boolean> {
    const [row] = await this.store.db.select({ revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
    return Boolean(row) && !row.revokedAt;
  }

  /** Called with the key's id after each revocation in this process. */
  onRevoked(listener: (id: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  async revoke(id: string): Promise<ApiKeyView> {
    // coalesce keeps the first revocation time when a key is revoked twice.
    const [row] = await this.store.db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
      .where(eq(apiKeys.id, id))
      .returning();
    if (!row) throw new ApiKeyNotFoundError(id);
    for (const listener of this.revokedListeners) listener(id);
    return toView(row);
  }

  async list(): Promise<ApiKeyView[]> {
    const rows = await this.store.db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
    return rows.map(toView);
  }

  /**
   * On the very first start (no key at all) creates an admin key and returns it, so the
   * operator can be shown it once. Later starts return null, also when every key was revoked
   * on purpose: revoking all keys must not make the service mint a new one by itself.
   */
  async ensureFirstAdminKey(): Promise<CreatedApiKey | null> {
    const [any] = await this.store.db.select({ id: apiKeys.id }).from(apiKeys).limit(1);
    if (any) return null;
    return this.create({ name: 'first-admin', role: 'admin' });
  }

  /** Waits for the last-used writes in flight (before the store closes). */
  async close(): Promise<void> {
    await Promise.all(this.writes);
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private noteUse(id: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(id) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWritten.set(id, now);
    const write: Promise<void> = this.store.db
      .update(apiKeys)
      .set({ lastUsedAt: new Date(now) })
      .where(eq(apiKeys.id, id))
      .then(
        () => undefined,
        (err: unknown) => this.logger.warn(`recording the use of API key ${id} failed: ${(err as Error).message}`),
      )
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function toView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    sites: row.sites ?? null,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt ? row.lastUsedAt.toISOString() : null,
    revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
  };
}
