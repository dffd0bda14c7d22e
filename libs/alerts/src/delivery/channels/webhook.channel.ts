import { z } from 'zod';
import { durationSchema, httpUrlSchema } from '../../config/schema-parts';
import { webhookPayload } from '../payloads';
import { defineChannel, optionalMs } from './channel';
import { postJson } from './post-json';

/** JSON in Alertmanager's webhook format (version 4) plus GridProof's fields (docs/crews.md). */
export const webhookChannel = defineChannel({
  kind: 'webhook',
  schema: z
    .object({
      url: httpUrlSchema,
      headers: z.record(z.string(), z.string()).optional(),
      send_resolved: z.boolean().default(true),
      timeout: durationSchema.optional(),
    })
    .strict(),
  build: (receiver, i, c, deps) => ({
    receiver,
    name: `webhook[${i}]`,
    sendResolved: c.send_resolved,
    timeoutMs: optionalMs(c.timeout),
    send: (n, signal) => postJson(c.url, webhookPayload(n, deps.externalUrl), c.headers ?? {}, signal),
  }),
});
