import { z } from 'zod';
import { AUTH_FAILURE_REASONS } from '@gridproof/events';
import { DEVICE_TYPES, REJECTION_REASONS } from '@gridproof/telemetry';
import { channelFieldsShape, type ChannelFields, type ChannelInputFields } from '../delivery/channels';
import { SEVERITIES } from '../model/labels';
import { recurrenceSchema } from '../model/recurrence';
import { durationSchema } from './schema-parts';

/**
 * Every ingest rejection and broker refusal a tampering rule may count: all of them come from
 * an authenticated session, so they are evidence about that device. Refused logins are not:
 * anyone can claim any device id (issue #13, finding 3); they feed the LoginFailures alert.
 */
const TAMPERING_EVIDENCE = [...REJECTION_REASONS, ...AUTH_FAILURE_REASONS] as const;

/**
 * What a device does not do by accident: signatures that fail or are re-spelled, a replayed
 * seq with other content, topics it may not use. Harmless redeliveries (`duplicate`) and
 * validation errors of buggy firmware are left out.
 */
export const DEFAULT_TAMPERING_REASONS = [
  'bad_signature',
  'signature_encoding',
  'replayed_sequence',
  'topic_denied',
  'subscribe_denied',
] as const satisfies ReadonlyArray<(typeof TAMPERING_EVIDENCE)[number]>;

/**
 * The alert routing file (GP_ALERTS_CONFIG, YAML or JSON). Keys follow Prometheus
 * Alertmanager (route, receivers, inhibit_rules, group_by, group_wait, ...) so crews who know
 * Alertmanager can read it; docs/crews.md is the reference. Durations are strings like "30s".
 */
const duration = durationSchema;
const matcherList = z.array(z.string().min(1));
const severity = z.enum(SEVERITIES);
const name = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1-64 characters)');

export interface RouteInput {
  receiver?: string;
  matchers?: string[];
  continue?: boolean;
  group_by?: string[];
  group_wait?: string | number;
  group_interval?: string | number;
  repeat_interval?: string | number;
  mute_time_intervals?: string[];
  routes?: RouteInput[];
}

export const routeSchema: z.ZodType<RouteInput> = z.lazy(() =>
  z
    .object({
      receiver: z.string().optional(),
      matchers: matcherList.optional(),
      continue: z.boolean().optional(),
      group_by: z.array(z.string().min(1)).optional(),
      group_wait: duration.optional(),
      group_interval: duration.optional(),
      repeat_interval: duration.optional(),
      mute_time_intervals: z.array(z.string()).optional(),
      routes: z.array(routeSchema).optional(),
    })
    .strict(),
);

/** A receiver: a name and the channel entries (`webhook_configs`, `email_configs`, …) of delivery/channels. */
export type ReceiverInput = { name: string } & ChannelFields;
export const receiverSchema = z
  .object({ name, ...channelFieldsShape() })
  .strict() as unknown as z.ZodType<ReceiverInput, { name: string } & ChannelInputFields>;

export const inhibitRuleSchema = z
  .object({
    source_matchers: matcherList.min(1),
    target_matchers: matcherList.min(1),
    equal: z.array(z.string()).default([]),
  })
  .strict();

export const thresholdRuleSchema = z
  .object({
    name,
    /** Which devices the rule watches: matchers on device labels (device, site, type, family). */
    matchers: matcherList.default([]),
    metric: z.string().min(1),
    op: z.enum(['>', '>=', '<', '<=', '==', '!=']),
    value: z.number(),
    /** The condition must hold this long (by reading timestamps) before the alert fires. */
    for: duration.default('0s'),
    /** The condition must stay clear this long before the alert resolves by itself. */
    clear_for: duration.optional(),
    severity: severity.default('warning'),
    kind: z.string().min(1).optional(),
    summary: z.string().optional(),
    description: z.string().optional(),
  })
  .strict();

export const timeIntervalSchema = z
  .object({
    name,
    /** Standing maintenance windows: alerts matching these are muted while the window is open. */
    matchers: matcherList.default([]),
    times: z.array(recurrenceSchema).min(1),
    comment: z.string().optional(),
    author: z.string().optional(),
  })
  .strict();

export const alertsFileSchema = z
  .object({
    global: z
      .object({
        /** How often the engine evaluates timers, groups and timeouts. */
        evaluation_interval: duration.default('1s'),
        /** Anomaly and tampering alerts resolve after this long without new evidence. */
        resolve_timeout: duration.default('15m'),
        /** Threshold alerts resolve once their condition has been clear this long. */
        clear_for: duration.default('2m'),
        /** Base URL of this API in alert links; default http://{GP_HOST}:{GP_API_PORT}. */
        external_url: z.string().url().optional(),
        delivery: z
          .object({
            timeout: duration.default('10s'),
            max_attempts: z.number().int().min(1).max(50).default(6),
            initial_backoff: duration.default('1s'),
            max_backoff: duration.default('5m'),
            /** Notifications in flight per receiver integration. */
            concurrency: z.number().int().min(1).max(32).default(2),
            /** Queued notifications per integration before the oldest is dropped (logged, counted). */
            max_queue: z.number().int().min(1).default(1_000),
          })
          .strict()
          .default({ timeout: '10s', max_attempts: 6, initial_backoff: '1s', max_backoff: '5m', concurrency: 2, max_queue: 1_000 }),
      })
      .strict()
      .default({
        evaluation_interval: '1s',
        resolve_timeout: '15m',
        clear_for: '2m',
        delivery: { timeout: '10s', max_attempts: 6, initial_backoff: '1s', max_backoff: '5m', concurrency: 2, max_queue: 1_000 },
      }),
    sources: z
      .object({
        anomaly: z
          .object({
            enabled: z.boolean().default(true),
            /** Ignore anomaly events scoring below this (the detector's own threshold applies first). */
            min_score: z.number().min(0).max(1).default(0),
            critical_score: z.number().min(0).max(1).default(0.95),
            /** Maintenance predictions with less time than this left are critical. */
            critical_time_to_failure: duration.default('24h'),
            resolve_timeout: duration.optional(),
          })
          .strict()
          .default({ enabled: true, min_score: 0, critical_score: 0.95, critical_time_to_failure: '24h' }),
        offline: z
          .object({
            enabled: z.boolean().default(true),
            severity: severity.default('warning'),
            /** Expected reading interval; a device is offline after `missed` intervals without one. */
            expected_interval: duration.default('60s'),
            expected_intervals: z.partialRecord(z.enum(DEVICE_TYPES), duration).default({}),
            missed: z.number().int().min(1).default(3),
            /** A site whose tracked devices (at least this many) are all offline raises SiteOffline. */
            site_min_devices: z.number().int().min(1).default(2),
            site_severity: severity.default('critical'),
          })
          .strict()
          .default({ enabled: true, severity: 'warning', expected_interval: '60s', expected_intervals: {}, missed: 3, site_min_devices: 2, site_severity: 'critical' }),
        tampering: z
          .object({
            enabled: z.boolean().default(true),
            window: duration.default('1m'),
            threshold: z.number().int().min(1).default(5),
            reasons: z.array(z.enum(TAMPERING_EVIDENCE)).default([...DEFAULT_TAMPERING_REASONS]),
            severity: severity.default('critical'),
            resolve_timeout: duration.optional(),
          })
          .strict()
          .default({ enabled: true, window: '1m', threshold: 5, reasons: [...DEFAULT_TAMPERING_REASONS], severity: 'critical' }),
        /** Refused MQTT logins of all sources together: one LoginFailures alert, at most one update per window. */
        login_failures: z
          .object({
            enabled: z.boolean().default(true),
            window: duration.default('5m'),
            threshold: z.number().int().min(1).default(50),
            severity: severity.default('warning'),
            resolve_timeout: duration.optional(),
          })
          .strict()
          .default({ enabled: true, window: '5m', threshold: 50, severity: 'warning' }),
      })
      .strict()
      .default({
        anomaly: { enabled: true, min_score: 0, critical_score: 0.95, critical_time_to_failure: '24h' },
        offline: { enabled: true, severity: 'warning', expected_interval: '60s', expected_intervals: {}, missed: 3, site_min_devices: 2, site_severity: 'critical' },
        tampering: { enabled: true, window: '1m', threshold: 5, reasons: [...DEFAULT_TAMPERING_REASONS], severity: 'critical' },
        login_failures: { enabled: true, window: '5m', threshold: 50, severity: 'warning' },
      }),
    rules: z.array(thresholdRuleSchema).default([]),
    route: routeSchema,
    receivers: z.array(receiverSchema).min(1),
    inhibit_rules: z.array(inhibitRuleSchema).default([]),
    time_intervals: z.array(timeIntervalSchema).default([]),
  })
  .strict();

export type AlertsFile = z.infer<typeof alertsFileSchema>;
export type ThresholdRuleInput = z.infer<typeof thresholdRuleSchema>;
