import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEVICE_TYPES, DeviceType } from '@gridproof/telemetry';
import { parseDuration } from '../model/duration';
import { CompiledMatcher, compileMatchers } from '../model/matchers';
import type { Severity } from '../model/labels';
import type { Recurrence } from '../model/recurrence';
import { ALERT_CHANNELS, channelEntryCount, configsKey } from '../delivery/channels';
import { AlertsFile, alertsFileSchema, ReceiverInput, RouteInput } from './alerts-config.schema';
import { DEFAULT_ALERTS_FILE } from './default-alerts-config';

/** A bad alert routing file: each problem names its path in the file and the reason. */
export class AlertsConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid alerts config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AlertsConfigError';
  }
}

export interface CompiledRoute {
  /** Stable position in the tree ("0", "0.1", ...): the group key prefix. */
  id: string;
  receiver: string;
  matchers: CompiledMatcher[];
  continue: boolean;
  /** null: group by every label ("..."). */
  groupBy: string[] | null;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  muteTimeIntervals: string[];
  routes: CompiledRoute[];
}

export interface CompiledThresholdRule {
  name: string;
  matchers: CompiledMatcher[];
  metric: string;
  op: '>' | '>=' | '<' | '<=' | '==' | '!=';
  value: number;
  forMs: number;
  clearForMs: number;
  severity: Severity;
  kind: string;
  summary?: string;
  description?: string;
}

export interface CompiledInhibitRule {
  source: CompiledMatcher[];
  target: CompiledMatcher[];
  equal: string[];
}

export interface CompiledTimeInterval {
  name: string;
  matchers: CompiledMatcher[];
  times: Recurrence[];
  comment?: string;
  author?: string;
}

export interface DeliverySettings {
  timeoutMs: number;
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  concurrency: number;
  maxQueue: number;
}

export interface AlertsConfig {
  /** Where it came from: a file path, or "built-in default". */
  source: string;
  evaluationIntervalMs: number;
  resolveTimeoutMs: number;
  externalUrl?: string;
  delivery: DeliverySettings;
  anomaly: { enabled: boolean; minScore: number; criticalScore: number; criticalTimeToFailureMs: number; resolveTimeoutMs: number };
  offline: {
    enabled: boolean;
    severity: Severity;
    expectedIntervalMs: number;
    expectedIntervalsMs: Partial<Record<DeviceType, number>>;
    missed: number;
    siteMinDevices: number;
    siteSeverity: Severity;
  };
  tampering: { enabled: boolean; windowMs: number; threshold: number; reasons: string[]; severity: Severity; resolveTimeoutMs: number };
  loginFailures: { enabled: boolean; windowMs: number; threshold: number; severity: Severity; resolveTimeoutMs: number };
  rules: CompiledThresholdRule[];
  route: CompiledRoute;
  receivers: ReceiverInput[];
  inhibitRules: CompiledInhibitRule[];
  timeIntervals: CompiledTimeInterval[];
}

const ROOT_DEFAULTS = { group_by: ['alertname', 'site'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h' };

/**
 * Loads the routing file named by GP_ALERTS_CONFIG (YAML or JSON), or the built-in default
 * when none is set. `${VAR}` references are replaced from `env` so secrets (SMTP passwords,
 * webhook tokens) stay out of the file. Throws AlertsConfigError naming every problem.
 */
export function loadAlertsConfig(path: string | undefined, env: NodeJS.ProcessEnv): AlertsConfig {
  if (!path) return compileAlertsConfig(DEFAULT_ALERTS_FILE, env, 'built-in default');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AlertsConfigError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new AlertsConfigError(path, [`not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`]);
  }
  return compileAlertsConfig(raw, env, path);
}

export function compileAlertsConfig(raw: unknown, env: NodeJS.ProcessEnv, source = 'inline'): AlertsConfig {
  const problems: string[] = [];
  const substituted = substituteEnv(raw, env, [], problems);
  if (problems.length) throw new AlertsConfigError(source, problems);
  const parsed = alertsFileSchema.safeParse(substituted);
  if (!parsed.success) {
    throw new AlertsConfigError(
      source,
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  const file = parsed.data;
  const config = compile(file, source, problems);
  if (problems.length) throw new AlertsConfigError(source, problems);
  return config!;
}

function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path: (string | number)[], problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) {
        problems.push(`${path.join('.')}: environment variable ${name} is not set`);
        return '';
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, [...path, i], problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, [...path, k], problems)]));
  }
  return value;
}

function matchersAt(list: string[] | undefined, path: string, problems: string[]): CompiledMatcher[] {
  const out: CompiledMatcher[] = [];
  (list ?? []).forEach((m, i) => {
    try {
      out.push(...compileMatchers([m]));
    } catch (err) {
      problems.push(`${path}.${i}: ${(err as Error).message}`);
    }
  });
  return out;
}

function compile(file: AlertsFile, source: string, problems: string[]): AlertsConfig | undefined {
  const ms = (d: string | number) => parseDuration(d);
  const receiverNames = new Set<string>();
  file.receivers.forEach((r, i) => {
    if (receiverNames.has(r.name)) problems.push(`receivers.${i}.name: duplicate receiver name "${r.name}"`);
    receiverNames.add(r.name);
    if (channelEntryCount(r) === 0) {
      const keys = ALERT_CHANNELS.map((c) => configsKey(c.kind)).join(', ');
      problems.push(`receivers.${i}: receiver "${r.name}" has no channel (one of ${keys})`);
    }
  });
  const intervalNames = new Set(file.time_intervals.map((t) => t.name));

  const compileRoute = (input: RouteInput, parent: CompiledRoute | null, id: string, path: string): CompiledRoute => {
    const receiver = input.receiver ?? parent?.receiver;
    if (!receiver) problems.push(`${path}.receiver: the root route needs a receiver`);
    else if (!receiverNames.has(receiver)) problems.push(`${path}.receiver: unknown receiver "${receiver}" (defined: ${[...receiverNames].join(', ')})`);
    if (!parent && input.matchers?.length) problems.push(`${path}.matchers: the root route matches every alert; it cannot have matchers`);
    (input.mute_time_intervals ?? []).forEach((n, i) => {
      if (!intervalNames.has(n)) problems.push(`${path}.mute_time_intervals.${i}: unknown time interval "${n}"`);
    });
    const groupBy = input.group_by ?? (parent ? (parent.groupBy ?? ['...']) : ROOT_DEFAULTS.group_by);
    const route: CompiledRoute = {
      id,
      receiver: receiver ?? '',
      matchers: matchersAt(input.matchers, `${path}.matchers`, problems),
      continue: input.continue ?? false,
      groupBy: groupBy.includes('...') ? null : [...groupBy].sort(),
      groupWaitMs: ms(input.group_wait ?? parent?.groupWaitMs ?? ROOT_DEFAULTS.group_wait),
      groupIntervalMs: ms(input.group_interval ?? parent?.groupIntervalMs ?? ROOT_DEFAULTS.group_interval),
      repeatIntervalMs: ms(input.repeat_interval ?? parent?.repeatIntervalMs ?? ROOT_DEFAULTS.repeat_interval),
      muteTimeIntervals: input.mute_time_intervals ?? parent?.muteTimeIntervals ?? [],
      routes: [],
    };
    if (route.groupIntervalMs <= 0) problems.push(`${path}.group_interval: must be greater than 0`);
    if (route.repeatIntervalMs <= 0) problems.push(`${path}.repeat_interval: must be greater than 0`);
    route.routes = (input.routes ?? []).map((child, i) => compileRoute(child, route, `${id}.${i}`, `${path}.routes.${i}`));
    return route;
  };
  const route = compileRoute(file.route, null, '0', 'route');

  const ruleNames = new Set<string>();
  const rules = file.rules.map((r, i) => {
    if (ruleNames.has(r.name)) problems.push(`rules.${i}.name: duplicate rule name "${r.name}"`);
    ruleNames.add(r.name);
    const typeMatchers = matchersAt(r.matchers, `rules.${i}.matchers`, problems);
    const typeNamed = typeMatchers.find((m) => m.name === 'type' && m.op === '=');
    if (typeNamed && !(DEVICE_TYPES as readonly string[]).includes(typeNamed.value)) {
      problems.push(`rules.${i}.matchers: unknown device type "${typeNamed.value}" (known: ${DEVICE_TYPES.join(', ')})`);
    }
    return {
      name: r.name,
      matchers: typeMatchers,
      metric: r.metric,
      op: r.op,
      value: r.value,
      forMs: ms(r.for),
      clearForMs: ms(r.clear_for ?? file.global.clear_for),
      severity: r.severity,
      kind: r.kind ?? r.name,
      summary: r.summary,
      description: r.description,
    };
  });

  const g = file.global;
  const s = file.sources;
  const config: AlertsConfig = {
    source,
    evaluationIntervalMs: ms(g.evaluation_interval),
    resolveTimeoutMs: ms(g.resolve_timeout),
    externalUrl: g.external_url?.replace(/\/$/, ''),
    delivery: {
      timeoutMs: ms(g.delivery.timeout),
      maxAttempts: g.delivery.max_attempts,
      initialBackoffMs: ms(g.delivery.initial_backoff),
      maxBackoffMs: ms(g.delivery.max_backoff),
      concurrency: g.delivery.concurrency,
      maxQueue: g.delivery.max_queue,
    },
    anomaly: {
      enabled: s.anomaly.enabled,
      minScore: s.anomaly.min_score,
      criticalScore: s.anomaly.critical_score,
      criticalTimeToFailureMs: ms(s.anomaly.critical_time_to_failure),
      resolveTimeoutMs: ms(s.anomaly.resolve_timeout ?? g.resolve_timeout),
    },
    offline: {
      enabled: s.offline.enabled,
      severity: s.offline.severity,
      expectedIntervalMs: ms(s.offline.expected_interval),
      expectedIntervalsMs: Object.fromEntries(Object.entries(s.offline.expected_intervals).map(([k, v]) => [k, ms(v as string | number)])),
      missed: s.offline.missed,
      siteMinDevices: s.offline.site_min_devices,
      siteSeverity: s.offline.site_severity,
    },
    tampering: {
      enabled: s.tampering.enabled,
      windowMs: ms(s.tampering.window),
      threshold: s.tampering.threshold,
      reasons: s.tampering.reasons,
      severity: s.tampering.severity,
      resolveTimeoutMs: ms(s.tampering.resolve_timeout ?? g.resolve_timeout),
    },
    loginFailures: {
      enabled: s.login_failures.enabled,
      windowMs: ms(s.login_failures.window),
      threshold: s.login_failures.threshold,
      severity: s.login_failures.severity,
      resolveTimeoutMs: ms(s.login_failures.resolve_timeout ?? g.resolve_timeout),
    },
    rules,
    route,
    receivers: file.receivers,
    inhibitRules: file.inhibit_rules.map((r, i) => ({
      source: matchersAt(r.source_matchers, `inhibit_rules.${i}.source_matchers`, problems),
      target: matchersAt(r.target_matchers, `inhibit_rules.${i}.target_matchers`, problems),
      equal: r.equal,
    })),
    timeIntervals: file.time_intervals.map((t, i) => ({
      name: t.name,
      matchers: matchersAt(t.matchers, `time_intervals.${i}.matchers`, problems),
      times: t.times,
      comment: t.comment,
      author: t.author,
    })),
  };
  return config;
}
