import { Command, InvalidArgumentError } from 'commander';
import { apiClientFor, CliIo, processIo, table, withApiOptions } from '@gridproof/api-client';
// Types only: the CLI talks to the REST API and never loads the alerts lib's server code.
import type { Alert, Silence } from '@gridproof/alerts';

interface ListOptions {
  state?: string;
  severity?: string;
  site?: string;
  device?: string;
  kind?: string;
  limit?: number;
  json?: boolean;
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
const print = (io: CliIo, json: boolean | undefined, value: unknown, human: () => string) => io.out(json ? JSON.stringify(value, null, 2) : human());

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

function alertTable(alerts: Alert[]): string {
  if (!alerts.length) return 'no alerts';
  return table(
    ['ID', 'STATE', 'SEVERITY', 'ALERT', 'SITE', 'DEVICE', 'SINCE', 'SUMMARY'],
    alerts.map((a) => [a.id, a.state, a.severity, a.labels.alertname ?? '-', a.labels.site ?? '-', a.labels.device ?? '-', iso(a.startsAt), a.summary]),
  );
}

function alertDetail(a: Alert & { history?: Array<{ type: string; actor: string; note: string | null; at: number }> }): string {
  const lines = [
    `${a.id}  ${a.state.toUpperCase()}  ${a.severity}  ${a.labels.alertname ?? ''}`,
    `summary:     ${a.summary}`,
    `description: ${a.description}`,
    `action:      ${a.recommendedAction}`,
    `labels:      ${Object.entries(a.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `since:       ${iso(a.startsAt)}${a.endsAt !== null ? `  ended ${iso(a.endsAt)}` : ''}`,
  ];
  if (a.acknowledgedBy) lines.push(`acknowledged by ${a.acknowledgedBy} at ${iso(a.acknowledgedAt)}${a.ackNote ? `: ${a.ackNote}` : ''}`);
  if (a.resolvedBy) lines.push(`resolved by ${a.resolvedBy}${a.resolveNote ? `: ${a.resolveNote}` : ''}`);
  if (a.links.dashboard) lines.push(`dashboard:   ${a.links.dashboard}`);
  for (const h of a.history ?? []) lines.push(`  ${iso(h.at)}  ${h.type} by ${h.actor}${h.note ? `: ${h.note}` : ''}`);
  return lines.join('\n');
}

const matcherText = (m: Silence['matchers'][number]) => `${m.name}${m.op}"${m.value}"`;

/** `gridproof alerts …` and `gridproof silences …`: what a crew does by hand, on the REST API. */
export function registerAlertCommands(program: Command, io: CliIo = processIo): void {
  const alerts = program.command('alerts').description('list, inspect, acknowledge and resolve alerts');

  withApiOptions(alerts.command('list'))
    .description('list alerts, newest first')
    .option('--state <states>', 'comma list of firing, acknowledged, resolved (default: all)')
    .option('--severity <severities>', 'comma list of critical, warning, info')
    .option('--site <site>', 'only this site')
    .option('--device <id>', 'only this device')
    .option('--kind <kind>', 'only this kind (e.g. connector_overtemp)')
    .option('--limit <n>', 'at most this many (default 100)', positiveInt)
    .option('--json', 'print JSON')
    .action(async (o: ListOptions, command: Command) => {
      const list = await apiClientFor(command).get<Alert[]>('/api/alerts', {
        state: o.state,
        severity: o.severity,
        site: o.site,
        device: o.device,
        kind: o.kind,
        limit: o.limit,
      });
      print(io, o.json, list, () => alertTable(list));
    });

  withApiOptions(alerts.command('show').argument('<id>', 'alert id (from alerts list)'))
    .description('one alert with its evidence and history')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }, command: Command) => {
      const alert = await apiClientFor(command).get<Alert>(`/api/alerts/${encodeURIComponent(id)}`);
      print(io, o.json, alert, () => alertDetail(alert));
    });

  for (const [name, path, verb] of [
    ['ack', 'acknowledge', 'acknowledged'],
    ['resolve', 'resolve', 'resolved'],
  ] as const) {
    withApiOptions(alerts.command(name).argument('<id>', 'alert id (from alerts list)'))
      .description(name === 'ack' ? 'acknowledge: stops repeat notifications while you work on it' : 'resolve by hand (fires again if the condition persists)')
      .option('--note <text>', 'what you did or found')
      .option('--json', 'print JSON')
      .action(async (id: string, o: { note?: string; json?: boolean }, command: Command) => {
        const alert = await apiClientFor(command).post<Alert>(`/api/alerts/${encodeURIComponent(id)}/${path}`, o.note ? { note: o.note } : {});
        print(io, o.json, alert, () => `alert ${alert.id} ${verb}`);
      });
  }

  const silences = program.command('silences').description('mute alerts for a while (maintenance)');

  withApiOptions(silences.command('list'))
    .description('silences, newest first (expired ones included)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, command: Command) => {
      const list = await apiClientFor(command).get<Silence[]>('/api/silences');
      print(io, o.json, list, () =>
        list.length
          ? table(
              ['ID', 'MATCHERS', 'STARTS', 'ENDS', 'BY', 'COMMENT'],
              list.map((s) => [s.id, s.matchers.map(matcherText).join(','), iso(s.startsAt), iso(s.endsAt), s.createdBy, s.comment]),
            )
          : 'no silences',
      );
    });

  withApiOptions(silences.command('add'))
    .description('mute alerts matching every --matcher (operator)')
    .requiredOption('--matcher <matcher...>', 'label matcher, e.g. site="north-1" or alertname=~"Connector.*"')
    .option('--duration <duration>', 'how long from now, e.g. 2h (or --ends)')
    .option('--ends <time>', 'end time, ISO 8601 with a time zone')
    .requiredOption('--comment <text>', 'why (crews read it)')
    .option('--json', 'print JSON')
    .action(async (o: { matcher: string[]; duration?: string; ends?: string; comment: string; json?: boolean }, command: Command) => {
      if (!o.duration === !o.ends) throw new InvalidArgumentError('give exactly one of --duration or --ends');
      const silence = await apiClientFor(command).post<Silence>('/api/silences', {
        matchers: o.matcher,
        comment: o.comment,
        ...(o.duration ? { duration: o.duration } : { endsAt: o.ends }),
      });
      print(io, o.json, silence, () => `silence ${silence.id} until ${iso(silence.endsAt)}`);
    });

  withApiOptions(silences.command('expire').argument('<id>', 'silence id (from silences list)'))
    .description('end a silence now (operator)')
    .action(async (id: string, _o: unknown, command: Command) => {
      const silence = await apiClientFor(command).delete<Silence>(`/api/silences/${encodeURIComponent(id)}`);
      io.out(`silence ${silence.id} expired at ${iso(silence.endsAt)}`);
    });
}
