import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC } from '@gridproof/metrics';
import { telemetryLine } from '@gridproof/influx';
import { Cleanups, sharedInfluxUrl, startTestInfluxd, TestInfluxd, uniqueName } from '@gridproof/testing';
import { Readings, toIngestRecord } from '@gridproof/telemetry';
import { DurableWriter } from './durable-writer';
import type { IngestOutcome } from './telemetry-sink';
import { Spool } from './spool/spool';
import { encodeEntry } from './spool/spool-format';
import { PipelineHarness, startPipeline, tempSpoolDir, TestDevice, testDevice } from './testing/ingest-test-kit';

/** Waits for a condition the pipeline reaches on its own (a replay, a full spool); never asserts on time. */
async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function storedSeqs(h: PipelineHarness, deviceId: string, family = 'energy'): Promise<number[]> {
  const rows = await h.store.influx.query<{ seq: number }>(`SELECT "seq" FROM "${family}" WHERE "device" = '${deviceId}' ORDER BY time ASC`);
  return rows.map((r) => r.seq);
}

/** One message of the device, ts = t0 + seq, received now. */
function send(h: PipelineHarness, d: TestDevice, seq: number, t0: number): Promise<IngestOutcome> {
  const readings: Readings = d.device.type === 'pv-inverter' ? { ac_power_w: seq } : { power_w: seq };
  return h.pipeline.submit(d.device, d.payload(seq, readings, { ts: t0 + seq }), Date.now());
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe(DurableWriter.name, () => {
  const cleanups = new Cleanups();
  let influx: TestInfluxd;
  beforeAll(async () => {
    influx = await startTestInfluxd();
    cleanups.add(() => influx.dispose());
  });
  afterAll(() => cleanups.run());

  async function pipelineOnOwnInflux(ingest: Parameters<typeof startPipeline>[0]['ingest'] = {}): Promise<PipelineHarness> {
    const spool = tempSpoolDir();
    cleanups.add(() => spool.remove());
    const h = await startPipeline({ influxUrl: influx.url, database: uniqueName('durable'), spoolDir: spool.dir, ingest });
    cleanups.add(() => h.close());
    return h;
  }

  it('spools readings while InfluxDB is down and lands every one exactly once, in order, once it is back', async () => {
    const h = await pipelineOnOwnInflux();
    const meter = testDevice('sm-outage-1', 'smart-meter');
    const inverter = testDevice('inv-outage-1', 'pv-inverter');
    const t0 = Date.now() - 60_000;
    // QoS 1 semantics: the broker acks (and the device sends the next) only once submit settles.
    const publish = async (seq: number) => {
      for (const d of [meter, inverter]) {
        const outcome = await send(h, d, seq, t0);
        expect(outcome.accepted).toBe(true);
      }
    };
    for (const seq of range(1, 20)) await publish(seq);

    await influx.server.stop();
    for (const seq of range(21, 60)) await publish(seq);
    expect(h.pipeline.health()).toMatchObject({ status: 'degraded', influx: 'down', writeMode: 'spooling' });
    expect(h.pipeline.stats().spool.records).toBe(80);
    expect(readdirSync(h.spoolDir).some((f) => f.endsWith('.spool'))).toBe(true);

    await influx.server.start();
    for (const seq of range(61, 70)) await publish(seq);
    await until('the spool to be replayed', () => h.pipeline.stats().writeMode === 'direct');
    await h.pipeline.flush();

    expect(await storedSeqs(h, meter.device.id)).toEqual(range(1, 70));
    expect(await storedSeqs(h, inverter.device.id)).toEqual(range(1, 70));
    const [count] = await h.store.influx.query<{ count: number }>(`SELECT count("seq") FROM "energy"`);
    expect(count.count).toBe(140);
    expect(h.accepted.filter((a) => a.device.id === meter.device.id).map((a) => a.record.seq)).toEqual(range(1, 70));
    expect(h.pipeline.stats().spool).toMatchObject({ bytes: 0, records: 0 });
    expect(readdirSync(h.spoolDir).filter((f) => f.endsWith('.spool'))).toEqual([]);
    expect(h.pipeline.health().status).toBe('up');
  });

  it('pushes back when the spool is full (submit stays pending, gauge, log, health) and drops nothing', async () => {
    const probe = testDevice('sm-full-probe', 'smart-meter');
    const lineBytes = encodeEntry(telemetryLine('energy', { device: 'sm-full-1', site: 'site-1', type: 'smart-meter' }, toIngestRecord(JSON.parse(probe.payload(1, { power_w: 1 }).toString()), Date.now())), 1).length;
    // One batch per reading, so the spool fills entry by entry.
    const h = await pipelineOnOwnInflux({ spoolMaxBytes: lineBytes * 5, batchSize: 1 });
    const meter = testDevice('sm-full-1', 'smart-meter');
    const t0 = Date.now() - 60_000;
    expect((await send(h, meter, 1, t0)).accepted).toBe(true);

    await influx.server.stop();
    for (const seq of range(2, 5)) expect((await send(h, meter, seq, t0)).accepted).toBe(true);
    let settled = false;
    const pushedBack = Promise.all(range(6, 12).map((seq) => send(h, meter, seq, t0))).then((outcomes) => {
      settled = true;
      return outcomes;
    });
    await until('the spool to be full', () => h.pipeline.health().spoolFull);
    expect(settled).toBe(false);
    expect(h.pipeline.health()).toMatchObject({ status: 'degraded', detail: expect.stringMatching(/spool full/) });
    const full = await h.metrics.getSingleMetric(METRIC.spoolFull)!.get();
    expect(full.values[0].value).toBe(1);
    expect(h.logger.lines.filter((l) => l.level === 'error' && /spool is full/.test(l.message))).toHaveLength(1);

    await influx.server.start();
    const outcomes = await pushedBack;
    expect(outcomes.every((o) => o.accepted)).toBe(true);
    await until('the spool to be replayed', () => h.pipeline.stats().writeMode === 'direct');
    await h.pipeline.flush();
    expect(await storedSeqs(h, meter.device.id)).toEqual(range(1, 12));
    expect((await h.metrics.getSingleMetric(METRIC.spoolFull)!.get()).values[0].value).toBe(0);
  });

  it('spools at shutdown what InfluxDB cannot take, acknowledges it, and refuses new messages', async () => {
    const h = await pipelineOnOwnInflux({ flushMs: 60_000 });
    const meter = testDevice('sm-close-1', 'smart-meter');
    const t0 = Date.now() - 60_000;
    const first = send(h, meter, 1, t0);
    await h.pipeline.flush();
    expect((await first).accepted).toBe(true);

    await influx.server.stop();
    // Held in the open batch (flushMs is long) until close() sends it: InfluxDB refuses, the spool takes it.
    const pending = [2, 3].map((seq) => send(h, meter, seq, t0));
    await h.close();
    expect((await Promise.all(pending)).map((o) => o.accepted)).toEqual([true, true]);
    await expect(send(h, meter, 4, t0)).rejects.toThrow(/shutting down/);

    const seen: string[] = [];
    const spool = await Spool.open({ dir: h.spoolDir, maxBytes: 1 << 20 }, (e) => seen.push(...e.body.split('\n')));
    await spool.close();
    expect(seen.map((l) => /seq=(\d+)i/.exec(l)?.[1])).toEqual(['2', '3']);
    await influx.server.start();
  });
});

describe(Spool.name, () => {
  it('replays what an earlier process left at start, skipping a torn tail, and remembers its sequences', async () => {
    const spoolDir = tempSpoolDir();
    const inverter = testDevice('inv-leftover-1', 'pv-inverter');
    const t0 = Date.now() - 60_000;
    const line = (seq: number) =>
      telemetryLine('energy', { device: inverter.device.id, site: 'site-1', type: 'pv-inverter' }, toIngestRecord(JSON.parse(inverter.payload(seq, { ac_power_w: seq }, { ts: t0 + seq }).toString()), t0 + seq));
    const earlier = await Spool.open({ dir: spoolDir.dir, maxBytes: 1 << 20 });
    await earlier.append([line(1), line(2)].join('\n'), 2);
    await earlier.append(line(3), 1);
    await earlier.close();
    // The crash hit while appending seq 4: half an entry, never fsynced, never acknowledged.
    const [segment] = readdirSync(spoolDir.dir);
    appendFileSync(join(spoolDir.dir, segment), encodeEntry(line(4), 1).subarray(0, 30));

    const h = await startPipeline({ influxUrl: sharedInfluxUrl(), database: uniqueName('leftover'), spoolDir: spoolDir.dir });
    try {
      await until('the leftover spool to be replayed', () => h.pipeline.stats().writeMode === 'direct');
      expect(await storedSeqs(h, inverter.device.id)).toEqual([1, 2, 3]);
      expect(h.logger.matching(/torn tail of 30 bytes/)).not.toHaveLength(0);
      expect((await h.metrics.getSingleMetric(METRIC.spoolTorn)!.get()).values[0].value).toBeGreaterThanOrEqual(30);
      // seq 3 is known (spool, then InfluxDB): its redelivery is a duplicate; the torn seq 4 is welcome.
      expect(await send(h, inverter, 3, t0)).toMatchObject({ accepted: false, reason: 'duplicate' });
      expect((await send(h, inverter, 4, t0)).accepted).toBe(true);
      await h.pipeline.flush();
      expect(await storedSeqs(h, inverter.device.id)).toEqual([1, 2, 3, 4]);
    } finally {
      await h.close();
      await h.store.dropDatabase();
      spoolDir.remove();
    }
  });
});

