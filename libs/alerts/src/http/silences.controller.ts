import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCaller, Caller, parsePathId, Roles } from '@gridproof/registry';
import { AlertsService } from '../alerts.service';
import { CreateSilenceInput } from '../silences';
import { toHttpError } from './http-input';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('api/silences')
export class SilencesController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: 'Silences and maintenance windows, newest first (expired ones included)' })
  list() {
    return this.alerts.silences();
  }

  @Post()
  @Roles('operator')
  @ApiOperation({ summary: 'Create a silence or recurring maintenance window (label matchers, start/end, comment)' })
  create(@Body() body: CreateSilenceInput, @Caller() caller: ApiCaller) {
    return this.alerts.createSilence(body, caller.name).catch(toHttpError);
  }

  @Delete(':id')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({ summary: 'Expire a silence now' })
  expire(@Param('id') id: string) {
    return this.alerts.expireSilence(parsePathId(id)).catch(toHttpError);
  }
}
