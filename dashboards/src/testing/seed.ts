import { createHash } from 'node:crypto';
import { compareRecords, merkleRoot, recordLeaf } from '@gridproof/anchor';
import { GenericDetector, anomalyLine, scoreFromP, type AnomalyPoint } from '@gridproof/detect';
import { createSimulation, fleetFileSchema, registrationMetadata, type SimSample } from '@gridproof/firmware-sim';
import { alertRowLines, deviceStatusLines, MEASUREMENTS, nameplateLines, openAlertLines, pointLine, siteLines, telemetryLine, type AlertRow } from '@gridproof/influx';
import {
  CATALOGUE,
  DEVICE_TYPES,
  MESSAGE_VERSION,
  deviceAttributes,
  REJECTION_REASONS,
  TelemetryRejection,
  familyOf,
  parseTelemetry,
  privateKeyFromBase64,
  publicKeyFromBase64,
  signMessage,
  toIngestRecord,
  verifyMessageSignature,
  type DeviceType,
  type IngestRecord,
  type RejectionReason,
  type TelemetryMessage,
} from '@gridproof/telemetry';

/**
 * What the dashboards' query tests load into InfluxDB: a firmware-sim fleet's readings, run
 * through the steps a message takes in GridProof, and the pipeline measurements those readings
 * give rise to.
 *
 * Telemetry: every simulated reading is signed like the device firmware signs it, parsed and
 * checked with parseTelemetry (the broker's validation), turned into the canonical ingest
 * record and written with telemetryLine (the ingest's line builder). Readings a device buffered
 * through a connectivity loss arrive, with their original ts, when the link is back.
 *
 * Pipeline measurements, from the same data and, where it is cheap, the real writers' code:
 *  - gp_sites, gp_alerts_open, gp_alerts, gp_device_status, nameplates (gp_meta policy): the
 *    Grafana feeds' line builders (apps/gridproof/src/grafana-feeds), from the fleet's sites,
 *    the alerts below, the devices' connectivity (a connectivity-loss fault takes one inverter
 *    offline) and the nameplate each simulated device registers (registrationMetadata);
 *  - anomaly: the detection service's generic detector and anomalyLine over every record;
 *  - gp_ingest, gp_rejections: counts per 10 s like the ingest's StatsWriter; rejections are
 *    tampered copies of real messages refused by the same checks the ingest runs (schema and
 *    range via parseTelemetry, Ed25519 via verifyMessageSignature, sequence replay);
 *  - anchor_batches, audit_results: one batch per minute of receive time with its RFC 6962
 *    root over the records (the anchoring lib's recordLeaf/merkleRoot); one audit finds a
 *    record altered after anchoring. The chain itself is not involved (tx and block are stand-ins).
 *  - alert_events: each drill-down device's first anomaly fires an alert, a crew acknowledges
 *    it, and all but one resolve; in the layout of the alerts' annotation writer.
 */

export const SEED = 7;
/** A June morning in Central Europe: the sun is up, so PV output is not all zeros. */
export const SEED_START = Date.parse('2025-06-18T06:00:00Z');
export const SEED_HOURS = 3;

export const SEED_FLEET = fleetFileSchema.parse({
  name: 'dashboards-test',
  description: 'every device type at two sites, with faults the dashboards show',
  defaults: { intervalS: 60, bufferSize: 5000 },
  sites: [
    { id: 'berlin-north', name: 'Berlin North', lat: 52.57, lon: 13.4 },
    { id: 'munich-south', name: 'Munich South', lat: 48.1, lon: 11.55 },
  ],
  devices: [
    { id: 'mtr-bn-1', type: 'smart-meter', site: 'berlin-north', params: { profile: 'residential', pvKw: 6 } },
    { id: 'mtr-ms-1', type: 'smart-meter', site: 'munich-south', params: { profile: 'commercial', peakKw: 60 } },
    { id: 'inv-bn-1', type: 'pv-inverter', site: 'berlin-north', params: { ratedKw: 10 } },
    { id: 'inv-ms-1', type: 'pv-inverter', site: 'munich-south', params: { ratedKw: 30, vmpV: 720 } },
    { id: 'bat-ms-1', type: 'battery', site: 'munich-south', params: { capacityKwh: 13.5, schedule: 'self-consumption' } },
    { id: 'evc-bn-1', type: 'ev-charger', site: 'berlin-north', intervalS: 30, params: { kind: 'dc', maxPowerKw: 50, sessionsPerDay: 40 } },
    { id: 'evc-bn-2', type: 'ev-charger', site: 'berlin-north', intervalS: 30, params: { kind: 'ac', maxPowerKw: 22, sessionsPerDay: 30 } },
    { id: 'aq-bn-1', type: 'air-quality', site: 'berlin-north', params: { traffic: 1.3 } },
    { id: 'aq-ms-1', type: 'air-quality', site: 'munich-south', params: { traffic: 0.6 } },
    { id: 'wx-ms-1', type: 'weather', site: 'munich-south' },
  ],
  faults: [
    // The drill-down devices (one per type): spikes the detector flags, each raising an alert.
    { device: 'evc-bn-1', kind: 'spikes', start: '60m', metric: 'connector_temp_c', ratePerHour: 12 },
    { device: 'aq-bn-1', kind: 'spikes', start: '60m', metric: 'pm25_ugm3', ratePerHour: 12 },
    { device: 'mtr-bn-1', kind: 'spikes', start: '60m', metric: 'voltage_v', ratePerHour: 12 },
    { device: 'inv-bn-1', kind: 'spikes', start: '60m', metric: 'ac_voltage_v', ratePerHour: 12 },
    { device: 'bat-ms-1', kind: 'spikes', start: '60m', metric: 'temp_c', ratePerHour: 12 },
    { device: 'wx-ms-1', kind: 'spikes', start: '60m', metric: 'pressure_hpa', ratePerHour: 12 },
    // Offline for a quarter of an hour: devices online drops, buffered readings arrive late.
    { device: 'inv-ms-1', kind: 'connectivity-loss', start: '80m', duration: '15m' },
  ],
});

/** The device each drill-down shows in the tests: per type, the one with a sensor fault and an alert. */
export const DRILL_DOWN_DEVICES: Record<DeviceType, string> = {
  'smart-meter': 'mtr-bn-1',
  'pv-inverter': 'inv-bn-1',
  battery: 'bat-ms-1',
  'ev-charger': 'evc-bn-1',
  'air-quality': 'aq-bn-1',
  weather: 'wx-ms-1',
};
/** The generic device dashboard's device: a charger, the type with the most panels of its own. */
export const DRILL_DOWN_DEVICE = DRILL_DOWN_DEVICES['ev-charger'];
/** The alert of this device stays open to the end (acknowledged), so the open-alerts table has a row. */
const STILL_OPEN = DRILL_DOWN_DEVICES['air-quality'];
/** The feeds' cadences (apps/gridproof/src/grafana-feeds DEFAULT_FEED_OPTIONS). */
const REGISTRY_TICK_MS = 60_000;

const STATS_INTERVAL_MS = 10_000;
const ANCHOR_WINDOW_MS = 60_000;
/** When the broker receives a reading after the device's ts (network and queueing). */
const RX_DELAY_MS = 40;

export interface Seed {
  /** Device time of the first and last reading (Unix ms). */
  from: number;
  to: number;
  lines: string[];
  /** Lines of the gp_meta retention policy (nameplates). */
  metaLines: string[];
  /** The nameplate each device registered (rated_power_kwp of the PV inverters). */
  nameplates: Record<string, Record<string, number>>;
  /** The latest time a connector of a charger reported Charging. */
  lastChargingAt: number;
}

interface SeedDevice {
  id: string;
  type: DeviceType;
  site: string;
  key: ReturnType<typeof deviceKey>;
  /** Highest sequence number accepted so far. */
  seq: number;
}

interface Accepted {
  device: { id: string; type: DeviceType; site: string };
  record: IngestRecord;
}

/** A key per device derived from the seed, so signatures (and roots) repeat run to run. */
function deviceKey(device: string) {
  const seed = createHash('sha256').update(`gridproof-dashboards-seed:${SEED}:${device}`).digest().toString('base64');
  const privateKey = privateKeyFromBase64(seed);
  const publicKey = publicKeyFromBase64(Buffer.from(privateKey.export({ format: 'jwk' }).x as string, 'base64url').toString('base64'));
  return { privateKey, publicKey };
}

/** The ingest's checks, in its order, for one raw payload; the reason it is refused, or null. */
function refusal(payload: string, device: { id: string; type: DeviceType }, lastSeq: number, publicKey: ReturnType<typeof deviceKey>['publicKey']): RejectionReason | null {
  let message: TelemetryMessage;
  try {
    message = parseTelemetry(payload, { deviceId: device.id, type: device.type, maxBytes: 16_384 });
  } catch (err) {
    if (err instanceof TelemetryRejection) return err.reason;
    throw err;
  }
  if (!message.sig) return 'missing_signature';
  if (!verifyMessageSignature(message, message.sig, publicKey)) return 'bad_signature';
  if (message.seq <= lastSeq) return 'replayed_sequence';
  return null;
}

export function buildSeed(): Seed {
  const sim = createSimulation(SEED_FLEET, { seed: SEED, start: SEED_START });
  const end = SEED_START + SEED_HOURS * 3_600_000;
  const devices = new Map<string, SeedDevice>(sim.devices.map((d) => [d.spec.id, { id: d.spec.id, type: d.spec.type, site: d.spec.site, key: deviceKey(d.spec.id), seq: 0 }]));
  const lines: string[] = [];
  const accepted: Accepted[] = [];
  const rejections: Array<{ at: number; reason: RejectionReason }> = [];
  const buffered = new Map<string, TelemetryMessage[]>();
  const statusChanges: Array<{ at: number; device: string; online: boolean }> = [];
  const online = new Map<string, boolean>();
  let lastChargingAt = 0;
  let n = 0;

  const accept = (device: SeedDevice, payload: string, rx: number) => {
    const reason = refusal(payload, device, device.seq, device.key.publicKey);
    if (reason) throw new Error(`the simulator's reading was refused (${reason}): ${payload}`);
    const message = parseTelemetry(payload, { deviceId: device.id, type: device.type, maxBytes: 16_384 });
    device.seq = message.seq;
    const record = toIngestRecord(message, rx);
    lines.push(telemetryLine(familyOf(device.type), { device: device.id, site: device.site, type: device.type }, record));
    accepted.push({ device, record });
  };

  for (const sample of sim.until(end) as Generator<SimSample>) {
    const device = devices.get(sample.device)!;
    const isOnline = !sample.offline;
    if (online.get(device.id) !== isOnline) {
      online.set(device.id, isOnline);
      statusChanges.push({ at: sample.t, device: device.id, online: isOnline });
    }
    if (sample.lost || Object.keys(sample.readings).length === 0) continue;
    if (sample.readings.status === 'Charging') lastChargingAt = Math.max(lastChargingAt, sample.ts);
    const message = signMessage({ v: MESSAGE_VERSION, device: device.id, ts: sample.ts, seq: device.seq + 1 + (buffered.get(device.id)?.length ?? 0), readings: sample.readings }, device.key.privateKey);
    if (sample.offline) {
      buffered.set(device.id, [...(buffered.get(device.id) ?? []), message]);
      continue;
    }
    // Back online: the buffer is replayed oldest first, then the new reading.
    for (const old of buffered.get(device.id) ?? []) accept(device, JSON.stringify(old), sample.t);
    buffered.delete(device.id);
    accept(device, JSON.stringify(message), sample.t + RX_DELAY_MS);

    // Every 97th message also arrives tampered with, in turn: a reading changed after signing,
    // a replay, a value outside the catalogue's physical range, a metric of another type.
    if (++n % 97 === 0) {
      const spec = CATALOGUE[device.type].metrics;
      const numeric = Object.keys(message.readings).find((m) => spec[m]?.kind !== 'enum');
      if (!numeric) continue;
      const variants: Array<Record<string, unknown>> = [
        { ...message, readings: { ...message.readings, [numeric]: Number(message.readings[numeric]) + 1 } },
        message,
        { ...message, seq: message.seq + 1, readings: { ...message.readings, [numeric]: 1e12 } },
        { ...message, seq: message.seq + 1, readings: { ...message.readings, not_a_metric: 1 } },
      ];
      const payload = JSON.stringify(variants[Math.floor(n / 97) % variants.length]);
      const reason = refusal(payload, device, device.seq, device.key.publicKey);
      if (!reason) throw new Error(`a tampered message was accepted: ${payload}`);
      rejections.push({ at: sample.t, reason });
    }
  }

  const from = SEED_START;
  lines.push(...siteLines(sim.fleet.sites.map((s) => ({ id: s.id, name: s.name ?? s.id, lat: s.lat, lon: s.lon })), from));
  lines.push(...anomalyLines(accepted));
  const alerts = alertLines(accepted);
  lines.push(...alerts.lines);
  lines.push(...statsLines(accepted, rejections, statusChanges, devices.size, from, end));
  lines.push(...statusLines(statusChanges, devices, from, end));
  lines.push(...openAlertsLines(alerts.timelines, from, end));
  lines.push(...anchorLines(accepted, from, end));

  // What each simulated device registers, as the feed writes it from the registry every minute.
  const nameplates: Record<string, Record<string, number>> = {};
  for (const d of sim.fleet.devices) nameplates[d.id] = deviceAttributes(d.type, registrationMetadata(d)).values;
  const metaLines: string[] = [];
  for (let t = from; t <= end; t += REGISTRY_TICK_MS) {
    metaLines.push(...nameplateLines(sim.fleet.devices.map((d) => ({ device: d.id, site: d.site, type: d.type, attributes: nameplates[d.id]! })), t));
  }
  return { from, to: end, lines, metaLines, nameplates, lastChargingAt };
}

/** The generic detector over every record, as DetectionService.scoreSlice runs it. */
function anomalyLines(accepted: Accepted[]): string[] {
  const detector = new GenericDetector();
  const lines: string[] = [];
  for (const { device, record } of accepted) {
    let pMin = 1;
    let top = '';
    let scored = 0;
    for (const [name, spec] of Object.entries(CATALOGUE[device.type].metrics)) {
      const v = record.readings[name];
      if (spec.kind === 'enum' || typeof v !== 'number') continue;
      const s = detector.update(`${device.id}\u0000${name}`, record.ts, v);
      scored++;
      if (s.p < pMin) {
        pMin = s.p;
        top = name;
      }
    }
    if (!scored) continue;
    const score = scoreFromP(Math.min(1, pMin * scored));
    const point: AnomalyPoint = {
      device: device.id,
      site: device.site,
      type: device.type,
      family: familyOf(device.type),
      detector: 'generic',
      ts: record.ts,
      score,
      threshold: 0.9,
      isAnomaly: score >= 0.9,
      topMetric: top,
      modelVersion: 'generic-1',
    };
    lines.push(anomalyLine(point));
  }
  return lines;
}

interface AlertState {
  at: number;
  severity: string;
  state: 'firing' | 'acknowledged' | 'resolved';
}

interface SeedAlert {
  row: Omit<AlertRow, 'state'>;
  timeline: AlertState[];
}

/**
 * Each drill-down device's first anomaly on its faulted metric (the generic detector, as
 * detection runs it) fires an alert: acknowledged after 10 min, resolved after 40, except
 * STILL_OPEN's, which is still acknowledged at the end.
 */
function alertLines(accepted: Accepted[]): { lines: string[]; timelines: SeedAlert[] } {
  const faulted = new Map(SEED_FLEET.faults.filter((f) => f.kind === 'spikes').map((f) => [f.device, (f as { metric: string }).metric]));
  const lines: string[] = [];
  const timelines: SeedAlert[] = [];
  for (const type of DEVICE_TYPES) {
    const id = DRILL_DOWN_DEVICES[type];
    const metric = faulted.get(id);
    if (!metric) throw new Error(`drill-down device ${id} has no spikes fault`);
    const detector = new GenericDetector();
    let firedAt = 0;
    for (const { device, record } of accepted) {
      if (device.id !== id) continue;
      const v = record.readings[metric];
      if (typeof v === 'number' && detector.update('t', record.ts, v).score >= 0.9 && !firedAt) firedAt = record.ts;
    }
    if (!firedAt) throw new Error(`the simulator's spikes on ${id} raised no anomaly`);
    const device = accepted.find((a) => a.device.id === id)!.device;
    const severity = type === 'ev-charger' ? 'critical' : 'warning';
    const timeline: AlertState[] = [
      { at: firedAt, severity, state: 'firing' },
      { at: firedAt + 10 * 60_000, severity, state: 'acknowledged' },
      ...(id === STILL_OPEN ? [] : [{ at: firedAt + 40 * 60_000, severity, state: 'resolved' as const }]),
    ];
    const fingerprint = createHash('sha256').update(`anomaly:${id}:${metric}`).digest('hex').slice(0, 16);
    const title = `Anomalous ${metric} on ${id}`;
    for (const { at, state } of timeline) {
      lines.push(
        pointLine(
          MEASUREMENTS.alertEvents,
          { device: id, kind: 'anomaly', severity, site: device.site, state },
          { fingerprint, title, text: `${state}: ${metric} spikes` },
          at,
        ),
      );
    }
    const alertId = createHash('sha256').update(`alert:${fingerprint}`).digest('hex').slice(0, 12);
    timelines.push({
      row: { id: alertId, fingerprint, severity, summary: title, alertname: 'DeviceAnomaly', device: id, site: device.site, startedAt: firedAt, url: `http://127.0.0.1:8080/#/alerts/${alertId}` },
      timeline,
    });
  }
  return { lines, timelines };
}

/** gp_alerts_open and gp_alerts every 10 s, and a closing row once, as the feed's alerts tick writes them. */
function openAlertsLines(alerts: SeedAlert[], from: number, to: number): string[] {
  const lines: string[] = [];
  const wasOpen = new Set<string>();
  for (let t = from; t <= to; t += STATS_INTERVAL_MS) {
    const open: AlertRow[] = [];
    const closed: AlertRow[] = [];
    for (const a of alerts) {
      const current = a.timeline.filter((s) => s.at <= t).at(-1);
      if (current && current.state !== 'resolved') {
        open.push({ ...a.row, state: current.state });
        wasOpen.add(a.row.fingerprint);
      } else if (wasOpen.delete(a.row.fingerprint)) {
        closed.push({ ...a.row, state: 'resolved' });
      }
    }
    lines.push(...openAlertLines(open, t), ...alertRowLines(open, t, true), ...alertRowLines(closed, t, false));
  }
  return lines;
}

/** Every status change at once, and every device's status each minute (the feed's registry tick). */
function statusLines(changes: Array<{ at: number; device: string; online: boolean }>, devices: Map<string, { id: string; site: string; type: DeviceType }>, from: number, to: number): string[] {
  const lines: string[] = [];
  const meta = (id: string) => devices.get(id)!;
  for (const c of changes) lines.push(...deviceStatusLines([{ device: c.device, site: meta(c.device).site, type: meta(c.device).type, online: c.online }], c.at));
  for (let t = from; t <= to; t += 60_000) {
    const state = new Map<string, boolean>();
    for (const c of changes) if (c.at <= t) state.set(c.device, c.online);
    lines.push(...deviceStatusLines([...state].map(([id, on]) => ({ device: id, site: meta(id).site, type: meta(id).type, online: on })), t));
  }
  return lines;
}

/** gp_ingest and gp_rejections per 10 s interval, as the ingest's StatsWriter writes them. */
function statsLines(
  accepted: Accepted[],
  rejections: Array<{ at: number; reason: RejectionReason }>,
  changes: Array<{ at: number; device: string; online: boolean }>,
  deviceCount: number,
  from: number,
  to: number,
): string[] {
  const lines: string[] = [];
  for (let t = from + STATS_INTERVAL_MS; t <= to; t += STATS_INTERVAL_MS) {
    const inInterval = (at: number) => at > t - STATS_INTERVAL_MS && at <= t;
    const count = accepted.filter((a) => inInterval(a.record.rx)).length;
    const refused = rejections.filter((r) => inInterval(r.at));
    const state = new Map<string, boolean>();
    for (const c of changes) if (c.at <= t) state.set(c.device, c.online);
    const onlineNow = [...state.values()].filter(Boolean).length;
    lines.push(
      pointLine(
        MEASUREMENTS.ingest,
        {},
        {
          accepted: { int: count },
          rejected: { int: refused.length },
          readings_per_s: count / (STATS_INTERVAL_MS / 1000),
          devices_online: { int: onlineNow },
          connections: { int: Math.min(deviceCount, onlineNow) },
          spool_bytes: { int: 0 },
          spool_records: { int: 0 },
        },
        t,
      ),
    );
    for (const reason of REJECTION_REASONS) {
      lines.push(pointLine(MEASUREMENTS.rejections, { reason }, { count: { int: refused.filter((r) => r.reason === reason).length } }, t));
    }
  }
  return lines;
}

/**
 * One anchored batch per minute of receive time (root over its records in the anchoring
 * order), then its audit: the fifth batch's first record was altered in InfluxDB afterwards.
 * Fields are floats, as node-influx writes the anchoring and audit services' numbers.
 */
function anchorLines(accepted: Accepted[], from: number, to: number): string[] {
  const lines: string[] = [];
  let batch = 0;
  for (let start = from; start < to; start += ANCHOR_WINDOW_MS) {
    const records = accepted.filter((a) => a.record.rx >= start && a.record.rx < start + ANCHOR_WINDOW_MS).map((a) => a.record);
    if (!records.length) continue;
    batch++;
    records.sort((a, b) => compareRecords(a, b));
    const root = merkleRoot(records.map(recordLeaf));
    const end = start + ANCHOR_WINDOW_MS;
    const anchoredAt = end + 2_000 + 1_500 * (batch % 3);
    lines.push(
      pointLine(
        MEASUREMENTS.anchorBatches,
        {},
        { batch_id: batch, count: records.length, lag_ms: anchoredAt - end, root: `0x${root.toString('hex')}`, tx: `0x${createHash('sha256').update(`tx${batch}`).digest('hex')}`, block: 100 + batch },
        end,
      ),
    );
    const altered = batch === 5 ? [{ ...records[0]!, readings: { ...records[0]!.readings, tampered: 1 } }, ...records.slice(1)] : records;
    const verified = merkleRoot(altered.map(recordLeaf)).equals(root);
    lines.push(pointLine(MEASUREMENTS.auditResults, {}, { batch_id: batch, verified: verified ? 1 : 0, altered: verified ? 0 : 1, missing: 0, injected: 0 }, end + 5_000));
  }
  return lines;
}
