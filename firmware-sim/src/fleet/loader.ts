import { CATALOGUE, DeviceType } from '@gridproof/telemetry';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FAULTS, FaultSpec, faultSpecSchema } from '../faults';
import { hashSeed, Rng } from '../rng';
import { resolveInstant } from './duration';
import { ResolvedDevice, ResolvedFleet } from './resolved';
import { FleetFile, fleetFileSchema, SiteSpec } from './schema';

export class FleetError extends Error {
  override name = 'FleetError';
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('\n');
}

/** Parses and validates a fleet file's text (YAML or JSON). */
export function parseFleet(text: string, source = 'fleet'): FleetFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new FleetError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = fleetFileSchema.safeParse(raw);
  if (!parsed.success) throw new FleetError(`${source}: invalid fleet file:\n${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Reads a fleet file (YAML or JSON) and validates it. Use resolveFleet() to expand it. */
export function loadFleet(path: string): FleetFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FleetError(`cannot read fleet file ${path}: ${(err as Error).message}`);
  }
  return parseFleet(text, path);
}

export interface ResolveOptions {
  /** Overrides the file's seed. */
  seed?: number;
  /** Overrides the file's start (Date, Unix ms, ISO string or "now"). */
  start?: Date | number | string;
}

function startMsOf(value: Date | number | string | undefined): number {
  if (value === undefined || value === 'now') return Math.floor(Date.now() / 1000) * 1000;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new FleetError(`start "${value}" is not an ISO 8601 time`);
  return ms;
}

/** Sites uniformly scattered in a disc; the layout belongs to the fleet (its name), not the seed. */
function generateSites(file: FleetFile): SiteSpec[] {
  const g = file.generateSites;
  if (!g) return [];
  const rng = new Rng(hashSeed(file.name, 'sites'));
  const digits = String(g.count).length;
  const sites: SiteSpec[] = [];
  for (let i = 0; i < g.count; i++) {
    const r = g.radiusKm * Math.sqrt(rng.next());
    const a = rng.uniform(0, 2 * Math.PI);
    const lat = g.center.lat + (r * Math.cos(a)) / 111.2;
    const lon = g.center.lon + (r * Math.sin(a)) / (111.2 * Math.cos((g.center.lat * Math.PI) / 180));
    const n = String(i + 1).padStart(digits, '0');
    sites.push({
      id: `${g.idPrefix}${n}`,
      ...(g.namePrefix ? { name: `${g.namePrefix} ${n}` } : {}),
      lat: Math.round(lat * 1e5) / 1e5,
      lon: Math.round(lon * 1e5) / 1e5,
    });
  }
  return sites;
}

/**
 * Expands a fleet file into concrete sites, devices and faults for one run. Deterministic:
 * the same file, seed and start always give the same result.
 */
export function resolveFleet(file: FleetFile, opts: ResolveOptions = {}): ResolvedFleet {
  const seed = opts.seed ?? file.seed ?? 1;
  const startMs = startMsOf(opts.start ?? file.start);
  const sites = [...file.sites, ...generateSites(file)];
  const siteIds = new Set<string>();
  for (const s of sites) {
    if (siteIds.has(s.id)) throw new FleetError(`site ${s.id} is declared twice`);
    siteIds.add(s.id);
  }
  if (sites.length === 0) throw new FleetError('the fleet has no sites (declare sites or generateSites)');

  const devices: ResolvedDevice[] = [];
  const byId = new Map<string, ResolvedDevice>();
  const add = (d: ResolvedDevice) => {
    if (byId.has(d.id)) throw new FleetError(`device ${d.id} is declared twice`);
    if (!siteIds.has(d.site)) throw new FleetError(`device ${d.id} is at unknown site ${d.site}`);
    byId.set(d.id, d);
    devices.push(d);
  };
  for (const d of file.devices) {
    add({ id: d.id, type: d.type, site: d.site, intervalS: d.intervalS ?? file.defaults.intervalS, params: d.params, ...(d.metadata ? { metadata: d.metadata } : {}) });
  }
  for (const g of file.groups) {
    const groupSites = g.sites === 'all' ? sites.map((s) => s.id) : g.sites;
    const digits = Math.max(4, String(g.count).length);
    for (let i = 0; i < g.count; i++) {
      add({
        id: `${g.idPrefix}${String(i + 1).padStart(digits, '0')}`,
        type: g.type,
        site: groupSites[i % groupSites.length],
        intervalS: g.intervalS ?? file.defaults.intervalS,
        params: g.params,
        ...(g.metadata ? { metadata: g.metadata } : {}),
      });
    }
  }
  if (devices.length === 0) throw new FleetError('the fleet has no devices (declare devices or groups)');

  const faults: FaultSpec[] = [];
  const addFault = (declared: FaultSpec, where: string) => {
    // Parse again: fleets built in code skip the file schema, and its defaults live there.
    const parsed = faultSpecSchema.safeParse(declared);
    if (!parsed.success) throw new FleetError(`${where}:\n${describeIssues(parsed.error)}`);
    const f = parsed.data;
    const device = byId.get(f.device);
    if (!device) throw new FleetError(`${where}: unknown device ${f.device}`);
    checkFaultFits(f, device.type, where);
    const startIso = new Date(resolveInstant(f.start, startMs)).toISOString();
    faults.push({ ...f, start: startIso });
  };
  file.faults.forEach((f, i) => addFault(f, `faults[${i}] (${f.kind})`));

  const rng = Rng.derive(seed, 'random-faults');
  file.randomFaults.forEach((rf, i) => {
    const where = `randomFaults[${i}] (${rf.kind})`;
    const pool = devices.filter((d) => d.type === rf.type);
    if (rf.count > pool.length) throw new FleetError(`${where}: ${rf.count} faults asked but the fleet has ${pool.length} ${rf.type} devices`);
    const from = resolveInstant(rf.from, startMs);
    const to = resolveInstant(rf.to, startMs);
    if (!(to > from)) throw new FleetError(`${where}: "to" must be after "from"`);
    const chosen = [...pool];
    for (let k = 0; k < rf.count; k++) {
      const j = k + Math.floor(rng.next() * (chosen.length - k));
      [chosen[k], chosen[j]] = [chosen[j], chosen[k]];
      const at = new Date(Math.round(rng.uniform(from, to) / 1000) * 1000).toISOString();
      const parsed = faultSpecSchema.safeParse({ ...rf.with, kind: rf.kind, device: chosen[k].id, start: at });
      if (!parsed.success) throw new FleetError(`${where}:\n${describeIssues(parsed.error)}`);
      addFault(parsed.data, where);
    }
  });

  return { name: file.name, seed, start: new Date(startMs).toISOString(), grid: file.grid, bufferSize: file.defaults.bufferSize, sites, devices, faults };
}

function checkFaultFits(f: FaultSpec, type: DeviceType, where: string): void {
  const def = FAULTS[f.kind];
  if (def.types && !def.types.includes(type)) throw new FleetError(`${where}: ${f.kind} applies to ${def.types.join(', ')}, not ${type}`);
  const metrics = CATALOGUE[type].metrics;
  const metricNames = 'metric' in f ? [f.metric] : 'metrics' in f && f.metrics ? f.metrics : [];
  for (const m of metricNames) {
    const spec = metrics[m];
    if (!spec) throw new FleetError(`${where}: ${type} has no metric ${m}`);
    if ((f.kind === 'sensor-drift' || f.kind === 'spikes' || f.kind === 'stuck-at') && spec.kind !== 'number') {
      throw new FleetError(`${where}: ${f.kind} needs a numeric metric, ${m} is an enum`);
    }
    if ((f.kind === 'sensor-drift' || f.kind === 'spikes') && spec.kind === 'number' && spec.cumulative) {
      // A cumulative register never goes backwards; a drifting or spiking one would.
      throw new FleetError(`${where}: ${f.kind} cannot apply to the cumulative metric ${m}`);
    }
  }
}
