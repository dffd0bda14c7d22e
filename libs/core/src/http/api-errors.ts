import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** The body of every error answer: Nest's shape, which DomainErrorFilter and the guards both use. */
export const apiErrorSchema = z
  .object({
    statusCode: z.number().int(),
    error: z.string().optional().describe('the status text'),
    message: z.string(),
    problems: z.array(z.string()).optional().describe('400 only: each problem, prefixed with the field it concerns'),
  });

export class ApiError extends createZodDto(apiErrorSchema) {}

const WHEN: Record<number, string> = {
  400: 'invalid input: `problems` names each field',
  401: 'no API key, or an unknown or revoked one',
  403: "the key's role may not do this",
  404: 'no such resource, or one outside a site-scoped key\'s sites',
  409: 'the resource is not in a state that allows this',
  503: 'a backing service is down',
};

/** Documents the error answers a route can give (each with the Error schema). */
export function ApiErrors(...statuses: Array<keyof typeof WHEN>): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: WHEN[status], type: ApiError })));
}
