import type { INestApplication } from '@nestjs/common';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';

/**
 * The app's OpenAPI document. cleanupOpenApiDoc (nestjs-zod) turns the zod DTOs' JSON Schemas
 * into OpenAPI components; without it request and response schemas are placeholders.
 */
export function openApiDocument(app: INestApplication, header: Omit<OpenAPIObject, 'paths'>): OpenAPIObject {
  return cleanupOpenApiDoc(SwaggerModule.createDocument(app, header));
}
