import type { Migration } from '@gridproof/store';

/** The anchoring lib's schema; ids sort after registry (01xx), ingest (02xx), alerts (03xx). */
export const ANCHOR_MIGRATIONS: readonly Migration[] = [
  {
    id: '0400_anchor_init',
    sql: `
      create table anchor_batches (
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
      );
      create index anchor_batches_range on anchor_batches (start_ms, end_ms);
      create index anchor_batches_unanchored on anchor_batches (id) where tx_hash is null;
      create table anchor_batch_leaves (
        batch_id bigint primary key references anchor_batches (id),
        leaves bytea not null
      );
      create table anchor_contracts (
        chain_key text primary key,
        chain_id bigint not null,
        address text not null,
        deployed_block bigint not null,
        deployed_at timestamptz not null default now()
      );
      create table anchor_state (
        key text primary key,
        value text not null
      );
    `,
  },
];
