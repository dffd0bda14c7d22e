import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { ApiErrors } from '@gridproof/core';
import { ApiCaller, Caller, parsePathId, Roles } from '@gridproof/registry';
import { AlertsService } from '../alerts.service';
import { CreateSilenceBody, SilenceDto } from './alerts.dto';

@ApiTags('alerts')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/silences')
export class SilencesController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: 'Silences and maintenance windows, newest first (expired ones included)' })
  @ZodResponse({ status: 200, type: [SilenceDto] })
  list() {
    return this.alerts.silences();
  }

  @Post()
  @Roles('operator')
  @ApiOperation({ summary: 'Create a silence or recurring maintenance window (label matchers, start/end, comment)' })
  @ZodResponse({ status: 201, type: SilenceDto })
  @ApiErrors(400)
  create(@Body() body: CreateSilenceBody, @Caller() caller: ApiCaller) {
    return this.alerts.createSilence(body, caller.name);
  }

  @Delete(':id')
  @Roles('operator')
  @ApiOperation({ summary: 'Expire a silence now' })
  @ZodResponse({ status: 200, type: SilenceDto })
  @ApiErrors(400, 404)
  expire(@Param('id') id: string) {
    return this.alerts.expireSilence(parsePathId(id));
  }
}
