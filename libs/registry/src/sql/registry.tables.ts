import { bigint, bigserial, boolean, doublePrecision, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The registry's tables for drizzle's query builder. The DDL that creates them is
 * REGISTRY_MIGRATIONS (hand-written SQL, one dialect for PGlite and Postgres); keep both in step.
 */
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const sites = pgTable('sites', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  lat: doublePrecision('lat').notNull(),
  lon: doublePrecision('lon').notNull(),
});

export const devices = pgTable(
  'devices',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id),
    name: text('name'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull(),
    owner: text('owner'),
    state: text('state').$type<'active' | 'disabled'>().notNull(),
    requireSignature: boolean('require_signature').notNull(),
    publicKey: text('public_key'),
    secretHash: text('secret_hash').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    lastSeenAt: ts('last_seen_at'),
  },
  (t) => [index('devices_site_idx').on(t.siteId), index('devices_type_idx').on(t.type)],
);

export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role').notNull(),
  keyHash: text('key_hash').notNull(),
  createdAt: ts('created_at').notNull(),
  lastUsedAt: ts('last_used_at'),
  revokedAt: ts('revoked_at'),
  /** The sites a scoped key may see and act on; null: every site. */
  sites: jsonb('sites').$type<string[] | null>(),
});

/** Append-only history of device keys (device-key-history.ts); no foreign key: it outlives the device. */
export const deviceKeyEvents = pgTable('device_key_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  deviceId: text('device_id').notNull(),
  event: text('event').notNull(),
  publicKey: text('public_key'),
  requireSignature: boolean('require_signature').notNull(),
  at: ts('at').notNull(),
  /** When the log received the event (Unix ms, its batch window); null: not in the log. */
  rx: bigint('rx', { mode: 'number' }),
});

export type DeviceRow = typeof devices.$inferSelect;
export type SiteRow = typeof sites.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
