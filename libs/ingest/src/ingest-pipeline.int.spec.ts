import { METRIC } from '@gridproof/metrics';
import { Cleanups, sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { REJECTION_REASONS } from '@gridproof/telemetry';
import { IngestPipeline } from './ingest-pipeline';
import { WorkerPoolVerifier } from './signatures/worker-pool-verifier';
import { PipelineHarness, startPipeline, tempSpoolDir, testDevice } from './testing/ingest-test-kit';

describe(IngestPipeline.name, () => {
  const cleanups = new Cleanups();
  let h: PipelineHarness;
  let database: string;
  let spoolDir: string;

  beforeAll(async () => {
    database = uniqueName('ingest');
    const spool = tempSpoolDir();
    cleanups.add(() => spool.remove());
    spoolDir = spool.dir;
    h = await startPipeline({ influxUrl: sharedInfluxUrl(), database, spoolDir, ingest: { maxFutureSkewMs: 60_000 } });
    cleanups.add(() => h.store.dropDatabase());
    cleanups.add(() => h.close());
  });
  afterAll(() => cleanups.run());

  async function rejectedCount(reason: string): Promise<number> {
    const metric = await h.metrics.getSingleMetric(METRIC.ingestRejected)!.get();
    return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  }

  describe('accept', () => {
    it('stores an accepted reading in its family measurement with device, site and type tags and every field', async () => {
      const inv = testDevice('inv-accept-1', 'pv-inverter', { site: 'roof, north=1' });
      const ts = Date.now() - 1_000;
      const outcome = await h.pipeline.submit(inv.device, inv.payload(7, { ac_power_w: 4210.5, heatsink_temp_c: 48 }, { ts }), ts + 20);
      expect(outcome.accepted).toBe(true);

      const rows = await h.store.influx.query<Record<string, unknown>>(`SELECT * FROM "energy" WHERE "device" = 'inv-accept-1'`);
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect((row.time as Date).getTime()).toBe(ts);
      expect(row.site).toBe('roof, north=1');
      expect(row.type).toBe('pv-inverter');
      expect(row.ac_power_w).toBe(4210.5);
      expect(row.heatsink_temp_c).toBe(48);
      expect(row.seq).toBe(7);
      expect(row.rx).toBe(ts + 20);
      expect(typeof row.sig).toBe('string');
      expect(row.sig).toBe(JSON.parse(inv.payload(7, { ac_power_w: 4210.5, heatsink_temp_c: 48 }, { ts }).toString()).sig);

      const fieldTypes = await h.store.influx.query<{ fieldKey: string; fieldType: string }>(`SHOW FIELD KEYS FROM "energy"`);
      const typeOf = (k: string) => fieldTypes.find((f) => f.fieldKey === k)?.fieldType;
      expect(typeOf('seq')).toBe('integer');
      expect(typeOf('rx')).toBe('integer');
      expect(typeOf('heatsink_temp_c')).toBe('float');
      expect(typeOf('sig')).toBe('string');
    });

    it('stores enum metrics as strings and omits sig for a device allowed to send unsigned', async () => {
      const ev = testDevice('evc-accept-1', 'ev-charger', { requireSignature: false });
      const ts = Date.now();
      const outcome = await h.pipeline.submit(ev.device, ev.payload(1, { status: 'Charging', power_w: 7200 }, { ts, unsigned: true }), ts);
      expect(outcome).toMatchObject({ accepted: true, record: { sig: null, seq: 1 } });
      const points = await h.store.telemetry({ deviceId: 'evc-accept-1', from: ts - 1, to: ts + 1 });
      expect(points).toHaveLength(1);
      expect(points[0]).toMatchObject({ family: 'charging', seq: 1, sig: null, readings: { status: 'Charging', power_w: 7200 } });
    });

    it("emits 'accepted' in ingest order after the readings are durable", async () => {
      const wx = testDevice('wx-order-1', 'weather');
      const before = h.accepted.length;
      const ts = Date.now();
      const outcomes = await Promise.all([1, 2, 3, 4, 5].map((seq) => h.pipeline.submit(wx.device, wx.payload(seq, { temp_c: seq }, { ts: ts + seq }), ts)));
      expect(outcomes.every((o) => o.accepted)).toBe(true);
      const mine = h.accepted.slice(before).filter((a) => a.device.id === 'wx-order-1');
      expect(mine.map((a) => a.record.seq)).toEqual([1, 2, 3, 4, 5]);
      const stored = await h.store.telemetry({ deviceId: 'wx-order-1', from: ts, to: ts + 10 });
      expect(stored.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5]);
    });

    it('stamps rx through the stampRx hook', async () => {
      const spool = tempSpoolDir();
      const other = await startPipeline({ influxUrl: sharedInfluxUrl(), database, spoolDir: spool.dir, pipeline: { stampRx: (t) => t + 1_000 } });
      try {
        const aq = testDevice('aq-rx-1', 'air-quality');
        const ts = Date.now();
        const outcome = await other.pipeline.submit(aq.device, aq.payload(1, { pm25_ugm3: 12 }, { ts }), ts + 5);
        expect(outcome).toMatchObject({ accepted: true, record: { rx: ts + 1_005 } });
      } finally {
        await other.close();
        spool.remove();
      }
    });

    it('verifies signatures on a worker-thread pool', async () => {
      const spool = tempSpoolDir();
      const verifier = new WorkerPoolVerifier({ size: 2 });
      const other = await startPipeline({ influxUrl: sharedInfluxUrl(), database, spoolDir: spool.dir, pipeline: { verifier } });
      try {
        const good = testDevice('inv-pool-1', 'pv-inverter');
        const thief = testDevice('inv-pool-2', 'pv-inverter');
        const ts = Date.now();
        const results = await Promise.all([
          other.pipeline.submit(good.device, good.payload(1, { ac_power_w: 1 }, { ts }), ts),
          other.pipeline.submit(good.device, good.payload(2, { ac_power_w: 2 }, { ts: ts + 1, signWith: thief.privateKey }), ts),
          other.pipeline.submit(good.device, good.payload(3, { ac_power_w: 3 }, { ts: ts + 2 }), ts),
        ]);
        expect(results.map((r) => (r.accepted ? 'ok' : r.reason))).toEqual(['ok', 'bad_signature', 'ok']);
      } finally {
        await other.close();
        spool.remove();
      }
    });
  });

  describe('reject', () => {
    const meter = testDevice('sm-reject-1', 'smart-meter');
    const aq = testDevice('aq-reject-1', 'air-quality');
    const other = testDevice('sm-reject-2', 'smart-meter');
    const unsigned = testDevice('sm-reject-3', 'smart-meter');
    let seq = 100;

    const raw = (text: string) => Buffer.from(text);
    const respell = (payload: Buffer, change: (sig: string) => string) => {
      const message = JSON.parse(payload.toString()) as { sig: string };
      return Buffer.from(JSON.stringify({ ...message, sig: change(message.sig) }));
    };
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const flipLowBit = (c: string) => ALPHABET[ALPHABET.indexOf(c) ^ 1];
    const cases: Array<[string, string, () => Buffer]> = [
      ['not JSON', 'not_json', () => raw('{"v":1,"device":')],
      ['wrong schema', 'schema', () => raw(JSON.stringify({ v: 1, device: meter.device.id, ts: Date.now(), readings: { power_w: 1 } }))],
      ['an unknown metric', 'unknown_metric', () => meter.payload(++seq, { warp_factor: 9 })],
      ['NaN', 'non_finite', () => raw(`{"v":1,"device":"${meter.device.id}","ts":${Date.now()},"seq":${++seq},"readings":{"power_w":NaN}}`)],
      ['Infinity', 'non_finite', () => raw(`{"v":1,"device":"${meter.device.id}","ts":${Date.now()},"seq":${++seq},"readings":{"power_w":1e999}}`)],
      ['a physically impossible value (50 kV household meter)', 'out_of_range', () => meter.payload(++seq, { voltage_v: 50_000 })],
      ['an oversized payload', 'too_large', () => raw(JSON.stringify({ pad: 'x'.repeat(20_000) }))],
      ['a bad signature', 'bad_signature', () => Buffer.from(JSON.stringify({ ...JSON.parse(meter.payload(++seq, { power_w: 5 }).toString()), readings: { power_w: 6 } }))],
      ["a signature by another device's key", 'bad_signature', () => meter.payload(++seq, { power_w: 5 }, { signWith: other.privateKey })],
      ['a valid signature in non-canonical base64 (pad bits set: same bytes, other text)', 'signature_encoding', () => respell(meter.payload(++seq, { power_w: 5 }), (sig) => sig.slice(0, 85) + flipLowBit(sig[85]) + '==')],
      ['a valid signature without its "==" padding', 'signature_encoding', () => respell(meter.payload(++seq, { power_w: 5 }), (sig) => sig.slice(0, 86))],
      ['a signature that is not 64 bytes of base64', 'signature_encoding', () => respell(meter.payload(++seq, { power_w: 5 }), () => 'AAAA')],
      ['a missing signature', 'missing_signature', () => meter.payload(++seq, { power_w: 5 }, { unsigned: true })],
      ['a timestamp far in the future', 'clock_skew', () => meter.payload(++seq, { power_w: 5 }, { ts: Date.now() + 3_600_000 })],
      ['a timestamp beyond the backfill window', 'clock_skew', () => meter.payload(++seq, { power_w: 5 }, { ts: Date.now() - 8 * 24 * 3_600_000 })],
    ];

    it.each(cases)('rejects %s with its own reason and counter, and a good device is still accepted', async (_name, reason, payload) => {
      const countBefore = await rejectedCount(reason);
      const eventsBefore = h.rejected.length;
      const outcome = await h.pipeline.submit(meter.device, payload(), Date.now());
      expect(outcome).toMatchObject({ accepted: false, reason });
      expect(await rejectedCount(reason)).toBe(countBefore + 1);
      expect(h.rejected.slice(eventsBefore)).toEqual([expect.objectContaining({ deviceId: meter.device.id, reason })]);

      const good = await h.pipeline.submit(aq.device, aq.payload(++seq, { pm25_ugm3: 8 }), Date.now());
      expect(good.accepted).toBe(true);
    });

    it('answers an exact QoS 1 redelivery as duplicate, apart from replays, and stores it once', async () => {
      const ts = Date.now();
      const first = meter.payload(5_000, { power_w: 10 }, { ts });
      const second = meter.payload(5_001, { power_w: 11 }, { ts: ts + 1 });
      expect((await h.pipeline.submit(meter.device, first, ts)).accepted).toBe(true);
      expect((await h.pipeline.submit(meter.device, second, ts + 1)).accepted).toBe(true);
      const duplicates = () => h.metrics.getSingleMetric(METRIC.ingestDuplicates)!.get().then((m) => m.values[0]?.value ?? 0);
      const [dupBefore, replayBefore, dupTotalBefore] = [await rejectedCount('duplicate'), await rejectedCount('replayed_sequence'), await duplicates()];
      // The device lost both PUBACKs and resends both, byte for byte (and once re-serialised).
      expect(await h.pipeline.submit(meter.device, first, ts + 10)).toMatchObject({ accepted: false, reason: 'duplicate' });
      const reordered = Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(second.toString()) as object).reverse())));
      expect(await h.pipeline.submit(meter.device, reordered, ts + 10)).toMatchObject({ accepted: false, reason: 'duplicate' });
      expect([await rejectedCount('duplicate'), await rejectedCount('replayed_sequence'), await duplicates()]).toEqual([dupBefore + 2, replayBefore, dupTotalBefore + 2]);
      const stored = await h.store.telemetry({ deviceId: meter.device.id, from: ts - 1, to: ts + 2 });
      expect(stored.map((p) => [p.seq, p.rx])).toEqual([
        [5_000, ts],
        [5_001, ts + 1],
      ]);
    });

    it('rejects a replay (an accepted seq with other content, or an older seq never seen) as replayed_sequence', async () => {
      const ts = Date.now();
      expect((await h.pipeline.submit(meter.device, meter.payload(6_000, { power_w: 10 }, { ts }), ts)).accepted).toBe(true);
      const [dupBefore, replayBefore] = [await rejectedCount('duplicate'), await rejectedCount('replayed_sequence')];
      expect(await h.pipeline.submit(meter.device, meter.payload(6_000, { power_w: 99 }, { ts }), ts + 10)).toMatchObject({ accepted: false, reason: 'replayed_sequence' });
      expect(await h.pipeline.submit(meter.device, meter.payload(6_000, { power_w: 10 }, { ts: ts + 5 }), ts + 10)).toMatchObject({ accepted: false, reason: 'replayed_sequence' });
      expect(await h.pipeline.submit(meter.device, meter.payload(5_999, { power_w: 10 }, { ts: ts - 1 }), ts + 10)).toMatchObject({ accepted: false, reason: 'replayed_sequence' });
      expect([await rejectedCount('duplicate'), await rejectedCount('replayed_sequence')]).toEqual([dupBefore, replayBefore + 3]);
      const stored = await h.store.telemetry({ deviceId: meter.device.id, from: ts - 1, to: ts + 6 });
      expect(stored.map((p) => [p.seq, p.readings.power_w])).toEqual([[6_000, 10]]);
    });

    it('names the seq of a rejected message in its outcome, for the broker to echo on the errors topic', async () => {
      const ts = Date.now();
      expect((await h.pipeline.submit(meter.device, meter.payload(7_000, { power_w: 10 }, { ts }), ts)).accepted).toBe(true);
      // Rejected after parsing (the parsed seq), while parsing (looked up in the payload), and
      // before parsing (disabled device); none when the payload names no usable seq.
      expect(await h.pipeline.submit(meter.device, meter.payload(6_999, { power_w: 10 }, { ts: ts - 1 }), ts + 10)).toMatchObject({ reason: 'replayed_sequence', seq: 6_999 });
      expect(await h.pipeline.submit(meter.device, meter.payload(7_001, { rotor_rpm: 12 }), ts + 10)).toMatchObject({ reason: 'unknown_metric', seq: 7_001 });
      expect(await h.pipeline.submit({ ...meter.device, state: 'disabled' }, meter.payload(7_002, { power_w: 1 }), ts + 10)).toMatchObject({ reason: 'device_disabled', seq: 7_002 });
      expect(await h.pipeline.submit(meter.device, raw('{"seq": 1.5}'), ts + 10)).not.toHaveProperty('seq');
      expect(await h.pipeline.submit(meter.device, raw('not json'), ts + 10)).not.toHaveProperty('seq');
    });

    it("rejects a reading whose ts is not above the device's last accepted ts, so no stored point is overwritten", async () => {
      const wx = testDevice('wx-ts-1', 'weather');
      const ts = Date.now() - 5_000;
      expect((await h.pipeline.submit(wx.device, wx.payload(1, { temp_c: 1 }, { ts }), ts)).accepted).toBe(true);
      const before = await rejectedCount('ts_not_increasing');
      const eventsBefore = h.rejected.length;
      // InfluxDB keys a point by measurement, tags and time: the same ts would replace seq 1.
      expect(await h.pipeline.submit(wx.device, wx.payload(2, { temp_c: 2 }, { ts }), ts + 10)).toMatchObject({ accepted: false, reason: 'ts_not_increasing' });
      expect(await h.pipeline.submit(wx.device, wx.payload(3, { temp_c: 3 }, { ts: ts - 1 }), ts + 10)).toMatchObject({ accepted: false, reason: 'ts_not_increasing' });
      expect(await h.pipeline.submit(wx.device, wx.payload(4, { temp_c: 4 }, { ts: ts + 1 }), ts + 10)).toMatchObject({ accepted: true });
      expect(await rejectedCount('ts_not_increasing')).toBe(before + 2);
      expect(h.rejected.slice(eventsBefore).map((r) => [r.deviceId, r.reason])).toEqual([
        ['wx-ts-1', 'ts_not_increasing'],
        ['wx-ts-1', 'ts_not_increasing'],
      ]);
      expect(h.logger.matching(/device wx-ts-1: ts_not_increasing/)).toHaveLength(1);
      const stored = await h.store.telemetry({ deviceId: 'wx-ts-1', from: ts - 10, to: ts + 10 });
      expect(stored.map((p) => [p.ts - ts, p.seq, p.readings.temp_c])).toEqual([
        [0, 1, 1],
        [1, 4, 4],
      ]);
    });

    it('rejects a message of a disabled device', async () => {
      const outcome = await h.pipeline.submit({ ...unsigned.device, state: 'disabled' }, unsigned.payload(1, { power_w: 1 }), Date.now());
      expect(outcome).toMatchObject({ accepted: false, reason: 'device_disabled' });
    });

    it('logs a flood of rejections once per reason and interval, naming device and reason', async () => {
      const flood = testDevice('sm-flood-1', 'smart-meter');
      const before = h.logger.matching(/sm-flood-1/).length;
      for (let i = 0; i < 200; i++) await h.pipeline.submit(flood.device, Buffer.from('garbage'), Date.now());
      // 'not JSON' above already logged this reason within the interval: the flood adds nothing.
      expect(h.logger.matching(/sm-flood-1/).length).toBe(before);
      const notJson = h.logger.matching(/: not_json/);
      expect(notJson).toHaveLength(1);
      expect(notJson[0].message).toMatch(/device sm-reject-1: not_json/);
      expect(await rejectedCount('not_json')).toBeGreaterThanOrEqual(201);
    });

    it('counts every rejection reason from zero', async () => {
      const metric = await h.metrics.getSingleMetric(METRIC.ingestRejected)!.get();
      expect(metric.values.map((v) => v.labels.reason).sort()).toEqual([...REJECTION_REASONS].sort());
    });
  });

  describe('per-device budget', () => {
    it('rejects what a device sends beyond its budget as rate_limited, counts it, and leaves other devices alone', async () => {
      const spool = tempSpoolDir();
      const own = await startPipeline({ influxUrl: sharedInfluxUrl(), database: uniqueName('ingest_rate'), spoolDir: spool.dir, ingest: { deviceRatePerS: 1, deviceBurst: 10 } });
      try {
        const noisy = testDevice('sm-rate-1', 'smart-meter');
        const quiet = testDevice('sm-rate-2', 'smart-meter');
        const ts = Date.now() - 60_000;
        const outcomes = [];
        for (let seq = 1; seq <= 30; seq++) outcomes.push(await own.pipeline.submit(noisy.device, noisy.payload(seq, { power_w: seq }, { ts: ts + seq }), Date.now()));
        expect(outcomes.filter((o) => o.accepted)).toHaveLength(10);
        const limited = outcomes.filter((o) => !o.accepted);
        expect(limited.length).toBeGreaterThanOrEqual(19);
        expect(limited[0]).toMatchObject({ reason: 'rate_limited', detail: expect.stringContaining('1 messages/s (burst 10)') });
        const counter = await own.metrics.getSingleMetric(METRIC.ingestRejected)!.get();
        expect(counter.values.find((v) => v.labels.reason === 'rate_limited')?.value).toBe(limited.length);
        expect((await own.pipeline.submit(quiet.device, quiet.payload(1, { power_w: 1 }, { ts }), Date.now())).accepted).toBe(true);
      } finally {
        await own.close();
        await own.store.dropDatabase();
        spool.remove();
      }
    });
  });

  describe('log lines', () => {
    it('escapes newlines and ANSI escapes in a device-supplied metric name before logging the rejection', async () => {
      const spool = tempSpoolDir();
      const own = await startPipeline({ influxUrl: sharedInfluxUrl(), database: uniqueName('ingest_log'), spoolDir: spool.dir });
      try {
        const device = testDevice('sm-log-1', 'smart-meter');
        const forged = 'x\n[Nest] 1  - ERROR forged\u001b[31m';
        const outcome = await own.pipeline.submit(device.device, device.payload(1, { [forged]: 1 }), Date.now());
        expect(outcome.accepted).toBe(false);
        const lines = own.logger.matching(/sm-log-1/);
        expect(lines).toHaveLength(1);
        expect(lines[0].message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        expect(lines[0].message).toContain('x\\u000a[Nest] 1  - ERROR forged\\u001b[31m');
      } finally {
        await own.close();
        await own.store.dropDatabase();
        spool.remove();
      }
    });
  });

  describe('restart', () => {
    it('reloads the last seq from InfluxDB, so a redelivered seq after a restart is not stored twice', async () => {
      const bat = testDevice('bat-restart-1', 'battery');
      const ts = Date.now();
      expect((await h.pipeline.submit(bat.device, bat.payload(41, { soc_pct: 50 }, { ts }), ts)).accepted).toBe(true);
      expect((await h.pipeline.submit(bat.device, bat.payload(42, { soc_pct: 51 }, { ts: ts + 1 }), ts + 1)).accepted).toBe(true);

      const spool = tempSpoolDir();
      const next = await startPipeline({ influxUrl: sharedInfluxUrl(), database, spoolDir: spool.dir });
      try {
        // The process died before its PUBACK: the device resends seq 42, the same message.
        const again = await next.pipeline.submit(bat.device, bat.payload(42, { soc_pct: 51 }, { ts: ts + 1 }), ts + 500);
        expect(again).toMatchObject({ accepted: false, reason: 'duplicate' });
        expect(await next.pipeline.submit(bat.device, bat.payload(42, { soc_pct: 7 }, { ts: ts + 1 }), ts + 500)).toMatchObject({ accepted: false, reason: 'replayed_sequence' });
        // The last ts is recovered with the seq: a new seq at the stored ts would overwrite seq 42.
        expect(await next.pipeline.submit(bat.device, bat.payload(43, { soc_pct: 99 }, { ts: ts + 1 }), ts + 550)).toMatchObject({ accepted: false, reason: 'ts_not_increasing' });
        expect((await next.pipeline.submit(bat.device, bat.payload(43, { soc_pct: 52 }, { ts: ts + 2 }), ts + 600)).accepted).toBe(true);
      } finally {
        await next.close();
        spool.remove();
      }
      const stored = await h.store.telemetry({ deviceId: bat.device.id, from: ts, to: ts + 3 });
      expect(stored.map((p) => [p.seq, p.rx])).toEqual([
        [41, ts],
        [42, ts + 1],
        [43, ts + 600],
      ]);
    });
  });

  describe('stats', () => {
    it('reports readings per second and writes gp_ingest and gp_rejections to InfluxDB', async () => {
      const snapshot = h.pipeline.stats();
      expect(snapshot.accepted).toBeGreaterThan(0);
      expect(snapshot.rejectedByReason.not_json).toBeGreaterThan(0);
      await h.pipeline.writeStatsNow();
      const ingest = await h.store.influx.query<{ accepted: number; readings_per_s: number }>(`SELECT * FROM "gp_ingest"`);
      expect(ingest).toHaveLength(1);
      expect(ingest[0].accepted).toBe(snapshot.accepted);
      const rejections = await h.store.influx.query<{ reason: string; count: number }>(`SELECT * FROM "gp_rejections" WHERE "reason" = 'not_json'`);
      expect(rejections[0].count).toBe(snapshot.rejectedByReason.not_json);
    });

    it('says it is up while InfluxDB takes the writes', () => {
      expect(h.pipeline.health()).toMatchObject({ status: 'up', influx: 'up', spoolFull: false, spoolBytes: 0 });
    });
  });
});
