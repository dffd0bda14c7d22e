import { Body, Controller, Get, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCaller, Caller, parsePathId, Roles } from '@gridproof/registry';
import { AlertsService } from '../alerts.service';
import { alertFilterSchema, noteSchema, parseOr400, toHttpError } from './http-input';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('api/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: 'List alerts; filter by state, severity (comma lists), site, device, kind' })
  list(@Query() query: Record<string, string>) {
    return this.alerts.list(parseOr400(alertFilterSchema, query));
  }

  @Get(':id')
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: 'One alert with its history and delivery log' })
  async get(@Param('id') id: string) {
    const alert = await this.alerts.get(parsePathId(id));
    if (!alert) throw new NotFoundException(`alert ${id} not found`);
    return alert;
  }

  @Post(':id/acknowledge')
  @Roles('operator', 'crew')
  @ApiOperation({ summary: 'Acknowledge: stops repeat notifications while a crew works on it' })
  acknowledge(@Param('id') id: string, @Body() body: unknown, @Caller() caller: ApiCaller) {
    const { note } = parseOr400(noteSchema, body ?? {});
    return this.alerts.acknowledge(parsePathId(id), caller.name, note ?? null).catch(toHttpError);
  }

  @Post(':id/resolve')
  @Roles('operator', 'crew')
  @ApiOperation({ summary: 'Resolve by hand (notifies receivers); if the condition persists it fires again as a new alert' })
  resolve(@Param('id') id: string, @Body() body: unknown, @Caller() caller: ApiCaller) {
    const { note } = parseOr400(noteSchema, body ?? {});
    return this.alerts.resolve(parsePathId(id), caller.name, note ?? null).catch(toHttpError);
  }
}
