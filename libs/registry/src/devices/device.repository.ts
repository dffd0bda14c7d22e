import { and, asc, eq, inArray, sql, SQL } from 'drizzle-orm';
import { CATALOGUE, DEVICE_TYPES, DeviceType, Family } from '@gridproof/telemetry';
import type { SqlDatabase, SqlStore } from '@gridproof/store';
import { devices, DeviceRow, sites, SiteRow } from '../sql/registry.tables';
import type { Device } from './device.model';
import type { SiteInput } from './device.schemas';

export interface DeviceFilter {
  type?: DeviceType;
  site?: string;
  state?: 'active' | 'disabled';
  family?: Family;
}

export type DevicePatch = Partial<Pick<DeviceRow, 'name' | 'metadata' | 'owner' | 'siteId' | 'state' | 'requireSignature' | 'publicKey' | 'secretHash'>>;

/** SQL access to sites and devices. Knows rows; the service knows rules. */
export class DeviceRepository {
  constructor(private readonly store: SqlStore) {}

  transaction<T>(fn: (tx: SqlDatabase) => Promise<T>): Promise<T> {
    return this.store.db.transaction((tx) => fn(tx as unknown as SqlDatabase));
  }

  /** Creates the site or updates its coordinates (and name, when given). */
  async upsertSite(tx: SqlDatabase, site: SiteInput): Promise<void> {
    await tx
      .insert(sites)
      .values({ id: site.id, name: site.name ?? site.id, lat: site.lat, lon: site.lon })
      .onConflictDoUpdate({
        target: sites.id,
        set: { lat: site.lat, lon: site.lon, ...(site.name !== undefined ? { name: site.name } : {}) },
      });
  }

  /** Inserts the device; false when the id exists. */
  async insert(tx: SqlDatabase, row: Omit<DeviceRow, 'createdAt' | 'updatedAt' | 'lastSeenAt'>): Promise<boolean> {
    const now = new Date();
    const inserted = await tx
      .insert(devices)
      .values({ ...row, createdAt: now, updatedAt: now, lastSeenAt: null })
      .onConflictDoNothing({ target: devices.id })
      .returning({ id: devices.id });
    return inserted.length === 1;
  }

  async findRow(id: string, db: SqlDatabase = this.store.db): Promise<DeviceRow | null> {
    const rows = await db.select().from(devices).where(eq(devices.id, id)).limit(1);
    return rows[0] ?? null;
  }

  /** Every device row, for warming the registry's cache in one query. */
  allRows(): Promise<DeviceRow[]> {
    return this.store.db.select().from(devices);
  }

  async findView(id: string): Promise<Device | null> {
    const rows = await this.viewQuery(eq(devices.id, id));
    return rows[0] ?? null;
  }

  list(filter: DeviceFilter): Promise<Device[]> {
    const conditions: SQL[] = [];
    if (filter.type) conditions.push(eq(devices.type, filter.type));
    if (filter.site) conditions.push(eq(devices.siteId, filter.site));
    if (filter.state) conditions.push(eq(devices.state, filter.state));
    if (filter.family) conditions.push(inArray(devices.type, DEVICE_TYPES.filter((t) => CATALOGUE[t].family === filter.family)));
    return this.viewQuery(conditions.length ? and(...conditions) : undefined);
  }

  /** Applies the patch; the updated row, or null when the device does not exist. */
  async update(id: string, patch: DevicePatch, db: SqlDatabase = this.store.db): Promise<DeviceRow | null> {
    const rows = await db
      .update(devices)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(devices.id, id))
      .returning();
    return rows[0] ?? null;
  }

  /** Compare-and-set of the secret hash (the legacy hash upgrade); true when the row held `from`. */
  async replaceSecretHash(id: string, from: string, to: string): Promise<boolean> {
    const rows = await this.store.db
      .update(devices)
      .set({ secretHash: to })
      .where(and(eq(devices.id, id), eq(devices.secretHash, from)))
      .returning({ id: devices.id });
    return rows.length === 1;
  }

  get db(): SqlDatabase {
    return this.store.db;
  }

  async delete(id: string, db: SqlDatabase = this.store.db): Promise<boolean> {
    const rows = await db.delete(devices).where(eq(devices.id, id)).returning({ id: devices.id });
    return rows.length === 1;
  }

  /**
   * One UPDATE for a whole batch of last-seen times, passed as one JSON parameter so the
   * statement stays small and within the bind-parameter limit however many devices it covers.
   */
  async touchLastSeen(entries: Array<{ id: string; at: number }>): Promise<void> {
    if (!entries.length) return;
    await this.store.db.execute(sql`
      update devices as d
         set last_seen_at = greatest(d.last_seen_at, to_timestamp(v.at / 1000.0))
        from jsonb_to_recordset(${JSON.stringify(entries)}::jsonb) as v(id text, at double precision)
       where d.id = v.id`);
  }

  private async viewQuery(where: SQL | undefined): Promise<Device[]> {
    const rows = await this.store.db.select().from(devices).innerJoin(sites, eq(devices.siteId, sites.id)).where(where).orderBy(asc(devices.id));
    return rows.map((r) => toDevice(r.devices, r.sites));
  }
}

export function toDevice(row: DeviceRow, site: SiteRow): Device {
  const type = row.type as DeviceType;
  return {
    id: row.id,
    type,
    family: CATALOGUE[type].family,
    name: row.name,
    site: { id: site.id, name: site.name, lat: site.lat, lon: site.lon },
    metadata: row.metadata,
    owner: row.owner,
    state: row.state,
    requireSignature: row.requireSignature,
    publicKey: row.publicKey,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    lastSeenAt: row.lastSeenAt ? row.lastSeenAt.toISOString() : null,
  };
}
