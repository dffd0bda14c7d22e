import type { Dashboard, VariableModel } from '@grafana/schema';
import { sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { DASHBOARDS } from './index';
import { interpolate, panelsOf, targetsOf, variableOptions, variablesOf, type TimeRange } from './testing/grafana-macros';
import { DRILL_DOWN_DEVICE, buildSeed } from './testing/seed';

/**
 * Every query of every dashboard (panels, variables, annotations) runs against a real InfluxDB
 * holding a firmware-sim fleet's data (src/testing/seed.ts) and returns rows, after the
 * substitutions Grafana makes.
 */

interface Series {
  columns: string[];
  values: unknown[][];
}

const url = sharedInfluxUrl();
const db = uniqueName('gp_dashboards');
const seed = buildSeed();
/**
 * The dashboard's time range: the simulated hours, ending as an operator would look at them
 * while a car charges (the "connectors charging" stat counts connectors whose latest status in
 * the range is Charging).
 */
const range: TimeRange = { from: seed.from, to: seed.lastChargingAt };

async function influx(method: 'GET' | 'POST', path: string, params: Record<string, string>, body?: string): Promise<Response> {
  const res = await fetch(`${url}${path}?${new URLSearchParams(params)}`, { method, body });
  if (!res.ok) throw new Error(`${path} ${res.status}: ${await res.text()}`);
  return res;
}

async function query(q: string): Promise<Series[]> {
  const res = await influx('GET', '/query', { db, q, epoch: 'ms' });
  const json = (await res.json()) as { results: Array<{ error?: string; series?: Series[] }> };
  const result = json.results[0]!;
  if (result.error) throw new Error(`${result.error}: ${q}`);
  return result.series ?? [];
}

/** Rows holding at least one value besides time (fill(null) buckets alone are not data). */
function rowCount(series: Series[]): number {
  return series.reduce((n, s) => n + s.values.filter((row) => row.some((v, i) => s.columns[i] !== 'time' && v !== null)).length, 0);
}

/** Grafana's variable values for one dashboard, resolved in order as Grafana does on load. */
async function resolveVariables(dashboard: Dashboard): Promise<{ values: Record<string, string>; options: Record<string, string[]> }> {
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
      options[v.name] = variableOptions(q, series[0]?.columns ?? [], series.flatMap((s) => s.values), v.regex);
    }
    values[v.name] = chosenValue(v, options[v.name]!);
  }
  return { values, options };
}

/** "All" (its allValue) where the variable offers it, the drill-down device, else the first option like Grafana. */
function chosenValue(v: VariableModel, opts: string[]): string {
  if (v.includeAll && v.allValue) return v.allValue;
  if (v.name === 'device' && !v.includeAll) {
    expect(opts).toContain(DRILL_DOWN_DEVICE);
    return DRILL_DOWN_DEVICE;
  }
  return opts[0] ?? '';
}

interface Case {
  file: string;
  what: string;
  query: string;
  repeat?: string;
}

function casesOf(file: string, dashboard: Dashboard): Case[] {
  const cases: Case[] = [];
  for (const v of variablesOf(dashboard)) {
    if (v.type === 'query') cases.push({ file, what: `variable $${v.name}`, query: String(v.query) });
  }
  for (const panel of panelsOf(dashboard)) {
    for (const t of targetsOf(panel)) cases.push({ file, what: `panel "${panel.title}" ${t.refId}`, query: t.query, repeat: panel.repeat });
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
  await influx('POST', '/query', { q: `CREATE DATABASE "${db}"` });
  const lines = seed.lines;
  for (let i = 0; i < lines.length; i += 5_000) {
    await influx('POST', '/write', { db, precision: 'ms' }, lines.slice(i, i + 5_000).join('\n'));
  }
  for (const [file, dashboard] of built) resolved.set(file, await resolveVariables(dashboard));
});

afterAll(async () => {
  await influx('POST', '/query', { q: `DROP DATABASE "${db}"` });
});

describe('dashboard queries', () => {
  it('run on a range ending late in the simulated hours', () => {
    // A charger charging near the end of the simulation, so the range covers most of the data.
    expect(seed.to - range.to).toBeLessThan(45 * 60_000);
  });

  it('cover every dashboard', () => {
    expect(new Set(cases.map((c) => c.file))).toEqual(new Set(Object.keys(DASHBOARDS)));
  });

  it.each(cases.map((c) => [`${c.file}: ${c.what}`, c] as const))('%s returns rows', async (_name, c) => {
    const { values, options } = resolved.get(c.file)!;
    // A repeated panel runs once per value of its variable (every metric of the device's family).
    const runs = c.repeat ? options[c.repeat]!.map((value) => ({ ...values, [c.repeat!]: value })) : [values];
    expect(runs.length).toBeGreaterThan(0);
    for (const vars of runs) {
      const q = interpolate(c.query, vars, range);
      const series = await query(q);
      if (rowCount(series) === 0) throw new Error(`no rows for ${q}`);
    }
  });
});
