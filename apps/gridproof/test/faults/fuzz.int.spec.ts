import { connect as tcpConnect } from 'node:net';
import mqtt, { MqttClient } from 'mqtt';
import { privateKeyFromBase64, REJECTION_REASONS, signMessage, topics } from '@gridproof/telemetry';
import { Cleanups, sharedInfluxUrl } from '@gridproof/testing';
import {
  connectPacket,
  DISCONNECT,
  FuzzDevice,
  mutate,
  oversizedHeader,
  PayloadCase,
  payloadCases,
  PINGREQ,
  publishPacket,
  seededRandom,
  subscribePacket,
} from '../../../../libs/testing/src/faults/fuzz-cases';
import { startFaultRig } from '../../../../libs/testing/src/faults/fault-rig';
import { figures, GridProofProcess, metricSum } from '../../../../libs/testing/src/faults/gridproof-process';
import { FleetDevice, fleetDevices, meterPayload, ResendingPublisher } from '../../../../libs/testing/src/faults/qos1-fleet';
import { storedSeqs } from '../../../../libs/testing/src/faults/stored-readings';

const SEED = Number(process.env.GP_FUZZ_SEED ?? 20_261_121);
const MAX_PAYLOAD = 4_096;
const FUZZ_DEVICES = 4;
const KNOWN_CASES = 50_000;
const MUTATED_CASES = 15_000;
const RAW_SOCKETS_STREAM = 3_000; // 10 mutated packets after a valid CONNECT
const RAW_SOCKETS_CONNECT = 3_000; // a mutated CONNECT (+ PUBLISH)
const RAW_SOCKETS_GARBAGE = 1_600; // random bytes, no CONNECT
const RAW_SOCKETS_OVERSIZED = 400; // a header declaring a packet far above the limit
const PACKETS_PER_STREAM = 10;

async function connectClient(url: string, d: FleetDevice): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId: d.id, username: d.id, password: d.password, reconnectPeriod: 0, clean: true });
}

function tryJson(payload: Buffer): { sig?: unknown } | null {
  try {
    const v: unknown = JSON.parse(payload.toString());
    return v !== null && typeof v === 'object' ? (v as { sig?: unknown }) : null;
  } catch {
    return null;
  }
}

/** Publishes every payload at QoS 1 with a window; resolves when all are acknowledged. */
async function publishAll(client: MqttClient, topic: string, cases: PayloadCase[], window = 64): Promise<void> {
  let next = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (next < cases.length && next - done < window) {
        client.publish(topic, cases[next++].payload, { qos: 1 }, (err) => {
          if (err) return reject(err);
          if (++done === cases.length) resolve();
          else pump();
        });
      }
    };
    pump();
  });
}

/**
 * Sends bytes on a fresh socket and half-closes it. 'closed': the broker closed it within
 * 300 ms; 'left': it still waits for the rest of a packet (aedes drops such a socket at its
 * CONNECT timeout, GP_MQTT_CONNECT_TIMEOUT_MS), so the test lets go of it instead of waiting.
 */
function rawSocket(port: number, bytes: Buffer): Promise<'closed' | 'left'> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('left');
    }, 300);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    socket.on('connect', () => socket.end(bytes));
  });
}

/**
 * Issue 8 fuzzing: 100,000 generated malformed inputs against the real GridProof process:
 * payloads through real MQTT sessions (each with the reason it must be rejected with, so the
 * counters can be compared to what was sent), and random or mutated MQTT packets over raw TCP
 * sockets. Throughout, a good device publishes at QoS 1 and every one of its readings lands.
 */
describe('fuzzing the running broker and ingest', () => {
  const cleanups = new Cleanups();
  let app: GridProofProcess;
  let database: string;
  const rand = seededRandom(SEED);

  beforeAll(async () => {
    // No per-device budget: each fuzz device sends ≈16,000 messages as fast as it can, and the
    // test counts every rejection by its own reason (rate_limited has its own test in ingest).
    ({ app, database } = await startFaultRig({ name: 'fuzz', env: { GP_MQTT_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD), GP_INGEST_DEVICE_RATE_PER_S: '0' } }, cleanups));
  });
  afterAll(() => cleanups.run());

  it(`survives 100,000 malformed inputs, counts every rejection by reason, and keeps a good device publishing (seed ${SEED})`, async () => {
    const fleet = fleetDevices('fz', FUZZ_DEVICES + 3);
    const passwords = await app.provision(fleet.requests);
    for (const d of fleet.devices) d.password = passwords.get(d.id)!;
    const [good, other, raw, ...fuzzers] = fleet.devices;

    const goodPublisher = new ResendingPublisher(good, () => app.mqttUrl, 4);
    cleanups.add(() => goodPublisher.close());
    goodPublisher.start();

    // Each fuzz device gets seq 1 accepted first, so a replay of seq 1 is a known case.
    const clients = await Promise.all(fuzzers.map((d) => connectClient(app.mqttUrl, d)));
    cleanups.add(() => Promise.all(clients.map((c) => c.endAsync(true))));
    await Promise.all(clients.map((c, i) => c.publishAsync(topics.telemetry(fuzzers[i].id), meterPayload(fuzzers[i], 1), { qos: 1 })));
    const fuzzDevice = (d: FleetDevice): FuzzDevice => ({ id: d.id, key: privateKeyFromBase64(d.keys.privateKey), otherId: other.id, otherKey: privateKeyFromBase64(other.keys.privateKey) });

    // --- payloads with a known reason ---
    const known = fuzzers.map((d) => payloadCases(rand, fuzzDevice(d), KNOWN_CASES / FUZZ_DEVICES, MAX_PAYLOAD, 'known'));
    const expected = new Map<string, number>();
    for (const c of known.flat()) expected.set(c.expected, (expected.get(c.expected) ?? 0) + 1);
    const m0 = await app.metrics();
    const goodBefore = goodPublisher.acked.size;
    await Promise.all(clients.map((c, i) => publishAll(c, topics.telemetry(fuzzers[i].id), known[i])));
    const m1 = await app.metrics();
    const rejected = (m: Map<string, number>, reason?: string) => metricSum(m, 'gridproof_ingest_rejected_total', reason ? { reason } : {});
    for (const reason of REJECTION_REASONS) {
      expect({ reason, counted: rejected(m1, reason) - rejected(m0, reason) }).toEqual({ reason, counted: expected.get(reason) ?? 0 });
    }
    expect(goodPublisher.acked.size).toBeGreaterThan(goodBefore);

    // --- random byte mutations of valid messages: rejected for whatever reason applies ---
    const mutated = fuzzers.map((d) => payloadCases(rand, fuzzDevice(d), MUTATED_CASES / FUZZ_DEVICES, MAX_PAYLOAD, 'mutated', 10_000_000));
    const goodBeforeMutated = goodPublisher.acked.size;
    await Promise.all(clients.map((c, i) => publishAll(c, topics.telemetry(fuzzers[i].id), mutated[i])));
    const m2 = await app.metrics();
    expect(goodPublisher.acked.size).toBeGreaterThan(goodBeforeMutated);
    // Every mutation is rejected. The only mutations that keep a message's bytes respell its
    // signature (RFC 4648 §3.5: the pad bits of the last character before "==", or the
    // padding): those are refused as signature_encoding, so the stored sig is always the
    // device's own text.
    const stored = await storedSeqs(sharedInfluxUrl(), database);
    const acceptedMutations = fuzzers.flatMap((d) => (stored.get(d.id) ?? []).filter((s) => s !== 1));
    expect(acceptedMutations).toEqual([]);
    expect(rejected(m2) - rejected(m1)).toBe(MUTATED_CASES);
    const respelled = mutated.flat().filter((c) => {
      const sent = tryJson(c.payload);
      const orig = JSON.parse(c.original!.toString()) as { sig: string };
      return sent !== null && typeof sent.sig === 'string' && sent.sig !== orig.sig && Buffer.from(sent.sig, 'base64').equals(Buffer.from(orig.sig, 'base64')) && JSON.stringify({ ...sent, sig: 0 }) === JSON.stringify({ ...orig, sig: 0 });
    }).length;
    expect(rejected(m2, 'signature_encoding') - rejected(m1, 'signature_encoding')).toBeGreaterThanOrEqual(respelled);

    // --- topic names: publishing outside its own topics closes the session, counted ---
    const topicCases = ['gp/v1/devices/' + other.id + '/telemetry', 'gp/v1/devices/' + fuzzers[0].id + '/commands', 'gp/v1/devices//telemetry', 'gp/v2/x', 'a'.repeat(300), 'gp/v1/devices/' + fuzzers[0].id + '/telemetry/extra', ' ', 'ü/ß/€'];
    const deniedBefore = metricSum(m2, 'gridproof_mqtt_auth_failures_total', { reason: 'topic_denied' });
    for (const topic of topicCases) {
      const c = await connectClient(app.mqttUrl, fuzzers[0]);
      const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
      c.publish(topic, meterPayload(fuzzers[0], 1), { qos: 1 });
      await closed;
      c.end(true);
    }
    const m3 = await app.metrics();
    expect(metricSum(m3, 'gridproof_mqtt_auth_failures_total', { reason: 'topic_denied' }) - deniedBefore).toBe(topicCases.length);

    // --- raw MQTT byte streams over many short TCP sockets ---
    const validConnect = connectPacket(raw.id, raw.id, raw.password);
    const packets = () => [
      publishPacket(topics.telemetry(raw.id), Buffer.from(meterPayload(raw, 100 + Math.floor(rand() * 1e6))), 1, 1 + Math.floor(rand() * 65_535)),
      publishPacket(topics.telemetry(raw.id), Buffer.from(meterPayload(raw, 5)), 0),
      publishPacket(topics.telemetry(other.id), Buffer.from('{}'), 1, 7),
      subscribePacket(topics.commands(raw.id)),
      subscribePacket('#'),
      PINGREQ,
      DISCONNECT,
    ];
    const jobs: Array<{ kind: string; bytes: Buffer; inputs: number }> = [];
    for (let i = 0; i < RAW_SOCKETS_STREAM; i++) {
      const list = packets();
      const stream = Array.from({ length: PACKETS_PER_STREAM }, () => mutate(rand, list[Math.floor(rand() * list.length)], 3));
      jobs.push({ kind: 'stream', bytes: Buffer.concat([validConnect, ...stream]), inputs: PACKETS_PER_STREAM });
    }
    for (let i = 0; i < RAW_SOCKETS_CONNECT; i++) {
      jobs.push({ kind: 'connect', bytes: Buffer.concat([mutate(rand, validConnect, 3), packets()[0]]), inputs: 1 });
    }
    for (let i = 0; i < RAW_SOCKETS_GARBAGE; i++) {
      jobs.push({ kind: 'garbage', bytes: Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 512) }, () => Math.floor(rand() * 256))), inputs: 1 });
    }
    for (let i = 0; i < RAW_SOCKETS_OVERSIZED; i++) {
      jobs.push({ kind: 'oversized', bytes: Buffer.concat([validConnect, oversizedHeader(rand)]), inputs: 1 });
    }
    const tooLargeBefore = metricSum(m3, 'gridproof_mqtt_client_errors_total', { reason: 'packet_too_large' });
    const goodBeforeRaw = goodPublisher.acked.size;
    const outcomes = { closed: 0, left: 0 };
    const stalledKinds: Record<string, number> = {};
    let nextJob = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (nextJob < jobs.length) {
          const job = jobs[nextJob++];
          const o = await rawSocket(app.ports.mqtt, job.bytes);
          outcomes[o]++;
          if (o === 'left') stalledKinds[job.kind] = (stalledKinds[job.kind] ?? 0) + 1;
        }
      }),
    );
    figures('fuzz-raw', { ...outcomes, kinds: JSON.stringify(stalledKinds), at: Date.now() });
    const m4 = await app.metrics();
    expect(app.running).toBe(true);
    // Every oversized header is counted; random length bytes in the other streams add more.
    expect(metricSum(m4, 'gridproof_mqtt_client_errors_total', { reason: 'packet_too_large' }) - tooLargeBefore).toBeGreaterThanOrEqual(RAW_SOCKETS_OVERSIZED);
    expect(goodPublisher.acked.size).toBeGreaterThan(goodBeforeRaw);

    // Still serving: a fresh session publishes and is acknowledged; the good device's readings all landed.
    const after = await connectClient(app.mqttUrl, fuzzers[1]);
    await after.publishAsync(topics.telemetry(fuzzers[1].id), JSON.stringify(signMessage({ v: 1 as const, device: fuzzers[1].id, ts: Date.now(), seq: 99_000_000, readings: { power_w: 1 } }, privateKeyFromBase64(fuzzers[1].keys.privateKey))), { qos: 1 });
    await after.endAsync();
    await goodPublisher.drain();
    const final = await storedSeqs(sharedInfluxUrl(), database);
    expect(final.get(fuzzers[1].id)).toContain(99_000_000);
    expect(new Set(final.get(good.id))).toEqual(goodPublisher.acked);
    expect(goodPublisher.reconnects).toBe(0);
    expect((await app.health()).status).not.toBe('down');

    const inputs = KNOWN_CASES + MUTATED_CASES + topicCases.length + jobs.reduce((n, j) => n + j.inputs, 0);
    expect(inputs).toBeGreaterThanOrEqual(100_000);
    figures('fuzz', {
      seed: SEED,
      inputs,
      knownPayloads: KNOWN_CASES,
      mutatedPayloads: MUTATED_CASES,
      acceptedMutations: acceptedMutations.length,
      respelledSignatures: respelled,
      rawSockets: jobs.length,
      rawClosedByBroker: outcomes.closed,
      rawLeftWaiting: outcomes.left,
      rawInputs: jobs.reduce((n, j) => n + j.inputs, 0),
      goodReadings: goodPublisher.acked.size,
      rejectedByReason: JSON.stringify(Object.fromEntries(REJECTION_REASONS.map((r) => [r, rejected(m4, r)]))),
      clientErrors: JSON.stringify(Object.fromEntries(['packet_too_large', 'protocol', 'timeout', 'connect_timeout', 'socket'].map((r) => [r, metricSum(m4, 'gridproof_mqtt_client_errors_total', { reason: r })]))),
      authFailures: metricSum(m4, 'gridproof_mqtt_auth_failures_total'),
    });
  }, 150_000);
});
