import { z } from 'zod';
import type { Silence } from './model/alert';
import { DURATION_PATTERN, parseDuration } from './model/duration';
import { compileMatcher, Matcher, parseMatcher } from './model/matchers';
import { recurrenceSchema } from './model/recurrence';
import { InvalidInputError, problemsOf } from '@gridproof/core';

const structuredMatcher = z.object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), op: z.enum(['=', '!=', '=~', '!~']), value: z.string() }).strict();

/**
 * POST /api/silences. A silence is a one-off mute (startsAt..endsAt) or, with `recurrence`, a
 * maintenance window that repeats weekly inside startsAt..endsAt.
 */
export const createSilenceSchema = z
  .object({
    matchers: z.array(z.union([z.string().min(1), structuredMatcher])).min(1, 'at least one matcher'),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }).optional(),
    /** Instead of endsAt: how long from startsAt, e.g. "2h". */
    duration: z.string().regex(DURATION_PATTERN, 'a duration like 30m, 2h, 7d').optional(),
    comment: z.string().trim().min(1, 'say why (crews read it)').max(1_000),
    recurrence: z.array(recurrenceSchema).min(1).optional(),
  })
  .strict()
  .refine((s) => Boolean(s.endsAt) !== Boolean(s.duration), { message: 'give exactly one of endsAt or duration', path: ['endsAt'] });

export type CreateSilenceInput = z.input<typeof createSilenceSchema>;

/** A silence that cannot be created; each problem names its field (a 400 through the app's filter). */
export class SilenceInputError extends InvalidInputError {}

export function silenceFromInput(raw: CreateSilenceInput, author: string, now: number, id: string): Silence {
  const parsed = createSilenceSchema.safeParse(raw);
  if (!parsed.success) throw new SilenceInputError(problemsOf(parsed.error, 'body'));
  const input = parsed.data;
  const matchers: Matcher[] = [];
  input.matchers.forEach((m, i) => {
    try {
      const matcher = typeof m === 'string' ? parseMatcher(m) : m;
      compileMatcher(matcher);
      matchers.push(matcher);
    } catch (err) {
      throw new SilenceInputError([`matchers.${i}: ${(err as Error).message}`]);
    }
  });
  // As Alertmanager: a silence whose every matcher also matches a missing label would mute
  // every alert; refuse it.
  if (matchers.every((m) => compileMatcher(m).test({}))) {
    throw new SilenceInputError(['matchers: at least one matcher must not match the empty string (this silence would mute everything)']);
  }
  const startsAt = input.startsAt ? Date.parse(input.startsAt) : now;
  const endsAt = input.endsAt ? Date.parse(input.endsAt) : startsAt + parseDuration(input.duration!);
  if (endsAt <= startsAt) throw new SilenceInputError(['endsAt: must be after startsAt']);
  if (endsAt <= now) throw new SilenceInputError(['endsAt: must be in the future']);
  return { id, matchers, startsAt, endsAt, createdBy: author, comment: input.comment, recurrence: input.recurrence ?? null, createdAt: now };
}
