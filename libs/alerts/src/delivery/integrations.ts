import { createTransport, Transporter } from 'nodemailer';
import type { EmailConfig, MqttConfig, ReceiverInput, SlackConfig, WebhookConfig } from '../config/alerts-config.schema';
import { parseDuration } from '../model/duration';
import type { Alert, Notification } from '../model/alert';
import { alertLines, emailContent, mqttPayload, slackPayload, titleOf, webhookPayload } from './payloads';

/** One way of reaching a receiver (a receiver may have several: webhook + email + MQTT). */
export interface Integration {
  receiver: string;
  /** e.g. "webhook[0]", "email[0]": names the integration in the delivery log and metrics. */
  name: string;
  sendResolved: boolean;
  timeoutMs?: number;
  send(n: Notification, signal: AbortSignal): Promise<void>;
  close?(): void;
}

/** Publishes an MQTT message through the broker (libs/broker provides one). */
export type AlertPublisher = (topic: string, payload: string) => Promise<void> | void;

export interface IntegrationDeps {
  externalUrl: string;
  publish?: AlertPublisher;
  log: (message: string) => void;
  warn: (message: string) => void;
}

const ms = (d: string | number | undefined) => (d === undefined ? undefined : parseDuration(d));

/** Permanent failures (a 4xx other than 408/429) are not retried, as Alertmanager does. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

async function postJson(url: string, body: unknown, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'GridProof-Alerts/1', ...headers },
    body: JSON.stringify(body),
    signal,
  });
  // Drain the body so the keep-alive socket is released.
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
    throw new DeliveryError(`HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`, permanent);
  }
}

function webhook(receiver: string, i: number, c: WebhookConfig, deps: IntegrationDeps): Integration {
  return {
    receiver,
    name: `webhook[${i}]`,
    sendResolved: c.send_resolved,
    timeoutMs: ms(c.timeout),
    send: (n, signal) => postJson(c.url, webhookPayload(n, deps.externalUrl), c.headers ?? {}, signal),
  };
}

function slack(receiver: string, i: number, c: SlackConfig): Integration {
  return {
    receiver,
    name: `slack[${i}]`,
    sendResolved: c.send_resolved,
    timeoutMs: ms(c.timeout),
    send: (n, signal) => postJson(c.url, slackPayload(n, c), {}, signal),
  };
}

function email(receiver: string, i: number, c: EmailConfig, timeoutMs: number): Integration {
  const timeout = ms(c.timeout) ?? timeoutMs;
  const transport: Transporter = createTransport({
    host: c.host,
    port: c.port,
    secure: c.secure,
    requireTLS: c.require_tls,
    auth: c.auth,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    tls: { rejectUnauthorized: !c.tls_insecure },
  });
  return {
    receiver,
    name: `email[${i}]`,
    sendResolved: c.send_resolved,
    timeoutMs: timeout,
    async send(n, signal) {
      const { subject, text, html } = emailContent(n);
      // nodemailer takes no AbortSignal; its own socket timeouts bound the attempt, the race
      // makes the queue's deadline authoritative.
      await Promise.race([
        transport.sendMail({ from: c.from, to: c.to, subject, text, html, headers: { 'X-GridProof-Group': n.groupKey } }),
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })),
      ]);
    },
    close: () => transport.close(),
  };
}

function mqtt(receiver: string, i: number, c: MqttConfig, publish: AlertPublisher): Integration {
  return {
    receiver,
    name: `mqtt[${i}]`,
    sendResolved: c.send_resolved,
    async send(n) {
      const bySite = new Map<string, Alert[]>();
      for (const a of n.alerts) {
        const site = a.labels.site;
        if (!site) continue; // crew apps subscribe per site; site-less alerts go to other receivers
        bySite.set(site, [...(bySite.get(site) ?? []), a]);
      }
      for (const [site, alerts] of bySite) {
        await publish(c.topic.replace('{site}', site), JSON.stringify(mqttPayload(n, alerts)));
      }
    },
  };
}

function logIntegration(receiver: string, i: number, sendResolved: boolean, log: (m: string) => void): Integration {
  return {
    receiver,
    name: `log[${i}]`,
    sendResolved,
    async send(n) {
      log(`${n.receiver}: ${titleOf(n)}\n${n.alerts.map((a) => '  ' + alertLines(a).join('\n    ')).join('\n')}`);
    },
  };
}

export function buildIntegrations(receivers: ReceiverInput[], deps: IntegrationDeps, defaultTimeoutMs: number): Integration[] {
  const out: Integration[] = [];
  for (const r of receivers) {
    r.webhook_configs?.forEach((c, i) => out.push(webhook(r.name, i, c, deps)));
    r.slack_configs?.forEach((c, i) => out.push(slack(r.name, i, c)));
    r.email_configs?.forEach((c, i) => out.push(email(r.name, i, c, defaultTimeoutMs)));
    r.mqtt_configs?.forEach((c, i) => {
      if (deps.publish) out.push(mqtt(r.name, i, c, deps.publish));
      else deps.warn(`receiver ${r.name}: mqtt_configs[${i}] skipped, no MQTT broker to publish through`);
    });
    r.log_configs?.forEach((c, i) => out.push(logIntegration(r.name, i, c.send_resolved, deps.log)));
  }
  return out;
}
