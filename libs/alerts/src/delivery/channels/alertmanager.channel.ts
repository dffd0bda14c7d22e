import { z } from 'zod';
import { durationSchema, httpUrlSchema } from '../../config/schema-parts';
import type { Alert } from '../../model/alert';
import { parseDuration } from '../../model/duration';
import { defineChannel, optionalMs } from './channel';
import { postJson } from './post-json';

/**
 * Posts alerts to an existing Prometheus Alertmanager (`POST /api/v2/alerts`), for teams that
 * already route, silence and page with one. Alertmanager resolves an alert by itself once its
 * `endsAt` passes, so, like Prometheus, this channel re-posts every firing alert each
 * `resend_interval` with `endsAt` four intervals ahead (Prometheus' rule), and posts a resolved
 * alert once with its real `endsAt`.
 */
export const alertmanagerChannel = defineChannel({
  kind: 'alertmanager',
  schema: z
    .object({
      /** Base URL of Alertmanager, e.g. http://alertmanager:9093 (the API path is added). */
      url: httpUrlSchema,
      headers: z.record(z.string(), z.string()).optional(),
      resend_interval: durationSchema.default('1m'),
      send_resolved: z.boolean().default(true),
      timeout: durationSchema.optional(),
    })
    .strict(),
  build(receiver, i, c, deps) {
    const endpoint = `${c.url.replace(/\/+$/, '')}/api/v2/alerts`;
    const resendMs = parseDuration(c.resend_interval);
    const timeoutMs = optionalMs(c.timeout) ?? deps.defaultTimeoutMs;
    const firing = new Map<string, Alert>();
    const post = (alerts: Alert[], signal: AbortSignal) =>
      postJson(endpoint, alerts.map((a) => postableAlert(a, resendMs)), c.headers ?? {}, signal);

    let failing = false;
    const timer = setInterval(() => {
      if (!firing.size) return;
      post([...firing.values()], AbortSignal.timeout(timeoutMs)).then(
        () => (failing = false),
        (err: Error) => {
          // One warning per failure streak: the next notification goes through the queue's retries.
          if (!failing) deps.warn(`receiver ${receiver}: alertmanager[${i}] resend failed: ${err.message}`);
          failing = true;
        },
      );
    }, resendMs);
    timer.unref();

    return {
      receiver,
      name: `alertmanager[${i}]`,
      sendResolved: c.send_resolved,
      timeoutMs,
      async send(n, signal) {
        for (const a of n.alerts) {
          if (a.state === 'resolved') firing.delete(a.fingerprint);
          else firing.set(a.fingerprint, a);
        }
        await post(n.alerts, signal);
      },
      close: () => clearInterval(timer),
    };
  },
});

/** Alertmanager's postableAlert (api/v2 openapi.yaml): labels, annotations, times, generatorURL. */
function postableAlert(a: Alert, resendMs: number) {
  const endsAt = a.state === 'resolved' && a.endsAt !== null ? a.endsAt : Date.now() + 4 * resendMs;
  return {
    labels: { ...a.labels, severity: a.severity, source: a.source },
    annotations: {
      summary: a.summary,
      description: a.description,
      recommended_action: a.recommendedAction,
      gridproof_alert_id: a.id,
      ...(a.links.dashboard ? { dashboard: a.links.dashboard } : {}),
    },
    startsAt: new Date(a.startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    generatorURL: a.links.api,
  };
}
