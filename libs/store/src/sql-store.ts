import { mkdirSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { assertChannelName, ChangeFeedLogger, ChangeHandler, ChangeSubscription, PostgresChangeFeed } from './change-feed';

/**
 * The SQL store: devices, API keys, alerts, silences, deliveries, anchor batches.
 * Embedded PGlite (Postgres in WASM, persisted to a folder) by default; real Postgres when
 * DATABASE_URL is set. Both speak the same SQL, so every repository is written once against
 * drizzle's Postgres dialect and its contract tests run on both.
 */
export type SqlDatabase = PgDatabase<PgQueryResultHKT>;

export type SqlStoreTarget = { kind: 'pglite'; dir: string | null } | { kind: 'postgres'; url: string };

/**
 * One schema change, owned by the lib whose tables it touches. Ids sort in apply order.
 * One SQL statement per migration: PGlite runs it as a prepared statement, which refuses
 * several commands ("cannot insert multiple commands into a prepared statement").
 */
export interface Migration {
  id: string;
  sql: string;
}

export class SqlStore {
  private constructor(
    readonly db: SqlDatabase,
    readonly kind: SqlStoreTarget['kind'],
    private readonly closeFn: () => Promise<void>,
    private readonly postgresUrl: string | null = null,
  ) {}

  static async open(target: SqlStoreTarget): Promise<SqlStore> {
    if (target.kind === 'postgres') {
      const { Pool } = await import('pg');
      const { drizzle } = await import('drizzle-orm/node-postgres');
      const pool = new Pool({ connectionString: target.url, max: 10 });
      // Surface a bad URL at start-up, not at the first query.
      await pool.query('select 1');
      return new SqlStore(drizzle(pool) as unknown as SqlDatabase, 'postgres', () => pool.end(), target.url);
    }
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    if (target.dir) mkdirSync(target.dir, { recursive: true });
    const client = target.dir ? new PGlite(target.dir) : new PGlite();
    await client.waitReady;
    return new SqlStore(drizzle(client) as unknown as SqlDatabase, 'pglite', () => client.close());
  }

  /** Applies the migrations not applied yet, in id order, each in its own transaction. */
  async migrate(migrations: readonly Migration[]): Promise<string[]> {
    await this.db.execute(sql`create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())`);
    const rows = await this.db.execute<{ id: string }>(sql`select id from schema_migrations`);
    const applied = new Set(rowsOf<{ id: string }>(rows).map((r) => r.id));
    const pending = [...migrations].filter((m) => !applied.has(m.id)).sort((a, b) => a.id.localeCompare(b.id));
    for (const m of pending) {
      await this.db.transaction(async (tx) => {
        await tx.execute(sql.raw(m.sql));
        await tx.execute(sql`insert into schema_migrations (id) values (${m.id})`);
      });
    }
    return pending.map((m) => m.id);
  }

  /**
   * Tells other processes sharing this database that something changed (Postgres NOTIFY,
   * delivered to listeners once the sending transaction commits). Embedded PGlite has no other
   * process: a PGlite directory is opened by one process only, so this is a no-op there.
   */
  async notify(channel: string, payload: string): Promise<void> {
    assertChannelName(channel);
    if (this.kind !== 'postgres') return;
    await this.db.execute(sql`select pg_notify(${channel}, ${payload})`);
  }

  /** Listens for notify() from other processes; see PostgresChangeFeed. A no-op on PGlite. */
  async listen(channel: string, handler: ChangeHandler, logger: ChangeFeedLogger): Promise<ChangeSubscription> {
    assertChannelName(channel);
    if (!this.postgresUrl) return { close: async () => undefined };
    return PostgresChangeFeed.open(this.postgresUrl, channel, handler, logger);
  }

  async ping(): Promise<boolean> {
    try {
      await this.db.execute(sql`select 1`);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.closeFn();
  }
}

/** node-postgres returns { rows }, PGlite returns { rows } too; normalise the raw execute result. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
