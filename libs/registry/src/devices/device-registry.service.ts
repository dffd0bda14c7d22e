import { randomUUID } from 'node:crypto';
import { Logger, OnModuleDestroy } from '@nestjs/common';
import { CATALOGUE, DeviceType, deviceAttributes } from '@gridproof/telemetry';
import type { ChangeSubscription, SqlDatabase, SqlStore } from '@gridproof/store';
import type { AuthenticationResult, DeviceDirectory, RegisteredDevice } from '../device-directory';
import { InvalidInputError, parseInput } from '@gridproof/core';
import { DeviceExistsError, DeviceNotFoundError } from '../registry.errors';
import type { DeviceRow } from '../sql/registry.tables';
import { ConcurrencyLimit, generateDeviceSecret, hashDeviceSecret, isLegacySecretHash, verifyDeviceSecret, verifyDeviceSecretFast } from './device-secret';
import type { Device, MqttCredentials, ProvisionedDevice } from './device.model';
import { DevicePatch, DeviceRepository } from './device.repository';
import { appendKeyEvent, KeyEvent, keyEventFor, keyEventRecordOf, keyEventsLoggedBetween, keyEventsOf, keyValidAt, markKeyEventsLogged, unloggedKeyEvents, ValidKey } from './device-key-history';
import type { KeyEventLog } from './key-event-log';
import { ListDevicesFilter, listDevicesSchema, ProvisionDeviceInput, provisionDeviceSchema, UpdateDeviceInput, updateDeviceSchema } from './device.schemas';

export interface DeviceRegistryOptions {
  /** How often batched last-seen times are written (one UPDATE per flush). */
  lastSeenFlushMs?: number;
  logger?: Pick<Logger, 'error' | 'warn'>;
}

/** Postgres NOTIFY channel: one message per device change, `<instance> <notify 0|1> <device id>`. */
const DEVICE_CHANGES = 'gridproof_devices';

interface CachedDevice {
  device: RegisteredDevice;
  secretHash: string;
  /** Legacy scrypt checks in flight by password digest: a burst of logins with one password costs one. */
  checks: Map<string, Promise<boolean>>;
}

/**
 * The device registry: provisioning and life cycle of devices, and the DeviceDirectory the
 * broker authenticates against.
 *
 * authenticate() must survive a reconnect storm of the whole fleet: devices are cached in
 * memory (one query per device, concurrent lookups shared) and secrets are stored as SHA-256
 * (device-secret.ts says why), so a login costs one hash of 43 bytes. A device whose row still
 * holds the old scrypt form pays one scrypt on its next successful login, after which the row
 * is rewritten in the SHA-256 form (compare-and-set, so a rotation meanwhile wins). Every
 * change made through this registry invalidates its entry. Several GridProof processes may
 * share one Postgres database: each change is announced with NOTIFY and followOtherWriters()
 * invalidates what other processes changed (and ends their broker sessions when access
 * changed). If the listening connection drops, the whole cache is compared with the table once
 * it is back, since notifications sent meanwhile are lost.
 */
export class DeviceRegistry implements DeviceDirectory, OnModuleDestroy {
  private readonly repo: DeviceRepository;
  private readonly cache = new Map<string, CachedDevice>();
  /**
   * The record each device was last loaded with here, kept when a change that does not touch
   * access (a rename, a provision announce from another process) drops the cache entry. A resync
   * after a lost change feed compares against this, not the cache: a device whose entry was
   * dropped may still hold a broker session authorised with the old record.
   */
  private readonly lastLoaded = new Map<string, CachedDevice>();
  private readonly loading = new Map<string, Promise<CachedDevice | null>>();
  /** Bumped on every change to a device; a lookup or check that straddles a change is redone. */
  private readonly versions = new Map<string, number>();
  private readonly listeners = new Set<(deviceId: string) => void>();
  /** Legacy scrypt checks: half of libuv's default thread pool, leaving the rest to file I/O (spool). */
  private readonly scryptSlots = new ConcurrencyLimit(2);
  private readonly pendingLastSeen = new Map<string, number>();
  private readonly flushTimer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly logger: Pick<Logger, 'error' | 'warn'>;
  private readonly instanceId = randomUUID();
  private changeFeed: ChangeSubscription | null = null;
  private keyLog: KeyEventLog | null = null;

  constructor(
    private readonly store: SqlStore,
    options: DeviceRegistryOptions = {},
  ) {
    this.repo = new DeviceRepository(store);
    this.logger = options.logger ?? new Logger(DeviceRegistry.name);
    this.flushTimer = setInterval(() => void this.flushLastSeen(), options.lastSeenFlushMs ?? 5_000);
    this.flushTimer.unref();
  }

  /**
   * Loads every device into the cache with one query, so the first reconnect storm after a
   * start costs no query per device. Returns how many were loaded.
   */
  async preload(): Promise<number> {
    const versions = new Map(this.versions);
    const rows = await this.repo.allRows();
    for (const row of rows) {
      // Skip devices changed while the query ran, and keep entries already cached.
      if (this.versionOf(row.id) !== (versions.get(row.id) ?? 0) || this.cache.has(row.id)) continue;
      this.remember(row.id, { device: registeredDevice(row), secretHash: row.secretHash, checks: new Map() });
    }
    return rows.length;
  }

  /** Follows changes other processes make to the devices table (Postgres; a no-op on PGlite). */
  async followOtherWriters(): Promise<void> {
    if (this.changeFeed) return;
    this.changeFeed = await this.store.listen(DEVICE_CHANGES, (payload) => this.onChangeFeed(payload), this.logger);
  }

  // ---- life cycle (API and CLI) ----

  async provision(input: ProvisionDeviceInput): Promise<ProvisionedDevice> {
    const parsed = parseInput(provisionDeviceSchema, input);
    refuseBadAttributes(parsed.type, parsed.metadata);
    const password = generateDeviceSecret();
    const secretHash = hashDeviceSecret(password);
    await this.repo.transaction(async (tx) => {
      await this.repo.upsertSite(tx, parsed.site);
      const inserted = await this.repo.insert(tx, {
        id: parsed.id,
        type: parsed.type,
        siteId: parsed.site.id,
        name: parsed.name ?? null,
        metadata: parsed.metadata ?? {},
        owner: parsed.owner ?? null,
        state: 'active',
        requireSignature: parsed.requireSignature,
        publicKey: parsed.publicKey ?? null,
        secretHash,
      });
      // Throwing rolls the site upsert back too.
      if (!inserted) throw new DeviceExistsError(parsed.id);
      await this.recordKeyEvent(tx, { device: parsed.id, event: 'registered', publicKey: parsed.publicKey ?? null, requireSignature: parsed.requireSignature });
    });
    // A lookup of the id before it existed may be in flight; do not let it cache "unknown".
    this.invalidate(parsed.id, false);
    return { device: await this.get(parsed.id), credentials: credentialsOf(parsed.id, password) };
  }

  list(filter: ListDevicesFilter = {}): Promise<Device[]> {
    return this.repo.list(parseInput(listDevicesSchema, filter)).then((list) => list.map((d) => this.withPendingLastSeen(d)));
  }

  async get(id: string): Promise<Device> {
    const device = await this.repo.findView(id);
    if (!device) throw new DeviceNotFoundError(id);
    return this.withPendingLastSeen(device);
  }

  async update(id: string, input: UpdateDeviceInput): Promise<Device> {
    const parsed = parseInput(updateDeviceSchema, input);
    const changesAccess = parsed.site !== undefined || parsed.requireSignature !== undefined || parsed.publicKey !== undefined;
    await this.repo.transaction(async (tx) => {
      const current = await this.repo.findRow(id, tx);
      if (!current) throw new DeviceNotFoundError(id);
      if (parsed.metadata !== undefined) refuseBadAttributes(current.type as DeviceType, parsed.metadata);
      const requireSignature = parsed.requireSignature ?? current.requireSignature;
      const publicKey = parsed.publicKey !== undefined ? parsed.publicKey : current.publicKey;
      if (requireSignature && !publicKey) {
        throw new InvalidInputError(['publicKey: a device that must sign needs a public key (set requireSignature to false to remove it)']);
      }
      if (parsed.site) await this.repo.upsertSite(tx, parsed.site);
      const patch: DevicePatch = { requireSignature, publicKey };
      if (parsed.name !== undefined) patch.name = parsed.name;
      if (parsed.metadata !== undefined) patch.metadata = parsed.metadata;
      if (parsed.owner !== undefined) patch.owner = parsed.owner;
      if (parsed.site) patch.siteId = parsed.site.id;
      await this.repo.update(id, patch, tx);
      const event = keyEventFor(current, { publicKey, requireSignature });
      if (event) await this.recordKeyEvent(tx, { device: id, event, publicKey, requireSignature });
    });
    // Site, key and signature policy are part of a broker session: the broker reconnects it.
    this.invalidate(id, changesAccess);
    return this.get(id);
  }

  /** New MQTT password, shown once; the old one stops working and open sessions are dropped. */
  async rotateCredentials(id: string): Promise<ProvisionedDevice> {
    const password = generateDeviceSecret();
    await this.patch(id, { secretHash: hashDeviceSecret(password) });
    return { device: await this.get(id), credentials: credentialsOf(id, password) };
  }

  async disable(id: string): Promise<Device> {
    await this.patch(id, { state: 'disabled' });
    return this.get(id);
  }

  async enable(id: string): Promise<Device> {
    await this.patch(id, { state: 'active' }, false);
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    const deleted = await this.repo.transaction(async (tx) => {
      const current = await this.repo.findRow(id, tx);
      if (!current || !(await this.repo.delete(id, tx))) return false;
      // The old key stays in the history with its validity: proofs of earlier readings verify.
      await this.recordKeyEvent(tx, { device: id, event: 'deleted', publicKey: null, requireSignature: current.requireSignature });
      return true;
    });
    if (!deleted) throw new DeviceNotFoundError(id);
    this.pendingLastSeen.delete(id);
    this.invalidate(id, true);
  }

  /** The device's key history, oldest first (also after deletion). */
  async keyHistory(id: string): Promise<KeyEvent[]> {
    return (await keyEventsOf(this.repo.db, [id])).get(id) ?? [];
  }

  /** The key valid at `at` (GridProof's clock, a reading's rx), or null (unknown, not yet registered, deleted). */
  async keyAt(id: string, at: number): Promise<ValidKey | null> {
    return keyValidAt(await this.keyHistory(id), at);
  }

  /** Key histories of many devices at once (the bulk audit). */
  keyHistories(ids: readonly string[]): Promise<Map<string, KeyEvent[]>> {
    return keyEventsOf(this.repo.db, ids);
  }

  // ---- key events as leaves of the log (docs/anchoring.md §1) ----

  /**
   * From now on every key event is committed to this log inside the transaction that records
   * it, stamped with the log's clock. Without one (a registry used on its own), events are
   * recorded with rx null: not in the log, which the audit reports.
   */
  useKeyEventLog(log: KeyEventLog): void {
    this.keyLog = log;
  }

  /**
   * Commits to the log every event it does not hold yet (rx null), stamped with the log's
   * clock now: run once, on the first start with a log, for the history recorded before key
   * events were logged. Their rx is later than their at, which verify and the audit report.
   */
  async importUnloggedKeyEvents(): Promise<KeyEvent[]> {
    const log = this.keyLog;
    if (!log) throw new Error('no key event log to import into');
    return this.repo.transaction(async (tx) => {
      const events = await unloggedKeyEvents(tx, { forUpdate: true });
      if (!events.length) return [];
      const rx = log.now();
      await markKeyEventsLogged(tx, events.map((e) => e.id), rx);
      const logged = events.map((e) => ({ ...e, rx }));
      await log.commit(logged.map((e) => keyEventRecordOf(e)!));
      return logged;
    });
  }

  /** Events the log received in [from, to) (the audit rebuilds batches with them). */
  keyEventsLoggedBetween(from: number, to: number): Promise<KeyEvent[]> {
    return keyEventsLoggedBetween(this.repo.db, from, to);
  }

  /** Events the SQL store holds that are not in the log. */
  unloggedKeyEvents(): Promise<KeyEvent[]> {
    return unloggedKeyEvents(this.repo.db);
  }

  // ---- DeviceDirectory (broker) ----

  async authenticate(deviceId: string, password: string): Promise<AuthenticationResult> {
    let result: AuthenticationResult = { ok: false, reason: 'unknown_device' };
    // A device changed while its check ran (disabled, rotated) is checked again on fresh data.
    for (let attempt = 0; attempt < 3; attempt++) {
      const version = this.versionOf(deviceId);
      const entry = await this.load(deviceId);
      if (!entry) {
        result = { ok: false, reason: 'unknown_device' };
      } else {
        let matches: boolean;
        if (!isLegacySecretHash(entry.secretHash)) {
          matches = verifyDeviceSecretFast(password, entry.secretHash);
        } else {
          matches = await this.slowCheck(entry, password);
          if (matches) await this.upgradeLegacyHash(entry, password);
        }
        // The password is checked first, so only the device's owner learns that it is disabled.
        if (!matches) result = { ok: false, reason: 'bad_credentials' };
        else if (entry.device.state !== 'active') result = { ok: false, reason: 'disabled' };
        else result = { ok: true, device: { ...entry.device } };
      }
      if (this.versionOf(deviceId) === version) return result;
    }
    return result;
  }

  async find(deviceId: string): Promise<RegisteredDevice | null> {
    const entry = await this.load(deviceId);
    return entry ? { ...entry.device } : null;
  }

  onChange(listener: (deviceId: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  touchLastSeen(deviceId: string, at: number): void {
    const previous = this.pendingLastSeen.get(deviceId);
    if (previous === undefined || at > previous) this.pendingLastSeen.set(deviceId, at);
  }

  /** Writes the batched last-seen times now (also runs every few seconds and on shutdown). */
  flushLastSeen(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (!this.pendingLastSeen.size) return;
      const entries = [...this.pendingLastSeen].map(([id, at]) => ({ id, at }));
      this.pendingLastSeen.clear();
      try {
        await this.repo.touchLastSeen(entries);
      } catch (err) {
        // Keep them for the next flush unless newer times arrived meanwhile.
        for (const { id, at } of entries) if (!this.pendingLastSeen.has(id)) this.pendingLastSeen.set(id, at);
        this.logger.warn(`writing last-seen times of ${entries.length} devices failed (retrying): ${(err as Error).message}`);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.changeFeed?.close();
    this.changeFeed = null;
    await this.flushLastSeen();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  // ---- internals ----

  /** Appends a key event in the caller's transaction and, with a log, commits it there before the transaction commits. */
  private async recordKeyEvent(tx: SqlDatabase, e: Pick<KeyEvent, 'device' | 'event' | 'publicKey' | 'requireSignature'>): Promise<void> {
    const log = this.keyLog;
    const at = log ? log.now() : Date.now();
    const saved = await appendKeyEvent(tx, { ...e, at, rx: log ? at : null });
    if (log) await log.commit([keyEventRecordOf(saved)!]);
  }

  private async patch(id: string, patch: DevicePatch, notify = true): Promise<void> {
    const row = await this.repo.update(id, patch);
    if (!row) throw new DeviceNotFoundError(id);
    this.invalidate(id, notify);
  }

  private slowCheck(entry: CachedDevice, password: string): Promise<boolean> {
    const key = hashDeviceSecret(password);
    let check = entry.checks.get(key);
    if (!check) {
      check = this.scryptSlots.run(entry.device.id, () => verifyDeviceSecret(password, entry.secretHash));
      entry.checks.set(key, check);
      const forget = () => entry.checks.delete(key);
      check.then(forget, forget);
    }
    return check;
  }

  /**
   * Rewrites a device's scrypt hash in the SHA-256 form after it verified. Only if the row
   * still holds the hash that was checked: a rotation that landed meanwhile is kept. A failed
   * write is logged and retried on the next login; the login itself succeeds either way.
   */
  private async upgradeLegacyHash(entry: CachedDevice, password: string): Promise<void> {
    const upgraded = hashDeviceSecret(password);
    try {
      const replaced = await this.repo.replaceSecretHash(entry.device.id, entry.secretHash, upgraded);
      if (replaced && this.cache.get(entry.device.id) === entry) entry.secretHash = upgraded;
    } catch (err) {
      this.logger.warn(`upgrading the stored secret hash of ${entry.device.id} failed (kept the old one): ${(err as Error).message}`);
    }
  }

  private versionOf(id: string): number {
    return this.versions.get(id) ?? 0;
  }

  private invalidate(id: string, notify: boolean, announce = true): void {
    this.versions.set(id, this.versionOf(id) + 1);
    this.cache.delete(id);
    this.loading.delete(id);
    // Listeners hear of an access change now; the old record is no longer worth comparing.
    if (notify) this.lastLoaded.delete(id);
    if (announce) {
      this.store.notify(DEVICE_CHANGES, `${this.instanceId} ${notify ? 1 : 0} ${id}`).catch((err: unknown) => {
        this.logger.warn(`announcing the change of ${id} to other GridProof processes failed: ${(err as Error).message}`);
      });
    }
    if (!notify) return;
    for (const listener of this.listeners) {
      try {
        listener(id);
      } catch (err) {
        this.logger.error(`a registry change listener failed for ${id}: ${(err as Error).message}`);
      }
    }
  }

  private onChangeFeed(payload: string | null): void {
    if (payload === null) {
      this.resync().catch((err: unknown) => this.logger.error(`re-reading devices after a lost change feed failed: ${(err as Error).message}`));
      return;
    }
    const [instance, notify, id] = payload.split(' ', 3);
    if (instance === this.instanceId || !id) return;
    this.invalidate(id, notify === '1', false);
  }

  private remember(id: string, entry: CachedDevice): void {
    this.cache.set(id, entry);
    this.lastLoaded.set(id, entry);
  }

  /** Changes may have been missed: drop every device whose row differs from what was loaded. */
  private async resync(): Promise<void> {
    const rows = new Map((await this.repo.allRows()).map((row) => [row.id, row]));
    for (const [id, entry] of [...this.lastLoaded]) {
      const row = rows.get(id);
      if (!row || row.secretHash !== entry.secretHash || !sameAccess(registeredDevice(row), entry.device)) this.invalidate(id, true, false);
    }
  }

  private load(id: string): Promise<CachedDevice | null> {
    const cached = this.cache.get(id);
    if (cached) return Promise.resolve(cached);
    const inFlight = this.loading.get(id);
    if (inFlight) return inFlight;
    const version = this.versionOf(id);
    const promise = this.repo.findRow(id).then(
      (row) => {
        if (this.loading.get(id) === promise) this.loading.delete(id);
        if (!row) return null;
        const entry: CachedDevice = { device: registeredDevice(row), secretHash: row.secretHash, checks: new Map() };
        if (this.versionOf(id) === version) this.remember(id, entry);
        return entry;
      },
      (err: unknown) => {
        if (this.loading.get(id) === promise) this.loading.delete(id);
        throw err;
      },
    );
    this.loading.set(id, promise);
    return promise;
  }

  private withPendingLastSeen(device: Device): Device {
    const pending = this.pendingLastSeen.get(device.id);
    if (pending === undefined) return device;
    if (device.lastSeenAt && Date.parse(device.lastSeenAt) >= pending) return device;
    return { ...device, lastSeenAt: new Date(pending).toISOString() };
  }
}

function credentialsOf(id: string, password: string): MqttCredentials {
  return { username: id, password, clientId: id };
}

function sameAccess(a: RegisteredDevice, b: RegisteredDevice): boolean {
  return a.type === b.type && a.site === b.site && a.state === b.state && a.publicKey === b.publicKey && a.requireSignature === b.requireSignature;
}

function registeredDevice(row: DeviceRow): RegisteredDevice {
  const type = row.type as DeviceType;
  return {
    id: row.id,
    type,
    family: CATALOGUE[type].family,
    site: row.siteId,
    state: row.state,
    publicKey: row.publicKey,
    requireSignature: row.requireSignature,
  };
}

/** The catalogue's nameplate attributes in metadata (e.g. a PV inverter's rated_power_kwp) must be plausible numbers. */
function refuseBadAttributes(type: DeviceType, metadata: Record<string, unknown> | undefined): void {
  const { problems } = deviceAttributes(type, metadata);
  if (problems.length) throw new InvalidInputError(problems);
}
