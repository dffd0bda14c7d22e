import type { z } from 'zod';

/**
 * A nullable field of an API schema, described. Zod (≥ 4.5) compacts a bare `T | null` into
 * `type: [T, "null"]`, which OpenAPI 3.0 cannot express and @nestjs/swagger reads as an array
 * (nestjs-zod issue #473, open). A described inner type is not bare, so zod keeps
 * `anyOf: [T, null]`, which nestjs-zod turns into `nullable: true`. Use this, not `.nullable()`,
 * for scalar fields of response and request DTOs; the OpenAPI contract test fails otherwise.
 */
export function orNull<T extends z.ZodType>(inner: T, description: string) {
  return inner.describe(description).nullable();
}
