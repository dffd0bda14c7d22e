import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { MqttClient } from 'mqtt';
import { METRIC } from '@gridproof/metrics';
import { topics } from '@gridproof/telemetry';
import { Cleanups } from '@gridproof/testing';
import { MqttBroker } from './mqtt-broker';
import { packetLimitFor } from './start-broker';
import {
  connectDevice,
  deferred,
  mosquittoPub,
  once,
  refusedConnack,
  startTestBroker,
  testBrokerConfig,
  TestBroker,
} from './testing/broker-test-kit';
import type { IngestOutcome } from '@gridproof/ingest';

const reading = (device: string, seq: number, readings: Record<string, number> = { ac_power_w: 4210.5, heatsink_temp_c: 48.2 }) =>
  JSON.stringify({ v: 1, device, ts: Date.now(), seq, readings });

describe(MqttBroker.name, () => {
  const cleanups = new Cleanups();
  let t: TestBroker;

  beforeEach(async () => {
    t = await startTestBroker(cleanups);
    t.directory.add('inv-1', 'secret-1');
    t.directory.add('inv-2', 'secret-2');
  });
  afterEach(() => cleanups.run());

  describe('telemetry', () => {
    it('hands a QoS 1 reading from mosquitto_pub to the sink and acknowledges it', async () => {
      const payload = reading('inv-1', 1);
      const result = await mosquittoPub(['-h', '127.0.0.1', '-p', String(t.broker.ports.tcp), '-i', 'inv-1', '-u', 'inv-1', '-P', 'secret-1', '-q', '1', '-t', topics.telemetry('inv-1'), '-m', payload]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(t.sink.of('inv-1').map((s) => s.payload.toString())).toEqual([payload]);
    });

    it('hands a QoS 1 reading from MQTT.js over WebSocket to the sink and acknowledges it', async () => {
      const client = await connectDevice(cleanups, t.wsUrl, 'inv-2', 'secret-2');
      const payload = reading('inv-2', 7);
      const packet = await client.publishAsync(topics.telemetry('inv-2'), payload, { qos: 1 });
      expect(packet?.cmd).toBe('publish');
      expect(t.sink.of('inv-2').map((s) => s.payload.toString())).toEqual([payload]);
    });

    it('tells the device why a payload was rejected on its own errors topic', async () => {
      const client = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      const granted = await client.subscribeAsync(topics.errors('inv-1'), { qos: 1 });
      expect(granted[0].qos).toBe(1);

      const notJson = once<[string, Buffer]>(client, 'message');
      await client.publishAsync(topics.telemetry('inv-1'), 'this is not json', { qos: 1 });
      const [topic, body] = await notJson;
      expect(topic).toBe(topics.errors('inv-1'));
      expect(JSON.parse(body.toString())).toMatchObject({ reason: 'not_json', ts: expect.any(Number) });

      const unknownMetric = once<[string, Buffer]>(client, 'message');
      await client.publishAsync(topics.telemetry('inv-1'), reading('inv-1', 42, { rotor_rpm: 12 }), { qos: 1 });
      const error = JSON.parse((await unknownMetric)[1].toString());
      expect(error.reason).toBe('unknown_metric');
      expect(error.seq).toBe(42);
      expect(error.detail).toContain('rotor_rpm');
    });

    it('holds the PUBACK of a device whose sink is pending while another device keeps publishing', async () => {
      const held = deferred<IngestOutcome>();
      t.sink.behave('inv-1', () => held.promise);
      const slow = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      const fast = await connectDevice(cleanups, t.tcpUrl, 'inv-2', 'secret-2');

      let slowAcked = false;
      const slowPublish = slow.publishAsync(topics.telemetry('inv-1'), reading('inv-1', 1), { qos: 1 }).then(() => (slowAcked = true));
      for (let seq = 1; seq <= 5; seq++) await fast.publishAsync(topics.telemetry('inv-2'), reading('inv-2', seq), { qos: 1 });

      expect(t.sink.of('inv-2')).toHaveLength(5);
      expect(t.sink.of('inv-1')).toHaveLength(1);
      expect(slowAcked).toBe(false);
      held.resolve({ accepted: false, reason: 'clock_skew', detail: 'held on purpose' });
      await slowPublish;
      expect(slowAcked).toBe(true);
    });

    it('does not acknowledge a reading the sink failed on, keeps serving others, and takes the resent copy', async () => {
      let failures = 1;
      t.sink.behave('inv-1', () => {
        if (failures-- > 0) throw new Error('spool disk on fire');
        return Promise.resolve({ accepted: false, reason: 'schema', detail: 'second try reached the sink' });
      });
      // A persistent session (clean: false): the client keeps the unacknowledged message and
      // resends it after reconnecting (MQTT 3.1.1 §4.4).
      const client = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1', { clean: false, reconnectPeriod: 100 });
      const closed = once(client, 'close');
      const payload = reading('inv-1', 1);
      const publish = client.publishAsync(topics.telemetry('inv-1'), payload, { qos: 1 });
      await closed;
      expect(await t.metric(METRIC.mqttSinkFailures)).toBe(1);

      const other = await connectDevice(cleanups, t.tcpUrl, 'inv-2', 'secret-2');
      await other.publishAsync(topics.telemetry('inv-2'), reading('inv-2', 1), { qos: 1 });
      expect(t.sink.of('inv-2')).toHaveLength(1);

      await publish;
      expect(t.sink.of('inv-1').map((s) => s.payload.toString())).toEqual([payload, payload]);
    });

    it('survives a sink that rejects its promise', async () => {
      t.sink.behave('inv-1', () => Promise.reject(new Error('influx and spool both down')));
      const client = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      let acked = false;
      void client.publishAsync(topics.telemetry('inv-1'), reading('inv-1', 1), { qos: 1 }).then(() => (acked = true), () => undefined);
      await once(client, 'close');
      expect(acked).toBe(false);
      expect(await t.metric(METRIC.mqttSinkFailures)).toBe(1);
      const again = await connectDevice(cleanups, t.wsUrl, 'inv-2', 'secret-2');
      await again.publishAsync(topics.telemetry('inv-2'), reading('inv-2', 1), { qos: 1 });
    });
  });

  describe('authentication', () => {
    it('refuses a wrong password with CONNACK 4 and counts it', async () => {
      const result = await mosquittoPub(['-h', '127.0.0.1', '-p', String(t.broker.ports.tcp), '-i', 'inv-1', '-u', 'inv-1', '-P', 'wrong', '-q', '1', '-t', topics.telemetry('inv-1'), '-m', reading('inv-1', 1)]);
      expect(result.code).not.toBe(0);
      expect(result.stderr.toLowerCase()).toContain('bad user name or password');
      expect(t.sink.submissions).toHaveLength(0);
      expect(await t.metric(METRIC.mqttAuthFailures, { reason: 'bad_credentials' })).toBe(1);
      expect(t.seen.loginFailure).toEqual([expect.objectContaining({ claimedId: 'inv-1', address: '127.0.0.1', reason: 'bad_credentials' })]);
      // A refused login is not evidence against the device it names.
      expect(t.seen.authFailure).toEqual([]);
    });

    it('refuses an unknown device with CONNACK 4', async () => {
      expect(await refusedConnack(t.tcpUrl, { clientId: 'ghost-9', username: 'ghost-9', password: 'whatever' })).toBe(4);
      expect(await t.metric(METRIC.mqttAuthFailures, { reason: 'unknown_device' })).toBe(1);
    });

    it('refuses a disabled device with CONNACK 5', async () => {
      t.directory.disable('inv-2');
      expect(await refusedConnack(t.wsUrl, { clientId: 'inv-2', username: 'inv-2', password: 'secret-2' })).toBe(5);
      expect(t.seen.loginFailure).toEqual([expect.objectContaining({ claimedId: 'inv-2', reason: 'disabled' })]);
    });

    it('refuses a client id other than the device id with CONNACK 2, counts it per source address and emits a loginFailure event', async () => {
      expect(await refusedConnack(t.tcpUrl, { clientId: 'someone-else', username: 'inv-1', password: 'secret-1' })).toBe(2);
      expect(await t.metric(METRIC.mqttAuthFailures, { reason: 'client_id_mismatch' })).toBe(1);
      expect(await t.metric(METRIC.mqttLoginFailures, { address: '127.0.0.1' })).toBe(1);
      expect(t.seen.loginFailure).toEqual([expect.objectContaining({ claimedId: 'inv-1', reason: 'client_id_mismatch', at: expect.any(Number) })]);
      expect(t.seen.authFailure).toEqual([]);
    });

    it('refuses a last will on a topic other than the device\'s own status topic', async () => {
      const will = { topic: topics.telemetry('inv-2'), payload: Buffer.from('{}'), qos: 1 as const, retain: false };
      expect(await refusedConnack(t.tcpUrl, { clientId: 'inv-1', username: 'inv-1', password: 'secret-1', will })).toBe(5);
    });

    it('drops a connected device when it is disabled and refuses it afterwards', async () => {
      const client = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      expect(t.broker.onlineDevices()).toEqual(['inv-1']);
      const closed = once(client, 'close');
      t.directory.disable('inv-1');
      await closed;
      expect(t.broker.onlineDevices()).toEqual([]);
      expect(await refusedConnack(t.tcpUrl, { clientId: 'inv-1', username: 'inv-1', password: 'secret-1' })).toBe(5);
    });

    it('closes a session whose device was disabled while its login was being checked', async () => {
      const entered = deferred<void>();
      const gate = deferred<void>();
      t.directory.beforeAnswer = () => {
        entered.resolve();
        return gate.promise;
      };
      const connecting = connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      await entered.promise;
      t.directory.disable('inv-1');
      gate.resolve();
      const client = await connecting;
      await once(client, 'close');
      expect(t.broker.onlineDevices()).toEqual([]);
      expect(t.seen.connectivity.filter((c) => c.online)).toEqual([]);
    });
  });

  describe('authorization', () => {
    it('closes the connection of a device that publishes to another device\'s topic', async () => {
      const client = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      const closed = once(client, 'close');
      client.publish(topics.telemetry('inv-2'), reading('inv-2', 1), { qos: 1 });
      await closed;
      expect(t.sink.submissions).toHaveLength(0);
      expect(await t.metric(METRIC.mqttAuthFailures, { reason: 'topic_denied' })).toBe(1);
      expect(t.seen.authFailure).toEqual([expect.objectContaining({ deviceId: 'inv-1', reason: 'topic_denied' })]);
    });

    it('refuses publishing to its own errors topic', async () => {
      const client = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      const closed = once(client, 'close');
      client.publish(topics.errors('inv-1'), 'spoofed', { qos: 1 });
      await closed;
      expect(await t.metric(METRIC.mqttAuthFailures, { reason: 'topic_denied' })).toBe(1);
    });

    it('refuses subscriptions to another device\'s topics and to wildcards, grants its own', async () => {
      const client = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      const filters = [topics.errors('inv-2'), '#', 'gp/v1/devices/+/errors', topics.telemetry('inv-1'), topics.commands('inv-1'), topics.errors('inv-1')];
      const granted: Record<string, number> = {};
      for (const filter of filters) granted[filter] = await subackCode(client, filter);
      expect(granted).toEqual({
        [topics.errors('inv-2')]: 128,
        '#': 128,
        'gp/v1/devices/+/errors': 128,
        [topics.telemetry('inv-1')]: 128,
        [topics.commands('inv-1')]: 1,
        [topics.errors('inv-1')]: 1,
      });
      expect(await t.metric(METRIC.mqttAuthFailures, { reason: 'subscribe_denied' })).toBe(4);
      // A refused subscription does not end the session.
      await client.publishAsync(topics.telemetry('inv-1'), reading('inv-1', 1), { qos: 1 });
    });
  });

  describe('status', () => {
    it('reports connect, clean disconnect and a lost connection (last will) as connectivity events', async () => {
      const first = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      expect(await t.metric(METRIC.devicesOnline)).toBe(1);
      await first.endAsync();
      const second = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      const gone = new Promise<void>((resolve) => t.events.on('connectivity', (c) => c.cause === 'will' && resolve()));
      second.stream.destroy();
      await gone;
      expect(t.seen.connectivity.map((c) => [c.device.id, c.online, c.cause])).toEqual([
        ['inv-1', true, 'connect'],
        ['inv-1', false, 'disconnect'],
        ['inv-1', true, 'connect'],
        ['inv-1', false, 'will'],
      ]);
      expect(t.seen.connectivity[0].device).toEqual({ id: 'inv-1', type: 'pv-inverter', family: 'energy', site: 'site-a' });
      expect(await t.metric(METRIC.devicesOnline)).toBe(0);
    });

    it('accepts "online"/"offline" on the device\'s status topic and answers anything else on its errors topic', async () => {
      const client = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      await client.subscribeAsync(topics.errors('inv-1'), { qos: 1 });
      await client.publishAsync(topics.status('inv-1'), 'offline', { qos: 1, retain: true });
      expect(t.seen.connectivity.at(-1)).toMatchObject({ online: false, cause: 'status' });
      const answer = once<[string, Buffer]>(client, 'message');
      await client.publishAsync(topics.status('inv-1'), 'sleeping', { qos: 1 });
      expect(JSON.parse((await answer)[1].toString()).reason).toBe('bad_status');
    });
  });

  describe('limits', () => {
    it('passes a payload a little over the limit to ingest, which says too_large', async () => {
      const client = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      await client.subscribeAsync(topics.errors('inv-1'), { qos: 1 });
      const answer = once<[string, Buffer]>(client, 'message');
      await client.publishAsync(topics.telemetry('inv-1'), Buffer.alloc(16_384 + 100, 0x20), { qos: 1 });
      expect(JSON.parse((await answer)[1].toString()).reason).toBe('too_large');
    });

    it('closes only the client that sends an absurdly large packet', async () => {
      const big = await connectDevice(cleanups, t.tcpUrl, 'inv-1', 'secret-1');
      const other = await connectDevice(cleanups, t.wsUrl, 'inv-2', 'secret-2');
      const closed = once(big, 'close');
      big.publish(topics.telemetry('inv-1'), Buffer.alloc(packetLimitFor(16_384) + 1, 0x20), { qos: 1 });
      await closed;
      expect(t.sink.of('inv-1')).toHaveLength(0);
      expect(await t.metric(METRIC.mqttClientErrors, { reason: 'packet_too_large' })).toBe(1);
      await other.publishAsync(topics.telemetry('inv-2'), reading('inv-2', 1), { qos: 1 });
    });

    it('closes a raw connection that announces a 256 MB packet before its body arrives', async () => {
      const socket = await rawSocket(t.broker.ports.tcp);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      // PUBLISH, Remaining Length 268,435,455 (the MQTT maximum): 0xff 0xff 0xff 0x7f.
      socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
      await closed;
      expect(await t.metric(METRIC.mqttClientErrors, { reason: 'packet_too_large' })).toBe(1);
    });

    it('closes only the connection that sends a malformed packet', async () => {
      const other = await connectDevice(cleanups, t.tcpUrl, 'inv-2', 'secret-2');
      const socket = await rawSocket(t.broker.ports.tcp);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      // CONNECT whose protocol name is garbage.
      socket.write(Buffer.from([0x10, 0x0a, 0x00, 0x04, 0x51, 0x51, 0x51, 0x51, 0x04, 0x02, 0x00, 0x3c]));
      await closed;
      expect(await t.metric(METRIC.mqttClientErrors, { reason: 'protocol' })).toBe(1);
      await other.publishAsync(topics.telemetry('inv-2'), reading('inv-2', 1), { qos: 1 });
    });
  });

  describe('connect timeout', () => {
    it('closes sockets that send half a CONNECT once the configured connect timeout passes, counts them, and keeps serving devices', async () => {
      const short = await startTestBroker(cleanups, { config: testBrokerConfig({ connectTimeoutMs: 300 }) });
      short.directory.add('inv-1', 'secret-1');
      short.directory.add('inv-2', 'secret-2');
      const wsDevice = await connectDevice(cleanups, short.wsUrl, 'inv-2', 'secret-2');
      // A CONNECT (MQTT 3.1.1 §3.1) declaring 40 bytes, of which only the first 10 arrive.
      const half = Buffer.from([0x10, 0x28, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0xc2]);
      const sockets = await Promise.all(Array.from({ length: 5 }, () => rawSocket(short.broker.ports.tcp)));
      const closed = sockets.map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
      for (const s of sockets) s.write(half);
      // A device that completes its CONNECT is served meanwhile and is not cut at the timeout.
      const device = await connectDevice(cleanups, short.tcpUrl, 'inv-1', 'secret-1');
      await Promise.all(closed);
      expect(await short.metric(METRIC.mqttClientErrors, { reason: 'connect_timeout' })).toBe(5);
      await device.publishAsync(topics.telemetry('inv-1'), reading('inv-1', 1), { qos: 1 });
      await wsDevice.publishAsync(topics.telemetry('inv-2'), reading('inv-2', 1), { qos: 1 });
      expect([device.connected, wsDevice.connected]).toEqual([true, true]);
      expect(short.sink.of('inv-1')).toHaveLength(1);
      expect(short.sink.of('inv-2')).toHaveLength(1);
    });
  });

  describe('WebSocket upgrade timeout', () => {
    it('closes a socket that never finishes its HTTP upgrade request after the connect timeout, not up to twice that', async () => {
      const timeoutMs = 1_000;
      const short = await startTestBroker(cleanups, { config: testBrokerConfig({ connectTimeoutMs: timeoutMs }) });
      short.directory.add('inv-1', 'secret-1');
      // Right after start: Node's periodic header check (every timeoutMs since listen) would
      // first see this socket expired at its second round, ≈ 2 × timeoutMs.
      const socket = await rawSocket(short.broker.ports.ws);
      const started = Date.now();
      const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
      socket.write('GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
      const lived = await closed;
      expect(lived).toBeGreaterThanOrEqual(timeoutMs - 50);
      expect(lived).toBeLessThan(1.5 * timeoutMs);
      expect(await short.metric(METRIC.mqttClientErrors, { reason: 'connect_timeout' })).toBe(1);
      // A completed upgrade is not cut at the timeout.
      const device = await connectDevice(cleanups, short.wsUrl, 'inv-1', 'secret-1');
      await new Promise((resolve) => setTimeout(resolve, timeoutMs + 300));
      await device.publishAsync(topics.telemetry('inv-1'), reading('inv-1', 1), { qos: 1 });
      expect(device.connected).toBe(true);
    });
  });

  /** The SUBACK return code of one subscription (0x80 = refused, MQTT 3.1.1 §3.9.3). */
  function subackCode(client: MqttClient, filter: string): Promise<number> {
    return new Promise((resolve) =>
      client.subscribe(filter, { qos: 1 }, (err, granted) =>
        resolve(err ? ((err as Error & { packet?: { granted?: number[] } }).packet?.granted?.[0] ?? -1) : (granted?.[0]?.qos ?? -1)),
      ),
    );
  }

  async function rawSocket(port: number): Promise<Socket> {
    const socket = connectTcp(port, '127.0.0.1');
    socket.on('error', () => undefined);
    cleanups.add(() => socket.destroy());
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    return socket;
  }
});

describe(`${MqttBroker.name} over TLS`, () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('serves devices on the TLS port when certificate paths are configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-tls-'));
    cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const t = await startTestBroker(cleanups, { config: testBrokerConfig({ tls: { port: 0, certPath, keyPath } }) });
    t.directory.add('inv-1', 'secret-1');
    expect(t.broker.ports.tls).toEqual(expect.any(Number));
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${t.broker.ports.tls}`, { clientId: 'inv-1', username: 'inv-1', password: 'secret-1', reconnectPeriod: 0, ca: execFileSync('cat', [certPath]) });
    cleanups.add(() => client.endAsync(true));
    await client.publishAsync(topics.telemetry('inv-1'), reading('inv-1', 1), { qos: 1 });
    expect(t.sink.of('inv-1')).toHaveLength(1);
  });
});
