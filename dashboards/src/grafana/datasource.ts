import type { DataQuery, DataSourceRef } from '@grafana/schema';

/**
 * The one datasource every panel and variable reads: GridProof's InfluxDB through InfluxQL.
 * The uid is fixed in the provisioning file (dashboards/provisioning/datasources) so panels
 * can reference it without a lookup by name.
 */
export const INFLUX_DATASOURCE_UID = 'gridproof-influxdb';
export const INFLUX: DataSourceRef = { type: 'influxdb', uid: INFLUX_DATASOURCE_UID };

/** A raw InfluxQL target, as Grafana's InfluxDB datasource stores it in panel JSON. */
export interface InfluxTarget extends DataQuery {
  datasource: DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  /** Series name pattern: $tag_<key>, $col, $m. */
  alias?: string;
}

/** Extra columns an InfluxQL annotation maps onto the annotation's title, text and tags. */
export interface InfluxAnnotationTarget extends InfluxTarget {
  fromAnnotations: true;
  titleColumn?: string;
  textColumn?: string;
  tagsColumn?: string;
}

export function influxql(query: string, opts: { alias?: string; table?: boolean } = {}): Omit<InfluxTarget, 'refId'> {
  return {
    datasource: INFLUX,
    query: query.replace(/\s+/g, ' ').trim(),
    rawQuery: true,
    resultFormat: opts.table ? 'table' : 'time_series',
    ...(opts.alias ? { alias: opts.alias } : {}),
  };
}
