import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  FieldColorModeId,
  FrameGeometrySourceMode,
  GraphDrawStyle,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  MappingType,
  PercentChangeColorMode,
  SortOrder,
  StackingMode,
  ThresholdsMode,
  TooltipDisplayMode,
  VisibilityMode,
  VizOrientation,
  type DataTransformerConfig,
  type FieldConfigSource,
  type Panel,
  type ThresholdsConfig,
  type ValueMapping,
} from '@grafana/schema';
import type { Options as TimeSeriesOptions, FieldConfig as TimeSeriesFieldConfig } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type { Options as TableOptions } from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type {
  Options as StateTimelineOptions,
  FieldConfig as StateTimelineFieldConfig,
} from '@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen';
import { MapCenterID, TooltipMode, type Options as GeomapOptions } from '@grafana/schema/dist/esm/raw/composable/geomap/panelcfg/x/GeomapPanelCfg_types.gen';
import { INFLUX, type InfluxTarget } from './datasource';

/**
 * Builders for the current (Grafana 10-12) panel plugins the dashboards use. Each returns a
 * `Panel` of @grafana/schema with the plugin's own option types, so a wrong option name or
 * enum value fails `npm run check`, not an operator's browser. Position (gridPos) and id are
 * assigned by the layout step (see dashgen.ts).
 */

/** A data link: Grafana interpolates ${__field.labels.x}, ${__data.fields.x}, ${__url_time_range}. */
export interface DataLink {
  title: string;
  url: string;
  targetBlank?: boolean;
}

export type Target = Omit<InfluxTarget, 'refId'>;
type Override = FieldConfigSource['overrides'][number];

interface CommonOptions {
  title: string;
  description?: string;
  targets: Target[];
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  thresholds?: ThresholdsConfig;
  mappings?: ValueMapping[];
  links?: DataLink[];
  overrides?: Override[];
  transformations?: DataTransformerConfig[];
  /** Panel repeated once per value of this variable. */
  repeat?: { variable: string; maxPerRow: number };
  /** Grafana's "min interval": $__interval never goes below it (e.g. a point written every minute must be in every bucket). */
  minInterval?: string;
}

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function targetsOf(targets: Target[]): InfluxTarget[] {
  return targets.map((t, i) => ({ refId: REF_IDS[i]!, ...t }));
}

/** Thresholds from a base colour and [from, colour] steps, e.g. steps('green', [15, 'yellow'], [25, 'red']). */
export function steps(base: string, ...rest: Array<[number, string]>): ThresholdsConfig {
  return {
    mode: ThresholdsMode.Absolute,
    steps: [{ value: null, color: base }, ...rest.map(([value, color]) => ({ value, color }))],
  };
}

/** Value → text/colour mappings for enum fields (OCPP statuses, 1/0 flags). */
export function valueMap(entries: Record<string, { text?: string; color: string }>): ValueMapping {
  const options: Record<string, { text?: string; color: string; index: number }> = {};
  Object.entries(entries).forEach(([value, r], index) => (options[value] = { ...r, index }));
  return { type: MappingType.ValueToText, options };
}

/** Field override: set the unit (or any property) of a field by its display name. */
export function byName(name: string, properties: Record<string, unknown>): Override {
  return {
    matcher: { id: 'byName', options: name },
    properties: Object.entries(properties).map(([id, value]) => ({ id, value })),
  };
}

function base(type: string, o: CommonOptions): Omit<Panel, 'fieldConfig' | 'options'> {
  return {
    type,
    title: o.title,
    ...(o.description ? { description: o.description } : {}),
    datasource: INFLUX,
    targets: targetsOf(o.targets).map((t) => ({ ...t })),
    ...(o.transformations ? { transformations: o.transformations } : {}),
    ...(o.repeat ? { repeat: o.repeat.variable, repeatDirection: 'h' as const, maxPerRow: o.repeat.maxPerRow } : {}),
    ...(o.minInterval ? { interval: o.minInterval } : {}),
  };
}

function fieldDefaults(o: CommonOptions, colorMode: FieldColorModeId) {
  return {
    color: { mode: colorMode },
    ...(o.unit ? { unit: o.unit } : {}),
    ...(o.decimals !== undefined ? { decimals: o.decimals } : {}),
    ...(o.min !== undefined ? { min: o.min } : {}),
    ...(o.max !== undefined ? { max: o.max } : {}),
    thresholds: o.thresholds ?? steps('green'),
    mappings: o.mappings ?? [],
    links: o.links ?? [],
  };
}

export interface TimeSeriesPanelOptions extends CommonOptions {
  /** Draw threshold steps on the graph (limits, guideline values). */
  showThresholds?: 'line' | 'dashed' | 'area';
  stacked?: boolean;
  bars?: boolean;
  fillOpacity?: number;
}

const THRESHOLD_STYLES = {
  line: GraphThresholdsStyleMode.Line,
  dashed: GraphThresholdsStyleMode.Dashed,
  area: GraphThresholdsStyleMode.LineAndArea,
};

export function timeseries(o: TimeSeriesPanelOptions): Panel {
  const custom: TimeSeriesFieldConfig = {
    drawStyle: o.bars ? GraphDrawStyle.Bars : GraphDrawStyle.Line,
    lineWidth: 1,
    fillOpacity: o.fillOpacity ?? (o.bars || o.stacked ? 80 : 10),
    showPoints: VisibilityMode.Never,
    spanNulls: false,
    stacking: { mode: o.stacked ? StackingMode.Normal : StackingMode.None, group: 'A' },
    thresholdsStyle: { mode: o.showThresholds ? THRESHOLD_STYLES[o.showThresholds] : GraphThresholdsStyleMode.Off },
  };
  const options: TimeSeriesOptions = {
    legend: { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
    tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending },
  };
  return {
    ...base('timeseries', o),
    fieldConfig: { defaults: { ...fieldDefaults(o, FieldColorModeId.PaletteClassic), custom: { ...custom } }, overrides: o.overrides ?? [] },
    options: { ...options },
  };
}

export interface StatPanelOptions extends CommonOptions {
  /** Reducer over the time range: lastNotNull (current value), sum, max, mean, count. */
  reduce?: 'lastNotNull' | 'sum' | 'max' | 'mean' | 'count';
  sparkline?: boolean;
  colorBackground?: boolean;
}

export function stat(o: StatPanelOptions): Panel {
  const options: StatOptions = {
    reduceOptions: { calcs: [o.reduce ?? 'lastNotNull'], fields: '', values: false },
    orientation: VizOrientation.Auto,
    colorMode: o.colorBackground ? BigValueColorMode.Background : BigValueColorMode.Value,
    graphMode: o.sparkline ? BigValueGraphMode.Area : BigValueGraphMode.None,
    justifyMode: BigValueJustifyMode.Auto,
    textMode: BigValueTextMode.Auto,
    percentChangeColorMode: PercentChangeColorMode.Standard,
    showPercentChange: false,
    wideLayout: true,
  };
  return {
    ...base('stat', o),
    fieldConfig: { defaults: fieldDefaults(o, FieldColorModeId.Thresholds), overrides: o.overrides ?? [] },
    options: { ...options },
  };
}

export interface TablePanelOptions extends CommonOptions {
  sortBy?: { displayName: string; desc: boolean };
}

export function table(o: TablePanelOptions): Panel {
  const options: TableOptions = {
    frameIndex: 0,
    showHeader: true,
    ...(o.sortBy ? { sortBy: [o.sortBy] } : {}),
  };
  return {
    ...base('table', o),
    fieldConfig: { defaults: fieldDefaults(o, FieldColorModeId.Thresholds), overrides: o.overrides ?? [] },
    options: { ...options },
  };
}

export function stateTimeline(o: CommonOptions): Panel {
  const options: StateTimelineOptions = {
    rowHeight: 0.9,
    showValue: VisibilityMode.Auto,
    mergeValues: true,
    legend: { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
    tooltip: { mode: TooltipDisplayMode.Single, sort: SortOrder.None },
  };
  const custom: StateTimelineFieldConfig = { lineWidth: 0, fillOpacity: 80 };
  return {
    ...base('state-timeline', o),
    fieldConfig: { defaults: { ...fieldDefaults(o, FieldColorModeId.Thresholds), custom: { ...custom } }, overrides: o.overrides ?? [] },
    options: { ...options },
  };
}

export interface GeomapPanelOptions extends CommonOptions {
  latitudeField: string;
  longitudeField: string;
  /** Field that colours the markers through the panel's thresholds. */
  colorField: string;
  labelField: string;
}

export function geomap(o: GeomapPanelOptions): Panel {
  const options: GeomapOptions = {
    basemap: { type: 'default', name: 'Basemap' },
    controls: { showZoom: true, mouseWheelZoom: true, showAttribution: true },
    tooltip: { mode: TooltipMode.Details },
    view: { id: MapCenterID.Fit, allLayers: true, zoom: 5 },
    layers: [
      {
        type: 'markers',
        name: 'Sites',
        tooltip: true,
        location: { mode: FrameGeometrySourceMode.Coords, latitude: o.latitudeField, longitude: o.longitudeField },
        config: {
          showLegend: true,
          style: {
            size: { fixed: 12 },
            color: { field: o.colorField, fixed: 'green' },
            opacity: 0.8,
            symbol: { mode: 'fixed', fixed: 'img/icons/marker/circle.svg' },
            text: { mode: 'field', field: o.labelField, fixed: '' },
            textConfig: { fontSize: 11, offsetX: 0, offsetY: -16, textAlign: 'center', textBaseline: 'middle' },
          },
        },
      },
    ],
  };
  return {
    ...base('geomap', o),
    fieldConfig: { defaults: fieldDefaults(o, FieldColorModeId.Thresholds), overrides: o.overrides ?? [] },
    options: { ...options },
  };
}
