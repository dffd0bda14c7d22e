import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import type { z } from 'zod';

/**
 * The registry's errors. They extend Nest's HTTP exceptions so a controller needs no mapping:
 * bad input → 400, unknown id → 404, existing id → 409. Outside Nest they are plain Errors.
 */
export class InvalidInputError extends BadRequestException {
  constructor(readonly problems: string[]) {
    super({ statusCode: 400, error: 'Bad Request', message: `invalid input: ${problems.join('; ')}`, problems });
  }
}

export class DeviceNotFoundError extends NotFoundException {
  constructor(readonly deviceId: string) {
    super(`device ${deviceId} not found`);
  }
}

export class DeviceExistsError extends ConflictException {
  constructor(readonly deviceId: string) {
    super(`device ${deviceId} already exists`);
  }
}

export class ApiKeyNotFoundError extends NotFoundException {
  constructor(readonly keyId: string) {
    super(`API key ${keyId} not found`);
  }
}

/** Parses API or CLI input with a zod schema; every problem is named with its path. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new InvalidInputError(result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)));
}
