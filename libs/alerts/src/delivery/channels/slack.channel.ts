import { z } from 'zod';
import { durationSchema, httpUrlSchema } from '../../config/schema-parts';
import { slackPayload } from '../payloads';
import { defineChannel, optionalMs } from './channel';
import { postJson } from './post-json';

/** A Slack-compatible incoming webhook (Mattermost and Rocket.Chat accept it too). */
export const slackChannel = defineChannel({
  kind: 'slack',
  schema: z
    .object({
      url: httpUrlSchema,
      channel: z.string().optional(),
      username: z.string().optional(),
      send_resolved: z.boolean().default(true),
      timeout: durationSchema.optional(),
    })
    .strict(),
  build: (receiver, i, c) => ({
    receiver,
    name: `slack[${i}]`,
    sendResolved: c.send_resolved,
    timeoutMs: optionalMs(c.timeout),
    send: (n, signal) => postJson(c.url, slackPayload(n, c), {}, signal),
  }),
});
