import dashgen = require('grafana-dash-gen');
import {
  DashboardCursorSync,
  VariableHide,
  VariableRefresh,
  VariableSort,
  type AnnotationQuery,
  type Dashboard,
  type DashboardLink,
  type Panel,
  type RowPanel,
  type VariableModel,
  type VariableOption,
} from '@grafana/schema';
import { INFLUX, type InfluxAnnotationTarget } from './datasource';

/**
 * grafana-dash-gen, extended to emit current Grafana JSON.
 *
 * grafana-dash-gen (4.x) models Grafana 2-era dashboards: schemaVersion 6, `rows` holding
 * `graph`/`singlestat` panels sized by a 12-column `span`. We keep what it does well, the
 * dashboard shell, row grouping and template variables, and extend it in two places:
 *   - GridRow (a dash-gen Row) holds current panels built with @grafana/schema types;
 *   - toCurrentGrafana() turns the generated shell into schemaVersion 42 JSON: rows become
 *     `row` panels, every panel gets a gridPos, variables get datasource refs and refresh enums.
 * The grid arithmetic is Grafana's own schema-16 migration (span × 2 columns of 24, row height
 * ÷ 30 px per grid unit), so a layout reads the same as it would after Grafana's import.
 */

/** Grafana's current dashboard schema version (defaultDashboard.schemaVersion of @grafana/schema 12.4). */
export const SCHEMA_VERSION = 42;

const GRID_COLUMNS = 24;
const GRID_CELL_PX = 30;

interface PlacedPanel {
  panel: Panel;
  /** Width in dash-gen's 12-column spans. */
  span: number;
  /** Height in grid units; the row height when absent. */
  height?: number;
}

export class GridRow extends dashgen.Row {
  readonly placed: PlacedPanel[] = [];

  /** @param height default panel height in grid units (30 px each) */
  constructor(title: string, height = 8) {
    super({ title, height: `${height * GRID_CELL_PX}px`, showTitle: true, collapse: false });
  }

  add(panel: Panel, span: number, height?: number): this {
    if (span < 1 || span > 12) throw new RangeError(`span must be 1..12, got ${span} for "${panel.title}"`);
    this.placed.push({ panel, span, ...(height ? { height } : {}) });
    return this;
  }
}

interface VariableExtras {
  hide?: VariableHide;
  sort?: VariableSort;
  description?: string;
}

/**
 * An InfluxQL query variable. dash-gen's Query freezes its state and accepts only a few
 * overrides, so the Grafana 12 fields it does not know (hide, sort) ride along here.
 */
export class InfluxVariable extends dashgen.Templates.Query {
  readonly extras: VariableExtras;

  constructor(name: string, query: string, opts: { label: string; multi?: boolean; includeAll?: boolean; allValue?: string | null; regex?: string } & VariableExtras) {
    super(query.replace(/\s+/g, ' ').trim(), {
      name,
      label: opts.label,
      datasource: INFLUX.uid!,
      multi: opts.multi ?? false,
      includeAll: opts.includeAll ?? false,
      // With "All" selected Grafana substitutes allValue: a regex matching every value is far
      // cheaper for InfluxDB than an alternation of every tag value.
      allValue: opts.includeAll && opts.allValue !== null ? (opts.allValue ?? '.*') : null,
      refresh: true,
      ...(opts.regex ? { regex: opts.regex } : {}),
    });
    this.extras = { hide: opts.hide, sort: opts.sort, description: opts.description };
  }
}

export interface CurrentDashboardSpec {
  uid: string;
  description: string;
  annotations?: AnnotationQuery<InfluxAnnotationTarget>[];
  /** Dashboard links besides the GridProof drop-down. */
  links?: DashboardLink[];
}

/** Links every GridProof dashboard carries: a drop-down of the others (they share the tag). */
const DASHBOARD_LINKS: DashboardLink[] = [
  {
    title: 'GridProof',
    type: 'dashboards',
    tags: ['gridproof'],
    asDropdown: true,
    icon: 'external link',
    includeVars: false,
    keepTime: true,
    targetBlank: false,
    tooltip: '',
  },
];

/** Grafana's built-in annotation query (manual annotations and alert state), present on every dashboard. */
const BUILT_IN_ANNOTATION: AnnotationQuery = {
  builtIn: 1,
  datasource: { type: 'grafana', uid: '-- Grafana --' },
  enable: true,
  hide: true,
  iconColor: 'rgba(0, 211, 255, 1)',
  name: 'Annotations & Alerts',
  type: 'dashboard',
};

export function toCurrentGrafana(dash: dashgen.Dashboard, spec: CurrentDashboardSpec): Dashboard {
  const legacy = dash.generate();
  return {
    uid: spec.uid,
    title: legacy.title,
    description: spec.description,
    tags: legacy.tags as string[],
    timezone: legacy.timezone,
    editable: legacy.editable,
    graphTooltip: legacy.sharedCrosshair ? DashboardCursorSync.Crosshair : DashboardCursorSync.Off,
    refresh: typeof legacy.refresh === 'string' ? legacy.refresh : '',
    time: legacy.time ?? { from: 'now-6h', to: 'now' },
    schemaVersion: SCHEMA_VERSION,
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [...DASHBOARD_LINKS, ...(spec.links ?? [])],
    annotations: { list: [BUILT_IN_ANNOTATION, ...(spec.annotations ?? [])] },
    templating: { list: dash.state.templating.list.map((v, i) => toVariable(v, variableExtras(dash, i))) },
    panels: layout(dash.rows),
  };
}

// dash-gen keeps the template objects only as generated state; the extras come from our subclass.
const extrasByDashboard = new WeakMap<dashgen.Dashboard, VariableExtras[]>();

/** Adds variables in order (dash-gen's addTemplate) and remembers their Grafana 12 extras. */
export function addVariables(dash: dashgen.Dashboard, ...variables: Array<InfluxVariable | InstanceType<typeof dashgen.Templates.Custom>>): void {
  const extras = extrasByDashboard.get(dash) ?? [];
  for (const v of variables) {
    dash.addTemplate(v);
    extras.push(v instanceof InfluxVariable ? v.extras : {});
  }
  extrasByDashboard.set(dash, extras);
}

function variableExtras(dash: dashgen.Dashboard, index: number): VariableExtras {
  return extrasByDashboard.get(dash)?.[index] ?? {};
}

const ALL: VariableOption = { text: 'All', value: '$__all', selected: true };

function toVariable(legacy: Record<string, unknown>, extras: VariableExtras): VariableModel {
  const name = String(legacy.name);
  const includeAll = legacy.includeAll === true;
  const common = {
    name,
    label: typeof legacy.label === 'string' && legacy.label ? legacy.label : name,
    hide: extras.hide ?? VariableHide.dontHide,
    skipUrlSync: false,
    ...(extras.description ? { description: extras.description } : {}),
  };
  switch (legacy.type) {
    case 'query':
      return {
        ...common,
        type: 'query',
        datasource: INFLUX,
        query: String(legacy.query),
        regex: typeof legacy.regex === 'string' ? legacy.regex : '',
        refresh: legacy.refresh ? VariableRefresh.onTimeRangeChanged : VariableRefresh.onDashboardLoad,
        sort: extras.sort ?? VariableSort.naturalAsc,
        multi: legacy.multi === true,
        includeAll,
        ...(includeAll && typeof legacy.allValue === 'string' ? { allValue: legacy.allValue } : {}),
        ...(includeAll ? { current: ALL } : {}),
        options: [],
      };
    case 'custom': {
      const options = (legacy.options as VariableOption[]).map((o) => ({ text: o.text, value: o.value, selected: false }));
      return {
        ...common,
        type: 'custom',
        query: String(legacy.query),
        multi: legacy.multi === true,
        includeAll,
        ...(includeAll && typeof legacy.allValue === 'string' && legacy.allValue ? { allValue: legacy.allValue } : {}),
        current: includeAll ? ALL : { ...options[0]!, selected: true },
        options,
      };
    }
    case 'textbox': {
      const value = String(legacy.query);
      return { ...common, type: 'textbox', query: value, current: { text: value, value }, options: [{ text: value, value, selected: true }] };
    }
    default:
      throw new Error(`variable ${name}: unsupported type ${String(legacy.type)}`);
  }
}

/** Rows → `row` panels followed by their panels, packed left to right on Grafana's 24-column grid. */
function layout(rows: dashgen.Row[]): Array<Panel | RowPanel> {
  const out: Array<Panel | RowPanel> = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    if (!(row instanceof GridRow)) throw new Error(`row "${row.state.title}" is a legacy dash-gen row: use GridRow`);
    const rowHeight = Math.ceil(parseInt(String(row.state.height), 10) / GRID_CELL_PX);
    out.push({ type: 'row', id: id++, title: row.state.title, collapsed: false, panels: [], gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 } });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const { panel, span, height } of row.placed) {
      const w = span * (GRID_COLUMNS / 12);
      const h = height ?? rowHeight;
      if (x + w > GRID_COLUMNS) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      out.push({ ...panel, id: id++, gridPos: { x, y, w, h } });
      x += w;
      lineHeight = Math.max(lineHeight, h);
    }
    y += lineHeight;
  }
  return out;
}
