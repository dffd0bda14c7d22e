import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { ApiErrors } from '@gridproof/core';
import { ApiKeys } from '../api-keys/api-keys.service';
import { parsePathId } from './http-params';
import { ApiKeyDto, CreateApiKeyBody, CreatedApiKeyDto } from './registry.dto';

/** API-key management: admin only (no @Roles, so the guard's default applies). */
@ApiTags('api-keys')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeys) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key with a role (crew keys may be scoped to sites); the key is shown only this once' })
  @ZodResponse({ status: 201, type: CreatedApiKeyDto })
  @ApiErrors(400)
  create(@Body() body: CreateApiKeyBody) {
    return this.keys.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never the keys themselves)' })
  @ZodResponse({ status: 200, type: [ApiKeyDto] })
  list() {
    return this.keys.list();
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key; it is refused from the next request on' })
  @ZodResponse({ status: 200, type: ApiKeyDto })
  @ApiErrors(400, 404)
  revoke(@Param('id') keyId: string) {
    return this.keys.revoke(parsePathId(keyId));
  }
}
