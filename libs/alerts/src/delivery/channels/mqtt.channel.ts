import { z } from 'zod';
import type { Alert } from '../../model/alert';
import { mqttPayload } from '../payloads';
import { defineChannel } from './channel';

/** One message per site through GridProof's own broker, for crew apps. */
export const mqttChannel = defineChannel({
  kind: 'mqtt',
  schema: z
    .object({
      /** {site} is replaced; default gp/v1/sites/{site}/alerts. */
      topic: z.string().default('gp/v1/sites/{site}/alerts'),
      send_resolved: z.boolean().default(true),
    })
    .strict(),
  build(receiver, i, c, deps) {
    const publish = deps.publish;
    if (!publish) {
      deps.warn(`receiver ${receiver}: mqtt_configs[${i}] skipped, no MQTT broker to publish through`);
      return undefined;
    }
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
  },
});
