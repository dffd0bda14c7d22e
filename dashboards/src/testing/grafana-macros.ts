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
 * Replaces $name and ${name} with the variable values; $timeFilter and $__interval with the
 * range and interval. An unknown variable throws: a typo in a query must not pass as "no rows".
 */
export function interpolate(query: string, vars: Record<string, string>, range: TimeRange, interval = '1m'): string {
  const all: Record<string, string> = { ...vars, timeFilter: timeFilter(range), __interval: interval };
  return query.replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    const value = all[name];
    if (value === undefined) throw new Error(`query uses unknown variable $${name}: ${query}`);
    return value;
  });
}

/**
 * Grafana's InfluxDB metricFindQuery: the value column of SHOW TAG VALUES, the first column
 * otherwise; then the variable's regex filter (JavaScript, /pattern/flags) keeps matches.
 */
export function variableOptions(query: string, columns: string[], rows: unknown[][], regex: string | undefined): string[] {
  const index = /^\s*show\s+tag\s+values/i.test(query) ? columns.indexOf('value') : 0;
  let values = rows.map((r) => String(r[index]));
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
