import type { Alert, Notification } from '../model/alert';
import { formatDuration } from '../model/duration';

/**
 * Notification bodies. The JSON webhook follows Alertmanager's webhook payload (version 4) and
 * adds GridProof's fields (evidence, recommended action, links, acknowledgement), so receivers
 * written for Alertmanager keep working.
 */
export function alertJson(a: Alert) {
  return {
    id: a.id,
    fingerprint: a.fingerprint,
    status: a.state === 'resolved' ? 'resolved' : 'firing',
    state: a.state,
    severity: a.severity,
    labels: a.labels,
    annotations: { summary: a.summary, description: a.description, recommended_action: a.recommendedAction },
    summary: a.summary,
    description: a.description,
    evidence: a.evidence,
    timeToFailureMs: a.timeToFailureMs,
    recommendedAction: a.recommendedAction,
    links: a.links,
    generatorURL: a.links.api,
    startsAt: new Date(a.startsAt).toISOString(),
    updatedAt: new Date(a.updatedAt).toISOString(),
    endsAt: a.endsAt === null ? null : new Date(a.endsAt).toISOString(),
    acknowledgedBy: a.acknowledgedBy,
  };
}

export function webhookPayload(n: Notification, externalUrl: string) {
  return {
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: 0,
    status: n.status,
    receiver: n.receiver,
    groupLabels: n.groupLabels,
    commonLabels: n.commonLabels,
    externalURL: externalUrl,
    notificationId: n.id,
    alerts: n.alerts.map(alertJson),
  };
}

const ICON: Record<string, string> = { critical: ':red_circle:', warning: ':large_orange_circle:', info: ':large_blue_circle:' };

export function titleOf(n: Notification): string {
  const firing = n.alerts.filter((a) => a.state !== 'resolved').length;
  const resolved = n.alerts.length - firing;
  const scope = Object.entries(n.groupLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const counts = [firing ? `FIRING:${firing}` : '', resolved ? `RESOLVED:${resolved}` : ''].filter(Boolean).join(' ');
  return `[${counts}] ${scope}`.trim();
}

export function alertLines(a: Alert): string[] {
  const lines = [
    `${a.state === 'resolved' ? 'RESOLVED' : a.severity.toUpperCase()}: ${a.summary}`,
    a.description,
    `Action: ${a.recommendedAction}`,
  ];
  if (a.timeToFailureMs !== null && a.state !== 'resolved') lines.push(`Predicted time to failure: ${formatDuration(a.timeToFailureMs)}`);
  // The console first: a person can open it in a browser (the API link wants a key header).
  if (a.links.console) lines.push(`Console: ${a.links.console}`);
  if (a.links.dashboard) lines.push(`Dashboard: ${a.links.dashboard}`);
  lines.push(`Alert: ${a.links.api}`);
  return lines;
}

/** Slack-compatible incoming webhook: `text` as the fallback, Block Kit sections per alert. */
export function slackPayload(n: Notification, opts: { channel?: string; username?: string }) {
  const title = titleOf(n);
  const blocks: unknown[] = [{ type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } }];
  for (const a of n.alerts.slice(0, 20)) {
    const icon = a.state === 'resolved' ? ':white_check_mark:' : ICON[a.severity];
    const [head, ...rest] = alertLines(a);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `${icon} *${head}*\n${rest.join('\n')}`.slice(0, 3000) } });
  }
  return {
    text: `${title}\n${n.alerts.map((a) => `• ${a.summary}`).join('\n')}`,
    blocks,
    ...(opts.channel ? { channel: opts.channel } : {}),
    ...(opts.username ? { username: opts.username } : {}),
  };
}

/**
 * The e-mail: a subject a crew can triage from the inbox (status counts and group, then the most
 * severe alert's severity, name and device, and how many more), a text part, and an HTML part
 * whose links are links.
 */
export function emailContent(n: Notification): { subject: string; text: string; html: string } {
  const top = [...n.alerts].sort((a, b) => rankOf(a) - rankOf(b))[0];
  const more = n.alerts.length > 1 ? ` (+${n.alerts.length - 1} more)` : '';
  const what = top ? ` ${top.state === 'resolved' ? 'RESOLVED' : top.severity.toUpperCase()} ${top.labels.alertname ?? ''} ${top.labels.device ?? top.labels.site ?? ''}`.trimEnd() : '';
  const subject = `GridProof ${titleOf(n)}:${what}${more}`;
  const text = n.alerts.map((a) => alertLines(a).join('\n')).join('\n\n---\n\n');
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const link = (label: string, url: string) => `${esc(label)}: <a href="${esc(url)}">${esc(url)}</a>`;
  const html = n.alerts
    .map((a) => {
      const [head, ...rest] = alertLines(a);
      const body = rest.map((line) => {
        const m = /^(Console|Dashboard|Alert): (https?:\/\/\S+)$/.exec(line);
        return m ? link(m[1], m[2]) : esc(line);
      });
      return `<h3>${esc(head)}</h3><p>${body.join('<br>')}</p>`;
    })
    .join('<hr>');
  return { subject, text, html };
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/** Firing before resolved, then the most severe first. */
function rankOf(a: Alert): number {
  return (a.state === 'resolved' ? 10 : 0) + (SEVERITY_RANK[a.severity] ?? 3);
}

/** MQTT crew-app message: one per site, only that site's alerts. */
export function mqttPayload(n: Notification, alerts: Alert[]) {
  return { version: '1', notificationId: n.id, status: n.status, groupLabels: n.groupLabels, alerts: alerts.map(alertJson) };
}
