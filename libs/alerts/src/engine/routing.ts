import type { CompiledRoute } from '../config/alerts-config';
import type { Alert } from '../model/alert';
import type { Labels } from '../model/labels';
import { matchesAll } from '../model/matchers';

/** The labels routes, silences and inhibition rules match on: the alert's labels plus severity. */
export function matchLabelsOf(alert: Pick<Alert, 'labels' | 'severity'>): Labels {
  return { ...alert.labels, severity: alert.severity };
}

/**
 * Alertmanager's routing: depth-first; the first matching child takes the alert unless it sets
 * `continue`, in which case its later siblings are tried too; a node none of whose children
 * match takes the alert itself.
 */
export function matchRoutes(route: CompiledRoute, labels: Labels): CompiledRoute[] {
  if (!matchesAll(route.matchers, labels)) return [];
  const matched: CompiledRoute[] = [];
  for (const child of route.routes) {
    const found = matchRoutes(child, labels);
    matched.push(...found);
    if (found.length && !child.continue) break;
  }
  return matched.length ? matched : [route];
}

export function groupLabelsFor(route: CompiledRoute, labels: Labels): Labels {
  if (route.groupBy === null) return { ...labels };
  const out: Labels = {};
  for (const name of route.groupBy) if (labels[name] !== undefined) out[name] = labels[name];
  return out;
}

export function groupKeyOf(route: CompiledRoute, groupLabels: Labels): string {
  const pairs = Object.keys(groupLabels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(groupLabels[k])}`);
  return `${route.id}:{${pairs.join(',')}}`;
}

export function commonLabelsOf(alerts: Alert[]): Labels {
  if (!alerts.length) return {};
  const [first, ...rest] = alerts.map(matchLabelsOf);
  const out: Labels = {};
  for (const [k, v] of Object.entries(first)) if (rest.every((l) => l[k] === v)) out[k] = v;
  return out;
}
