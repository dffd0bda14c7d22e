import { z } from 'zod';
import { alertmanagerChannel } from './alertmanager.channel';
import type { AlertChannel, Integration, IntegrationDeps } from './channel';
import { emailChannel } from './email.channel';
import { logChannel } from './log.channel';
import { mqttChannel } from './mqtt.channel';
import { slackChannel } from './slack.channel';
import { webhookChannel } from './webhook.channel';

/**
 * Every alert channel, in the order a receiver's integrations are built. Adding a channel is one
 * file beside these (schema + build) and one entry here; the routing file's schema, its
 * "receiver has no channel" check and docs/crews.md's test derive from this list.
 */
export const ALERT_CHANNELS = [webhookChannel, slackChannel, emailChannel, mqttChannel, logChannel, alertmanagerChannel] as const;

type Channels = (typeof ALERT_CHANNELS)[number];
export type ChannelKind = Channels['kind'];
/** The receiver's fields contributed by the channels: `<kind>_configs?: Config[]`. */
export type ChannelFields = { [C in Channels as `${C['kind']}_configs`]?: z.output<C['schema']>[] };
/** The same fields as written in the routing file (defaults not yet applied). */
export type ChannelInputFields = { [C in Channels as `${C['kind']}_configs`]?: z.input<C['schema']>[] };

export const configsKey = (kind: string) => `${kind}_configs`;

/** The zod shape of the channel fields of a receiver, derived from the registry. */
export function channelFieldsShape(): Record<string, z.ZodType> {
  return Object.fromEntries(ALERT_CHANNELS.map((c) => [configsKey(c.kind), z.array(c.schema).optional()]));
}

/** How many channel entries a receiver has (a receiver with none reaches nobody). */
export function channelEntryCount(receiver: ChannelFields): number {
  const fields = receiver as Record<string, unknown[] | undefined>;
  return ALERT_CHANNELS.reduce((n, c) => n + (fields[configsKey(c.kind)]?.length ?? 0), 0);
}

/** The integrations of every receiver, in registry order. */
export function buildIntegrations(receivers: ReadonlyArray<ChannelFields & { name: string }>, deps: IntegrationDeps): Integration[] {
  const out: Integration[] = [];
  for (const r of receivers) {
    const fields = r as unknown as Record<string, unknown[] | undefined>;
    for (const channel of ALERT_CHANNELS as ReadonlyArray<AlertChannel>) {
      fields[configsKey(channel.kind)]?.forEach((config, i) => {
        const integration = channel.build(r.name, i, config, deps);
        if (integration) out.push(integration);
      });
    }
  }
  return out;
}

export type { AlertPublisher, Integration, IntegrationDeps } from './channel';
export { DeliveryError } from './post-json';
