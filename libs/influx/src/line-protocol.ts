import type { IngestRecord } from '@gridproof/telemetry';
import type { Family } from '@gridproof/telemetry';

/**
 * InfluxDB line protocol, built by hand for the hot write path (node-influx's writePoints
 * costs ≈4× more per point). Escaping follows the InfluxDB 1.x line protocol reference:
 * measurements escape commas and spaces; tag keys, tag values and field keys escape commas,
 * equals signs and spaces; string field values are double-quoted with `"` and `\` escaped.
 */
const MEASUREMENT_SPECIAL = /[, \\\n]/g;
const TAG_SPECIAL = /[,= \\\n]/g;
const STRING_SPECIAL = /["\\]/g;

export function escapeMeasurement(name: string): string {
  return MEASUREMENT_SPECIAL.test(name) ? name.replace(MEASUREMENT_SPECIAL, escapeChar) : name;
}

export function escapeTag(value: string): string {
  return TAG_SPECIAL.test(value) ? value.replace(TAG_SPECIAL, escapeChar) : value;
}

export function quoteString(value: string): string {
  return `"${value.replace(STRING_SPECIAL, (c) => `\\${c}`)}"`;
}

// A newline cannot be escaped in line protocol (it ends the point); it never occurs in our
// identifiers, which are validated upstream, so it is replaced rather than risk a split point.
function escapeChar(c: string): string {
  return c === '\n' ? '\\ ' : `\\${c}`;
}

/** A finite number as a line-protocol float (no `i` suffix: metrics are always floats). */
export function formatFloat(value: number): string {
  return String(value);
}

export interface TelemetryTags {
  device: string;
  site: string;
  type: string;
}

/**
 * One accepted message as one point (see schema.ts): measurement = family, tags device/site/type
 * in key order (InfluxDB sorts them anyway; pre-sorted is cheaper), fields = metrics, seq and
 * rx as integers, sig as string (omitted when null), time = device ts in ms (precision=ms).
 *
 * The same record always yields the same bytes, which is what makes a spool replay land on the
 * same point (InfluxDB keeps one point per series and timestamp).
 */
export function telemetryLine(family: Family, tags: TelemetryTags, record: IngestRecord): string {
  let line = escapeMeasurement(family);
  line += `,device=${escapeTag(tags.device)}`;
  if (tags.site) line += `,site=${escapeTag(tags.site)}`;
  line += `,type=${escapeTag(tags.type)} `;
  for (const [name, value] of Object.entries(record.readings)) {
    line += `${escapeTag(name)}=${typeof value === 'number' ? formatFloat(value) : quoteString(value)},`;
  }
  line += `seq=${record.seq}i,rx=${Math.trunc(record.rx)}i`;
  if (record.sig !== null) line += `,sig=${quoteString(record.sig)}`;
  line += ` ${record.ts}`;
  return line;
}

/** Generic point for the pipeline's own measurements (gp_ingest, gp_rejections...). */
export function pointLine(
  measurement: string,
  tags: Record<string, string>,
  fields: Record<string, number | string | boolean | { int: number }>,
  timeMs: number,
): string {
  let line = escapeMeasurement(measurement);
  for (const key of Object.keys(tags).sort()) {
    if (tags[key] !== '') line += `,${escapeTag(key)}=${escapeTag(tags[key])}`;
  }
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    let text: string;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      text = formatFloat(value);
    } else if (typeof value === 'string') text = quoteString(value);
    else if (typeof value === 'boolean') text = value ? 'true' : 'false';
    else text = `${Math.trunc(value.int)}i`;
    parts.push(`${escapeTag(key)}=${text}`);
  }
  return `${line} ${parts.join(',')} ${Math.trunc(timeMs)}`;
}

/**
 * Reads back the identity of a telemetry line written by telemetryLine(): measurement, device
 * tag, seq field and timestamp (the device's ts, ms). Used to learn the last sequence and ts per
 * device from a spool left by an earlier process. Returns null for a line it cannot read.
 */
export function readTelemetryLineKey(line: string): { measurement: string; device: string; seq: number; ts: number } | null {
  const measurementEnd = indexOfUnescaped(line, ',', 0);
  if (measurementEnd < 0) return null;
  const tagsEnd = indexOfUnescaped(line, ' ', measurementEnd);
  if (tagsEnd < 0) return null;
  const tags = line.slice(measurementEnd + 1, tagsEnd);
  const deviceMatch = /(?:^|,)device=((?:[^,\\]|\\.)*)/.exec(tags);
  if (!deviceMatch) return null;
  const seqMatch = /(?:^|,)seq=(\d+)i(?:,| )/.exec(line.slice(tagsEnd + 1));
  if (!seqMatch) return null;
  // The timestamp is the last token: string fields are quoted, it never is.
  const tsMatch = / (-?\d+)$/.exec(line);
  if (!tsMatch) return null;
  return {
    measurement: unescape(line.slice(0, measurementEnd)),
    device: unescape(deviceMatch[1]),
    seq: Number(seqMatch[1]),
    ts: Number(tsMatch[1]),
  };
}

function indexOfUnescaped(text: string, char: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === char) return i;
  }
  return -1;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}
