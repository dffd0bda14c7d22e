import type { Migration } from '@gridproof/store';

/**
 * The anchoring lib's schema; ids sort after registry (01xx), ingest (02xx), alerts (03xx).
 * One statement per migration: PGlite runs each as one prepared statement.
 */
export const ANCHOR_MIGRATIONS: readonly Migration[] = [
  {
    id: '0400_anchor_01_batches',
    sql: `create table anchor_batches (
      id bigint primary key,
      start_ms bigint not null,
      end_ms bigint not null,
      count integer not null,
      root text not null,
      prev_root text not null,
      sealed_at timestamptz not null default now(),
      chain_id bigint,
      contract text,
      tx_hash text,
      block_number bigint,
      anchored_at timestamptz,
      check (end_ms > start_ms)
    )`,
  },
  { id: '0400_anchor_02_batches_range_idx', sql: 'create index anchor_batches_range_idx on anchor_batches (start_ms, end_ms)' },
  { id: '0400_anchor_03_batches_unanchored_idx', sql: 'create index anchor_batches_unanchored_idx on anchor_batches (id) where tx_hash is null' },
  {
    id: '0400_anchor_04_batch_leaves',
    sql: `create table anchor_batch_leaves (
      batch_id bigint primary key references anchor_batches (id),
      leaves bytea not null
    )`,
  },
  {
    id: '0400_anchor_05_contracts',
    sql: `create table anchor_contracts (
      chain_key text primary key,
      chain_id bigint not null,
      address text not null,
      deployed_block bigint not null,
      deployed_at timestamptz not null default now()
    )`,
  },
  { id: '0400_anchor_06_state', sql: 'create table anchor_state (key text primary key, value text not null)' },
  { id: '0400_anchor_07_batches_dead_lettered', sql: 'alter table anchor_batches add column dead_lettered integer not null default 0' },
  { id: '0400_anchor_08_batches_dead_letters', sql: "alter table anchor_batches add column dead_letters jsonb not null default '[]'::jsonb" },
  // One RFC 6962 log across batches (docs/anchoring.md §3): the log's size after the batch and
  // the frontier (right-edge subtree roots, hex, comma-separated) it continues from.
  { id: '0400_anchor_09_batches_tree_size', sql: 'alter table anchor_batches add column tree_size bigint' },
  { id: '0400_anchor_10_batches_frontier', sql: "alter table anchor_batches add column frontier text not null default ''" },
  // Bundles pin the anchoring block by hash and timestamp (Unix seconds), not only by number.
  { id: '0400_anchor_11_batches_block_hash', sql: 'alter table anchor_batches add column block_hash text' },
  { id: '0400_anchor_12_batches_block_time', sql: 'alter table anchor_batches add column block_time bigint' },
  {
    id: '0400_anchor_13_reanchor_events',
    sql: `create table anchor_reanchor_events (
      id bigserial primary key,
      detected_at timestamptz not null default now(),
      reason text not null,
      detail text not null,
      chain_id bigint not null,
      contract_before text,
      contract_after text,
      from_batch bigint not null,
      batches integer not null
    )`,
  },
  {
    id: '0400_anchor_14_reanchored_batches',
    sql: `create table anchor_reanchored_batches (
      event_id bigint not null references anchor_reanchor_events (id),
      batch_id bigint not null references anchor_batches (id),
      lost_tx_hash text not null,
      lost_block_number bigint not null,
      lost_block_hash text,
      lost_anchored_at timestamptz,
      primary key (batch_id, event_id)
    )`,
  },
];
