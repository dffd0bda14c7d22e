import type { Dashboard, Panel, VariableModel } from '@grafana/schema';
import { FAMILIES, DEVICE_TYPES } from '@gridproof/telemetry';
import { InfluxTelemetryStore, META_RETENTION_POLICY, rollupBackfillQuery } from '@gridproof/influx';
import { sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { DASHBOARDS } from './index';
import { interpolate, panelInterval, panelsOf, targetsOf, variableOptions, variablesOf, type TimeRange } from './testing/grafana-macros';
import { DRILL_DOWN_DEVICE, DRILL_DOWN_DEVICES, buildSeed } from './testing/seed';

/**
 * Every query of every dashboard (panels, variables, annotations) runs against a real InfluxDB
 * holding a firmware-sim fleet's data (src/testing/seed.ts), written through the InfluxDB
 * adapter into the schema ensureSchema creates, and returns rows after the substitutions
 * Grafana makes, on two ranges: the simulated hours (raw points) and the week ending with them
 * (long enough that `$rp` selects the rollup, which the continuous queries' own downsampling
 * fills from the seed).
 */

interface Series {
  columns: string[];
  values: unknown[][];
  tags?: Record<string, string>;
}

const ROLLUP_INTERVAL = '5m';
const store = new InfluxTelemetryStore({ url: sharedInfluxUrl(), database: uniqueName('gp_dashboards'), retention: 'INF', rollupRetention: 'INF', rollupInterval: ROLLUP_INTERVAL });
const seed = buildSeed();
/**
 * The short range: the simulated hours, ending as an operator would look at them while a car
 * charges (the "connectors charging" stat counts connectors whose latest status in the range
 * is Charging). The long range: the week up to the same end, read from the rollup.
 */
const RANGES: Record<'raw' | 'rollup', TimeRange> = {
  raw: { from: seed.from, to: seed.lastChargingAt },
  rollup: { from: seed.lastChargingAt - 7 * 86_400_000, to: seed.lastChargingAt },
};

async function query(q: string): Promise<Series[]> {
  const json = (await store.queryRaw(q)) as { results: Array<{ error?: string; series?: Series[] }> };
  const result = json.results[0]!;
  if (result.error) throw new Error(`${result.error}: ${q}`);
  return result.series ?? [];
}

/** Rows holding at least one value besides time (fill(null) buckets alone are not data). */
function rowCount(series: Series[]): number {
  return series.reduce((n, s) => n + s.values.filter((row) => row.some((v, i) => s.columns[i] !== 'time' && v !== null)).length, 0);
}

/** Grafana's variable values for one dashboard and range, resolved in order as Grafana does on load. */
async function resolveVariables(dashboard: Dashboard, range: TimeRange): Promise<{ values: Record<string, string>; options: Record<string, string[]> }> {
  const values: Record<string, string> = {};
  const options: Record<string, string[]> = {};
  for (const v of variablesOf(dashboard)) {
    if (v.type === 'textbox') {
      values[v.name] = String(v.query);
      continue;
    }
    if (v.type === 'custom') {
      options[v.name] = (v.options ?? []).map((o) => String(o.value));
    } else {
      const q = interpolate(String(v.query), values, range);
      const series = await query(q);
      options[v.name] = variableOptions(q, series.flatMap((s) => s.values), v.regex);
    }
    values[v.name] = chosenValue(v, options[v.name]!);
  }
  return { values, options };
}

/** "All" (its allValue) where the variable offers it, the device with faults and alerts, else the first option like Grafana. */
function chosenValue(v: VariableModel, opts: string[]): string {
  if (v.includeAll && v.allValue) return v.allValue;
  if (v.name === 'device' && !v.includeAll) {
    const wanted = opts.find((o) => Object.values(DRILL_DOWN_DEVICES).includes(o) && (o === DRILL_DOWN_DEVICE || !opts.includes(DRILL_DOWN_DEVICE)));
    expect(wanted).toBeDefined();
    return wanted!;
  }
  return opts[0] ?? '';
}

interface Case {
  file: string;
  what: string;
  query: string;
  panel?: Panel;
}

function casesOf(file: string, dashboard: Dashboard): Case[] {
  const cases: Case[] = [];
  for (const v of variablesOf(dashboard)) {
    if (v.type === 'query') cases.push({ file, what: `variable $${v.name}`, query: String(v.query) });
  }
  for (const panel of panelsOf(dashboard)) {
    for (const t of targetsOf(panel)) cases.push({ file, what: `panel "${panel.title}" ${t.refId}`, query: t.query, panel });
  }
  for (const a of dashboard.annotations?.list ?? []) {
    const target = a.target as { query?: string } | undefined;
    if (target?.query) cases.push({ file, what: `annotation "${a.name}"`, query: target.query });
  }
  return cases;
}

const built = Object.entries(DASHBOARDS).map(([file, build]) => [file, build()] as const);
const cases = built.flatMap(([file, dashboard]) => casesOf(file, dashboard));
const resolved = new Map<string, Awaited<ReturnType<typeof resolveVariables>>>();

beforeAll(async () => {
  // The schema GridProof creates at start: policies, continuous queries, gp_meta and its rollup ranges.
  await store.ensureSchema();
  for (let i = 0; i < seed.lines.length; i += 5_000) await store.writeLines(seed.lines.slice(i, i + 5_000).join('\n'));
  await store.writeLines(seed.metaLines.join('\n'), { retentionPolicy: META_RETENTION_POLICY });
  // What the continuous queries write as time passes, for the seeded hours at once.
  const step = 300_000;
  for (const family of FAMILIES) {
    await store.execute(rollupBackfillQuery(store.database, family, ROLLUP_INTERVAL, Math.floor(seed.from / step) * step, Math.ceil(seed.to / step) * step + step));
  }
  for (const [file, dashboard] of built) {
    for (const [name, range] of Object.entries(RANGES)) resolved.set(`${file} ${name}`, await resolveVariables(dashboard, range));
  }
}, 120_000);

afterAll(() => store.dropDatabase());

describe('dashboard queries', () => {
  it('run on a range ending late in the simulated hours', () => {
    // A charger charging near the end of the simulation, so the range covers most of the data.
    expect(seed.to - RANGES.raw.to).toBeLessThan(45 * 60_000);
  });

  it('cover every dashboard, and a drill-down for every device type', () => {
    expect(new Set(cases.map((c) => c.file))).toEqual(new Set(Object.keys(DASHBOARDS)));
    for (const type of DEVICE_TYPES) expect(Object.keys(DASHBOARDS)).toContain(`device-${type}.json`);
  });

  it('read raw points on the short range and the rollup on the long one', () => {
    expect(resolved.get('energy.json raw')!.values.rp).toBe('autogen');
    expect(resolved.get('energy.json rollup')!.values.rp).toBe('rollup');
  });

  it('show each type\'s drill-down with a device of that type', () => {
    for (const type of DEVICE_TYPES) expect(resolved.get(`device-${type}.json raw`)!.values.device).toBe(DRILL_DOWN_DEVICES[type]);
  });

  describe.each(Object.keys(RANGES) as Array<keyof typeof RANGES>)('on the %s range', (rangeName) => {
    const range = RANGES[rangeName];
    it.each(cases.map((c) => [`${c.file}: ${c.what}`, c] as const))('%s returns rows', async (_name, c) => {
      const { values } = resolved.get(`${c.file} ${rangeName}`)!;
      const q = interpolate(c.query, values, range, panelInterval(range, c.panel?.interval ?? undefined));
      const series = await query(q);
      if (rowCount(series) === 0) throw new Error(`no rows for ${q}`);
    });
  });

  describe('performance ratio', () => {
    const panel = panelsOf(built.find(([f]) => f === 'energy.json')![1]).find((p) => p.title === 'Performance ratio')!;

    it.each(Object.keys(RANGES) as Array<keyof typeof RANGES>)("divides by each inverter's registered rated power (%s range)", async (rangeName) => {
      const range = RANGES[rangeName];
      const { values } = resolved.get(`energy.json ${rangeName}`)!;
      const series = await query(interpolate(targetsOf(panel)[0]!.query, values, range));
      const ratio = Object.fromEntries(series.map((s) => [s.tags!.device, s.values[0]![1] as number]));
      // The two inverters are rated 10 and 30 kW AC with 12 and 36 kWp arrays (the simulator's
      // ratedKw × dcRatio, registered as rated_power_kwp); with one 10 kW figure for both, the
      // 30 kW one read about 330 %, and dividing by the AC rating gave over 100 %.
      expect(seed.nameplates['inv-bn-1']!.rated_power_kwp).toBeCloseTo(12, 9);
      expect(seed.nameplates['inv-ms-1']!.rated_power_kwp).toBeCloseTo(36, 9);
      expect(Object.keys(ratio).sort()).toEqual(['inv-bn-1', 'inv-ms-1']);
      for (const pr of Object.values(ratio)) {
        expect(pr).toBeGreaterThan(60);
        expect(pr).toBeLessThan(100);
      }
    });
  });
});
