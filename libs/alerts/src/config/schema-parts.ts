import { z } from 'zod';
import { DURATION_PATTERN } from '../model/duration';

/** Schema pieces shared by the routing file and the channel configs (delivery/channels). */
export const durationSchema = z.union([z.string().regex(DURATION_PATTERN, 'a duration like 500ms, 30s, 2m, 1h'), z.number().nonnegative()]);

export const httpUrlSchema = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');
