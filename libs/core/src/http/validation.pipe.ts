import { z } from 'zod';
import { createZodValidationPipe } from 'nestjs-zod';
import { InvalidInputError } from './domain-error';
import { problemsOf } from './parse-input';

/**
 * Validates every `@Body()`, `@Query()` and `@Param()` typed with a zod DTO (`createZodDto`),
 * registered for the whole app by CoreModule. A failure is the same InvalidInputError that
 * `parseInput` throws, so the answer is the same 400 however the input was parsed.
 */
export const ZodInputPipe = createZodValidationPipe({
  createValidationException: (error) => (error instanceof z.ZodError ? new InvalidInputError(problemsOf(error)) : (error as Error)),
});
