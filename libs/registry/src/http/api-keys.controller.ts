import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeys, ApiKeyView, createApiKeySchema, CreatedApiKey } from '../api-keys/api-keys.service';
import { parseInput } from '../registry.errors';
import { parsePathId } from './http-params';
import { openApiSchema } from './openapi';

/** API-key management: admin only (no @Roles, so the guard's default applies). */
@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('api/keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeys) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key with a role; the key is shown only this once' })
  @ApiBody({ schema: openApiSchema(createApiKeySchema) })
  create(@Body() body: unknown): Promise<CreatedApiKey> {
    return this.keys.create(parseInput(createApiKeySchema, body));
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never the keys themselves)' })
  list(): Promise<ApiKeyView[]> {
    return this.keys.list();
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key; it is refused from the next request on' })
  revoke(@Param('id') keyId: string): Promise<ApiKeyView> {
    return this.keys.revoke(parsePathId(keyId));
  }
}
