import type { z } from 'zod';
import { InvalidInputError } from './domain-error';

/** The problems of a failed zod parse, each prefixed with the path of its field ("limit: ..."). */
export function problemsOf(error: z.ZodError, root = 'input'): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : root}: ${i.message}`);
}

/**
 * Parses client input (a body, a query, a path parameter, CLI options) with a zod schema, or
 * throws an InvalidInputError naming every problem. The one input parser of the project: the
 * global validation pipe (zod DTOs) and the places that parse by hand both end here.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = 'input'): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new InvalidInputError(problemsOf(result.error, root));
}
