import { z } from 'zod';
import { alertLines, titleOf } from '../payloads';
import { defineChannel } from './channel';

/** The service log. */
export const logChannel = defineChannel({
  kind: 'log',
  schema: z.object({ send_resolved: z.boolean().default(true) }).strict(),
  build: (receiver, i, c, deps) => ({
    receiver,
    name: `log[${i}]`,
    sendResolved: c.send_resolved,
    async send(n) {
      deps.log(`${n.receiver}: ${titleOf(n)}\n${n.alerts.map((a) => '  ' + alertLines(a).join('\n    ')).join('\n')}`);
    },
  }),
});
