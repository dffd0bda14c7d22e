import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';

/**
 * What Grafana does to an InfluxQL query before sending it, for the dashboard query tests
 * (Grafana itself cannot run here): $timeFilter, $__interval and dashboard variables.
 */

export interface TimeRange {
  from: number;
  to: number;
}

/** Grafana's InfluxDB $timeFilter for an absolute range (ms epochs). */
export function timeFilter(range: TimeRange): string {
  return `time >= ${range.from}ms and time <= ${range.to}ms`;
}

/**
 * Replaces $name and ${name} with the variable values; $timeFilter, $__interval, ${__from} and
 * ${__to} (epoch ms, Grafana's global variables) with the range's. An unknown variable throws:
 * a typo in a query must not pass as "no rows".
 */
export function interpolate(query: string, vars: Record<string, string>, range: TimeRange, interval = '1m'): string {
  const all: Record<string, string> = { ...vars, timeFilter: timeFilter(range), __interval: interval, __from: String(range.from), __to: String(range.to) };
  return query.replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    const value = all[name];
    if (value === undefined) throw new Error(`query uses unknown variable $${name}: ${query}`);
    return value;
  });
}

/** Grafana's rangeutil.roundInterval: the interval snapped to a readable step (ms). */
const ROUNDING: Array<[number, number]> = [
  [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1_500, 1_000], [3_500, 2_000], [7_500, 5_000],
  [12_500, 10_000], [17_500, 15_000], [25_000, 20_000], [45_000, 30_000], [90_000, 60_000], [210_000, 120_000],
  [450_000, 300_000], [750_000, 600_000], [1_050_000, 900_000], [1_500_000, 1_200_000], [2_700_000, 1_800_000],
  [5_400_000, 3_600_000], [9_000_000, 7_200_000], [16_200_000, 10_800_000], [32_400_000, 21_600_000],
  [86_400_000, 43_200_000], [604_800_000, 86_400_000], [1_814_400_000, 604_800_000], [3_628_800_000, 2_592_000_000],
];

const UNITS: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000], ['ms', 1]];

function msOf(duration: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(duration);
  if (!m) throw new Error(`not a Grafana interval: ${duration}`);
  return Number(m[1]) * UNITS.find(([u]) => u === m[2])![1];
}

/**
 * Grafana's $__interval for a panel (rangeutil.calculateInterval): the range over the panel's
 * width in points (maxDataPoints; 1000 here, a wide panel), rounded, and never below the
 * panel's min interval.
 */
export function panelInterval(range: TimeRange, minInterval?: string, resolution = 1_000): string {
  const raw = (range.to - range.from) / resolution;
  let ms = ROUNDING.find(([limit]) => raw < limit)?.[1] ?? 31_536_000_000;
  if (minInterval) ms = Math.max(ms, msOf(minInterval));
  const [unit, size] = UNITS.find(([, size]) => ms % size === 0)!;
  return `${ms / size}${unit}`;
}

/**
 * Grafana's InfluxDB metricFindQuery (ResponseParser.parse): the first column of SHOW FIELD
 * KEYS and SHOW RETENTION POLICIES, else the second column of each row when there is one (the
 * value of SHOW TAG VALUES, the selected field of a SELECT after its time), else the first;
 * then the variable's regex filter (JavaScript, /pattern/flags) keeps matches.
 */
export function variableOptions(query: string, rows: unknown[][], regex: string | undefined): string[] {
  const valueFirst = /show\s+field\s+keys|show\s+retention\s+policies/i.test(query);
  let values = rows.map((r) => String(valueFirst || r[1] === undefined ? r[0] : r[1]));
  if (regex) {
    const m = /^\/(.*)\/([a-z]*)$/.exec(regex);
    if (!m) throw new Error(`variable regex must be /pattern/flags: ${regex}`);
    const re = new RegExp(m[1]!, m[2]);
    values = values.filter((v) => re.test(v));
  }
  return [...new Set(values)];
}

export function panelsOf(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).flatMap((p: Panel | RowPanel) => (p.type === 'row' ? (p as RowPanel).panels : [p as Panel]));
}

export interface InfluxTargetJson {
  refId: string;
  query: string;
}

export function targetsOf(panel: Panel): InfluxTargetJson[] {
  return (panel.targets ?? []).map((t) => ({ refId: String(t.refId), query: String(t.query) }));
}

export function variablesOf(dashboard: Dashboard): VariableModel[] {
  return dashboard.templating?.list ?? [];
}
