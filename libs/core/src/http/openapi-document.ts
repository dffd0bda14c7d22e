import type { INestApplication } from '@nestjs/common';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';

/**
 * The app's OpenAPI 3.0 document. cleanupOpenApiDoc (nestjs-zod) turns the zod DTOs' JSON
 * Schemas into OpenAPI components; without it request and response schemas are placeholders.
 */
export function openApiDocument(app: INestApplication, header: Omit<OpenAPIObject, 'paths'>): OpenAPIObject {
  return withoutTypeLists(cleanupOpenApiDoc(SwaggerModule.createDocument(app, header)));
}

/**
 * Zod (≥ 4.5) compacts unions of bare types into a JSON Schema type list (`type: ["number",
 * "string"]`), which OpenAPI 3.0 cannot express and nestjs-zod leaves as is (issue #473): spell
 * each list as `anyOf` of single types, with `nullable: true` for "null". A list on a DTO's own
 * property never gets here (@nestjs/swagger reads it as an array first): see orNull.
 */
function withoutTypeLists<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withoutTypeLists) as T;
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = withoutTypeLists(value);
  if (Array.isArray(out.type)) {
    const types = (out.type as string[]).filter((t) => t !== 'null');
    const nullable = types.length < (out.type as string[]).length;
    delete out.type;
    if (types.length === 1) out.type = types[0];
    else out.anyOf = types.map((type) => ({ type }));
    if (nullable) out.nullable = true;
  }
  return out as T;
}
