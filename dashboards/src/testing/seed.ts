import { MEASUREMENTS, pointLine, telemetryLine } from '@gridproof/influx';
import { CATALOGUE, MESSAGE_VERSION, familyOf, type ConnectorStatus, type DeviceType, type Readings } from '@gridproof/telemetry';

/**
 * A small fleet's worth of data in the layout of libs/influx/src/schema.ts, for the dashboard
 * query tests: telemetry for every device type (metric names from the catalogue, values inside
 * their physical limits) and every pipeline measurement the dashboards read.
 *
 * Telemetry is synthetic until firmware-sim's export API lands; then telemetryLines() gives way
 * to the simulator's samples and the pipeline part stays.
 */

export interface SeedSite {
  site: string;
  name: string;
  lat: number;
  lon: number;
}
export interface SeedDevice {
  device: string;
  site: string;
  type: DeviceType;
}

export const SEED_SITES: SeedSite[] = [
  { site: 'berlin-north', name: 'Berlin North', lat: 52.57, lon: 13.4 },
  { site: 'munich-south', name: 'Munich South', lat: 48.1, lon: 11.55 },
];

export const SEED_DEVICES: SeedDevice[] = [
  { device: 'mtr-bn-1', site: 'berlin-north', type: 'smart-meter' },
  { device: 'pv-bn-1', site: 'berlin-north', type: 'pv-inverter' },
  { device: 'pv-ms-1', site: 'munich-south', type: 'pv-inverter' },
  { device: 'bat-ms-1', site: 'munich-south', type: 'battery' },
  { device: 'evc-bn-1', site: 'berlin-north', type: 'ev-charger' },
  { device: 'evc-bn-2', site: 'berlin-north', type: 'ev-charger' },
  { device: 'aq-bn-1', site: 'berlin-north', type: 'air-quality' },
  { device: 'aq-ms-1', site: 'munich-south', type: 'air-quality' },
  { device: 'wx-ms-1', site: 'munich-south', type: 'weather' },
];

/** Typical value and swing of each numeric metric (a slow sine around the value). */
const TYPICAL: Record<DeviceType, Record<string, [number, number]>> = {
  'smart-meter': {
    power_w: [900, 1500],
    voltage_v: [231, 3],
    current_a: [6, 4],
    frequency_hz: [50, 0.03],
    power_factor: [0.95, 0.03],
    energy_import_kwh: [12_000, 0],
    energy_export_kwh: [3_100, 0],
  },
  'pv-inverter': {
    irradiance_wm2: [620, 250],
    dc_voltage_v: [610, 15],
    dc_current_a: [10, 4],
    ac_power_w: [5_600, 2_200],
    ac_voltage_v: [232, 2],
    grid_frequency_hz: [50, 0.03],
    efficiency_pct: [96.5, 0.8],
    heatsink_temp_c: [52, 12],
    ambient_temp_c: [21, 3],
    derating_pct: [2, 2],
    energy_total_kwh: [48_000, 0],
  },
  battery: {
    soc_pct: [60, 30],
    soh_pct: [91, 0.2],
    power_w: [0, 4_000],
    voltage_v: [720, 12],
    current_a: [0, 5],
    cell_voltage_min_v: [3.25, 0.05],
    cell_voltage_max_v: [3.35, 0.05],
    temp_c: [26, 3],
    cycle_count: [412, 0],
  },
  'ev-charger': {
    power_w: [7_000, 4_000],
    current_a: [16, 8],
    voltage_v: [400, 4],
    session_energy_kwh: [12, 10],
    energy_total_kwh: [8_300, 0],
    connector_temp_c: [38, 12],
    ambient_temp_c: [17, 3],
  },
  'air-quality': {
    pm25_ugm3: [14, 9],
    pm10_ugm3: [24, 12],
    co2_ppm: [432, 25],
    no2_ppb: [12, 7],
    temp_c: [17, 4],
    humidity_pct: [62, 12],
  },
  weather: {
    temp_c: [17, 4],
    humidity_pct: [60, 12],
    pressure_hpa: [1_013, 4],
    wind_speed_ms: [4, 3],
    wind_dir_deg: [200, 90],
    irradiance_wm2: [480, 260],
    rain_mm_h: [0.4, 0.4],
  },
};

const SESSION: ConnectorStatus[] = ['Available', 'Preparing', 'Charging', 'Charging', 'Charging', 'SuspendedEV', 'Charging', 'Finishing'];

export interface SeedWindow {
  /** First and last point, Unix ms. */
  from: number;
  to: number;
  stepMs: number;
}

function readingsAt(d: SeedDevice, i: number, index: number): Readings {
  const readings: Readings = {};
  for (const [metric, spec] of Object.entries(CATALOGUE[d.type].metrics)) {
    if (spec.kind === 'enum') {
      // evc-…-1 cycles through a session and ends Charging; the other one is faulted for a while.
      const status: ConnectorStatus = index % 2 === 0 ? SESSION[Math.floor(i / 10) % SESSION.length]! : i % 40 < 10 ? 'Faulted' : 'Available';
      readings[metric] = status;
      continue;
    }
    const [typical, swing] = TYPICAL[d.type][metric] ?? [0, 0];
    const value = spec.cumulative ? typical + i * 0.25 : typical + swing * Math.sin(i / 17 + index);
    readings[metric] = Math.round(Math.min(spec.max, Math.max(spec.min, value)) * 1_000) / 1_000;
  }
  return readings;
}

/** Telemetry lines: one message per device per step, signed (a placeholder signature). */
export function telemetryLines(w: SeedWindow): string[] {
  const lines: string[] = [];
  SEED_DEVICES.forEach((d, index) => {
    let seq = 0;
    for (let ts = w.from, i = 0; ts <= w.to; ts += w.stepMs, i++) {
      const readings = readingsAt(d, i, index);
      // The last step ends every charger session in Charging, so "connectors charging" is not empty.
      if (d.type === 'ev-charger' && ts + w.stepMs > w.to && index % 2 === 0) readings.status = 'Charging';
      seq += 1;
      lines.push(
        telemetryLine(familyOf(d.type), d, { v: MESSAGE_VERSION, device: d.device, ts, seq, readings, sig: Buffer.alloc(64, seq).toString('base64'), rx: ts + 40 }),
      );
    }
  });
  return lines;
}

/** Points of the pipeline's own measurements over the window. */
export function pipelineLines(w: SeedWindow): string[] {
  const lines: string[] = [];
  const int = (n: number) => ({ int: n });
  for (const s of SEED_SITES) lines.push(pointLine(MEASUREMENTS.sites, { site: s.site }, { lat: s.lat, lon: s.lon, name: s.name }, w.from));
  let batch = 0;
  for (let ts = w.from, i = 0; ts <= w.to; ts += w.stepMs, i++) {
    const online = SEED_DEVICES.length - (i % 30 < 5 ? 1 : 0);
    lines.push(
      pointLine(
        MEASUREMENTS.ingest,
        {},
        { accepted: int(540), rejected: int(i % 7), readings_per_s: 9 + Math.sin(i / 9), devices_online: int(online), connections: int(online), spool_bytes: int(0), spool_records: int(0) },
        ts,
      ),
    );
    if (i % 3 === 0) lines.push(pointLine(MEASUREMENTS.rejections, { reason: i % 2 ? 'bad_signature' : 'replayed_sequence' }, { count: int(1 + (i % 4)) }, ts));
    SEED_DEVICES.forEach((d, index) => {
      // One device drops off for five minutes every half hour.
      const isOnline = !(index === 2 && i % 30 < 5);
      lines.push(pointLine(MEASUREMENTS.deviceStatus, { device: d.device, site: d.site, type: d.type, family: familyOf(d.type) }, { online: int(isOnline ? 1 : 0) }, ts));
      if (d.type === 'ev-charger' || d.type === 'pv-inverter') {
        const score = 0.4 + 0.5 * Math.abs(Math.sin(i / 11 + index));
        lines.push(
          pointLine(
            MEASUREMENTS.anomaly,
            { device: d.device, site: d.site, type: d.type, family: familyOf(d.type), detector: 'autoencoder' },
            { score, threshold: 0.8, is_anomaly: int(score > 0.8 ? 1 : 0), top_metric: d.type === 'ev-charger' ? 'connector_temp_c' : 'heatsink_temp_c', model_version: `${d.type}-1` },
            ts,
          ),
        );
      }
    });
    for (const severity of ['critical', 'warning', 'info']) {
      lines.push(pointLine(MEASUREMENTS.alertsOpen, { severity }, { count: int(severity === 'warning' ? 1 + (i % 3) : i % 2) }, ts));
    }
    if (i % 10 === 0) {
      batch += 1;
      const root = `0x${batch.toString(16).padStart(64, '0')}`;
      lines.push(
        pointLine(MEASUREMENTS.anchorBatches, {}, { batch_id: int(batch), count: int(5_400), lag_ms: int(61_000 + 900 * (i % 7)), root, tx: `0x${'ab'.repeat(32)}`, block: int(100 + batch) }, ts),
      );
      const verified = batch !== 3;
      lines.push(
        pointLine(MEASUREMENTS.auditResults, {}, { batch_id: int(batch), verified: int(verified ? 1 : 0), altered: int(verified ? 0 : 2), missing: int(0), injected: int(0) }, ts + 1_000),
      );
    }
  }
  // Alerts of one charger: firing, acknowledged, resolved.
  const charger = SEED_DEVICES.find((d) => d.type === 'ev-charger')!;
  const states = ['firing', 'acknowledged', 'resolved'] as const;
  states.forEach((state, k) => {
    lines.push(
      pointLine(
        MEASUREMENTS.alertEvents,
        { device: charger.device, site: charger.site, severity: 'warning', kind: 'anomaly', state },
        { fingerprint: 'f3a9c0de', title: 'Connector temperature anomalous', text: `connector_temp_c above model expectation (${state})` },
        w.from + (k + 1) * 20 * w.stepMs,
      ),
    );
  });
  return lines;
}
