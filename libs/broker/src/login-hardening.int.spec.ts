import { execFile } from 'node:child_process';
import type { Socket } from 'node:net';
import { sql } from 'drizzle-orm';
import { METRIC } from '@gridproof/metrics';
import { DeviceRegistry, legacyScryptHash, REGISTRY_MIGRATIONS } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { Cleanups } from '@gridproof/testing';
import { DeviceHooks } from './device-hooks';
import { connectDevice, deferred, startTestBroker, TestBroker, testBrokerConfig } from './testing/broker-test-kit';
import { connectPacket, rawSocket, readConnack } from './testing/raw-mqtt';

/** A second loopback address (Linux routes all of 127/8 to lo): the "attacker" in these tests. */
const ATTACKER = '127.0.0.2';

/** One CONNECT over a fresh socket from `from`; the CONNACK return code, the socket closed. */
async function tryLogin(cleanups: Cleanups, port: number, from: string, clientId: string, username: string, password: string): Promise<number> {
  const socket: Socket = await rawSocket(cleanups, port, from);
  try {
    socket.write(connectPacket(clientId, username, password));
    return await readConnack(socket);
  } finally {
    socket.destroy();
  }
}

describe(`${DeviceHooks.name}: logins (issue #13, findings 3 and 4)`, () => {
  const cleanups = new Cleanups();
  let t: TestBroker;

  beforeEach(async () => {
    t = await startTestBroker(cleanups);
    t.directory.add('inv-1', 'secret-1');
  });
  afterEach(() => cleanups.run());

  it('treats 255 refused logins for made-up and real device ids as evidence about the address, never about a device', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 255; i++) {
      // Client id mismatches for 50 devices that do not exist, and wrong passwords for a real one.
      codes.push(i % 5 === 0 ? await tryLogin(cleanups, t.broker.ports.tcp, ATTACKER, 'inv-1', 'inv-1', `guess-${i}`) : await tryLogin(cleanups, t.broker.ports.tcp, ATTACKER, `x${i}`, `ghost-${i % 50}`, 'pw'));
    }
    expect(codes.every((c) => c >= 2 && c <= 5)).toBe(true);
    // No device-scoped evidence: the tampering alert only counts authFailure events.
    expect(t.seen.authFailure).toEqual([]);
    expect(t.seen.loginFailure).toHaveLength(255);
    expect(new Set(t.seen.loginFailure.map((f) => f.address))).toEqual(new Set([ATTACKER]));
    expect(await t.metric(METRIC.mqttLoginFailures, { address: ATTACKER })).toBe(255);
    // After a few free failures the address is throttled: refused before any password check.
    expect(await t.metric(METRIC.mqttAuthFailures, { reason: 'throttled' })).toBeGreaterThan(200);
    // The real device, from its own address, is not affected.
    const device = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
    expect(device.connected).toBe(true);
  });

  it('keeps letting in a device that logged in from an address the throttle later blocks (shared NAT)', async () => {
    expect(await tryLogin(cleanups, t.broker.ports.tcp, ATTACKER, 'inv-1', 'inv-1', 'secret-1')).toBe(0);
    for (let i = 0; i < 10; i++) await tryLogin(cleanups, t.broker.ports.tcp, ATTACKER, `x${i}`, `ghost-${i}`, 'pw');
    t.directory.add('inv-2', 'secret-2');
    // A device never seen from there waits out the backoff (CONNACK 3, server unavailable)...
    expect(await tryLogin(cleanups, t.broker.ports.tcp, ATTACKER, 'inv-2', 'inv-2', 'secret-2')).toBe(3);
    // ...one that logged in from there before does not.
    expect(await tryLogin(cleanups, t.broker.ports.tcp, ATTACKER, 'inv-1', 'inv-1', 'secret-1')).toBe(0);
  });

  it('refuses a login the directory has not decided within the CONNECT timeout with CONNACK 3', async () => {
    const short = await startTestBroker(cleanups, { config: testBrokerConfig({ connectTimeoutMs: 300 }) });
    short.directory.add('inv-1', 'secret-1');
    const gate = deferred<void>();
    cleanups.add(() => gate.resolve());
    short.directory.beforeAnswer = () => gate.promise;
    const started = Date.now();
    expect(await tryLogin(cleanups, short.broker.ports.tcp, '127.0.0.1', 'inv-1', 'inv-1', 'secret-1')).toBe(3);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await short.metric(METRIC.mqttAuthFailures, { reason: 'login_timeout' })).toBe(1);
  });
});

/**
 * A burst of wrong-password logins from another process (so the attacker's half of the
 * sockets does not share the broker's event loop): N sockets from `from`, each sends one
 * CONNECT; resolves with the CONNACK codes (-1: closed without one).
 */
function loginBurstProcess(port: number, from: string, packets: Buffer[]): Promise<number[]> {
  const script = `
    const net = require('node:net');
    const packets = JSON.parse(process.argv[1]).map((h) => Buffer.from(h, 'hex'));
    Promise.all(packets.map((p) => new Promise((resolve) => {
      const s = net.connect({ port: ${port}, host: '127.0.0.1', localAddress: '${from}' });
      let buf = Buffer.alloc(0);
      s.on('connect', () => s.write(p));
      s.on('data', (d) => { buf = Buffer.concat([buf, d]); if (buf.length >= 4) { s.destroy(); resolve(buf[3]); } });
      s.on('error', () => resolve(-1));
      s.on('close', () => resolve(-1));
    }))).then((codes) => { process.stdout.write(JSON.stringify(codes)); });
  `;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script, JSON.stringify(packets.map((p) => p.toString('hex')))], { timeout: 60_000, maxBuffer: 1 << 20 }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout) as number[]),
    );
  });
}

describe('a burst of wrong passwords for a real device (issue #13, finding 4)', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('lets the real device in before the CONNECT timeout while 500 wrong-password logins for its id arrive, its hash still in the old scrypt form', async () => {
    const store = await SqlStore.open({ kind: 'pglite', dir: null });
    cleanups.add(() => store.close());
    await store.migrate(REGISTRY_MIGRATIONS);
    const registry = new DeviceRegistry(store, { lastSeenFlushMs: 3_600_000 });
    cleanups.add(() => registry.close());
    const site = { id: 'site-a', name: 'A', lat: 52.5, lon: 13.4 };
    const { credentials } = await registry.provision({ id: 'inv-7', type: 'pv-inverter', site, requireSignature: false });
    // The state after an upgrade from e23d519: every row in scrypt form until its next login.
    await store.db.execute(sql`update devices set secret_hash = ${await legacyScryptHash(credentials.password)} where id = 'inv-7'`);
    const fresh = new DeviceRegistry(store, { lastSeenFlushMs: 3_600_000 });
    cleanups.add(() => fresh.close());
    await fresh.preload();

    const connectTimeoutMs = 5_000;
    const t = await startTestBroker(cleanups, { directory: fresh, config: testBrokerConfig({ connectTimeoutMs }) });
    const burst = loginBurstProcess(
      t.broker.ports.tcp,
      ATTACKER,
      Array.from({ length: 500 }, (_, i) => connectPacket('inv-7', 'inv-7', `wrong-${i}`)),
    );
    // Let the burst get ahead of the real device.
    await waitUntil(() => t.seen.loginFailure.length >= 3, 30_000);
    const device = await connectDevice(cleanups, t.tcpUrl, 'inv-7', credentials.password, { connectTimeout: connectTimeoutMs });
    expect(device.connected).toBe(true);
    const codes = await burst;
    expect(codes.filter((c) => c === 0)).toEqual([]);
    // Most attempts never reached a password check (on e23d519 each one cost a scrypt).
    expect(await t.metric(METRIC.mqttAuthFailures, { reason: 'throttled' })).toBeGreaterThan(400);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
