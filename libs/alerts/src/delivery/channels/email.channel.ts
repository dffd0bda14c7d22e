import { createTransport, Transporter } from 'nodemailer';
import { z } from 'zod';
import { durationSchema } from '../../config/schema-parts';
import { emailContent } from '../payloads';
import { defineChannel, optionalMs } from './channel';

/** SMTP through nodemailer. */
export const emailChannel = defineChannel({
  kind: 'email',
  schema: z
    .object({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65_535).default(587),
      /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
      secure: z.boolean().default(false),
      require_tls: z.boolean().default(false),
      /** Accept self-signed server certificates (lab SMTP relays only). */
      tls_insecure: z.boolean().default(false),
      auth: z.object({ user: z.string().min(1), pass: z.string().min(1) }).strict().optional(),
      from: z.string().min(3),
      to: z.array(z.string().min(3)).min(1),
      send_resolved: z.boolean().default(true),
      timeout: durationSchema.optional(),
    })
    .strict(),
  build(receiver, i, c, deps) {
    const timeout = optionalMs(c.timeout) ?? deps.defaultTimeoutMs;
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
  },
});
