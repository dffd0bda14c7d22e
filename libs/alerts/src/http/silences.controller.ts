import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { ApiErrors } from '@gridproof/core';
import { ApiCaller, Caller, parsePathId, Roles } from '@gridproof/registry';
import { AlertsService } from '../alerts.service';
import { CreateSilenceBody, SilenceDto } from './alerts.dto';
import { assertMaySilence, silenceReachesSites } from './silence-scope';

@ApiTags('alerts')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/silences')
export class SilencesController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: 'Silences and maintenance windows, newest first (expired ones included); a site-scoped key gets those that can reach its sites' })
  @ZodResponse({ status: 200, type: [SilenceDto] })
  async list(@Caller() caller: ApiCaller) {
    const silences = await this.alerts.silences();
    return caller?.sites ? silences.filter((s) => silenceReachesSites(s.matchers, caller.sites!)) : silences;
  }

  @Post()
  @Roles('operator', 'crew')
  @ApiOperation({ summary: 'Create a silence or recurring maintenance window (label matchers, start/end, comment); a crew\'s needs site="<one of its sites>"' })
  @ZodResponse({ status: 201, type: SilenceDto })
  @ApiErrors(400)
  create(@Body() body: CreateSilenceBody, @Caller() caller: ApiCaller) {
    assertMaySilence(caller, body.matchers);
    return this.alerts.createSilence(body, caller.name);
  }

  @Delete(':id')
  @Roles('operator', 'crew')
  @ApiOperation({ summary: 'Expire a silence now (a crew: one pinned to its sites)' })
  @ZodResponse({ status: 200, type: SilenceDto })
  @ApiErrors(400, 404)
  async expire(@Param('id') id: string, @Caller() caller: ApiCaller) {
    const silenceId = parsePathId(id);
    if (caller.role === 'crew') {
      const existing = (await this.alerts.silences()).find((s) => s.id === silenceId);
      if (existing) assertMaySilence(caller, existing.matchers);
    }
    return this.alerts.expireSilence(silenceId);
  }
}
