import type { Migration } from '@gridproof/store';

/**
 * Schema of sites, devices and API keys; ids 0100_registry_* sort after the store's own.
 * One statement per migration: PGlite runs a migration as one prepared statement, which may
 * hold a single command.
 */
export const REGISTRY_MIGRATIONS: readonly Migration[] = [
  {
    id: '0100_registry_01_sites',
    sql: `create table sites (
      id text primary key,
      name text not null,
      lat double precision not null check (lat between -90 and 90),
      lon double precision not null check (lon between -180 and 180)
    )`,
  },
  {
    id: '0100_registry_02_devices',
    sql: `create table devices (
      id text primary key,
      type text not null,
      site_id text not null references sites (id),
      name text,
      metadata jsonb not null default '{}'::jsonb,
      owner text,
      state text not null default 'active' check (state in ('active', 'disabled')),
      require_signature boolean not null default true,
      public_key text,
      secret_hash text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      last_seen_at timestamptz,
      check (not require_signature or public_key is not null)
    )`,
  },
  { id: '0100_registry_03_devices_site_idx', sql: 'create index devices_site_idx on devices (site_id)' },
  { id: '0100_registry_04_devices_type_idx', sql: 'create index devices_type_idx on devices (type)' },
  {
    id: '0100_registry_05_api_keys',
    sql: `create table api_keys (
      id text primary key,
      name text not null,
      role text not null check (role in ('admin', 'operator', 'crew', 'auditor')),
      key_hash text not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    )`,
  },
  {
    // Key history (issue 15): append-only, kept after a device is deleted; existing devices get
    // their current key as a registration at migration time.
    id: '0100_registry_06_device_key_events',
    sql: `create table device_key_events (
      id bigserial primary key,
      device_id text not null,
      event text not null check (event in ('registered', 'rotated', 'revoked', 'policy', 'deleted')),
      public_key text,
      require_signature boolean not null,
      at timestamptz not null
    )`,
  },
  { id: '0100_registry_07_device_key_events_idx', sql: 'create index device_key_events_device_idx on device_key_events (device_id, id)' },
  {
    id: '0100_registry_08_device_key_events_seed',
    sql: "insert into device_key_events (device_id, event, public_key, require_signature, at) select id, 'registered', public_key, require_signature, created_at from devices",
  },
  // Key events are leaves of the log (docs/anchoring.md §1): rx is when the log received the
  // event (its batch window), null while it is not in the log. Events made before this column
  // existed are logged once on the next start (AnchorService.importKeyHistory).
  { id: '0100_registry_09_device_key_events_rx', sql: 'alter table device_key_events add column rx bigint' },
  // Site-scoped API keys (issue 18): null keeps a key fleet-wide, as every key made before.
  { id: '0100_registry_10_api_keys_sites', sql: 'alter table api_keys add column sites jsonb' },
];
