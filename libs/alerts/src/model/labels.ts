import { createHash } from 'node:crypto';

/** Alert labels: the identity and routing keys of an alert (Alertmanager's model). */
export type Labels = Record<string, string>;

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s);
}

/**
 * Same problem on the same device = same alert: the fingerprint hashes the sorted identifying
 * labels (never the severity, the evidence or the timestamps, which change while the problem
 * stays the same). A \u0000 separator keeps "a=bc" and "ab=c" apart.
 */
export function fingerprintOf(labels: Labels): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(labels).sort()) hash.update(`${key}\u0000${labels[key]}\u0000`);
  return hash.digest('hex').slice(0, 16);
}

/** Labels with undefined/empty values dropped, so a missing site is "no label", not "". */
export function cleanLabels(labels: Record<string, string | undefined | null>): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels)) if (v !== undefined && v !== null && v !== '') out[k] = v;
  return out;
}
