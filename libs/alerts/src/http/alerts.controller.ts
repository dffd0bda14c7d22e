import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { ApiErrors, NotFoundError } from '@gridproof/core';
import { ApiCaller, Caller, callerSeesSite, parsePathId, Roles } from '@gridproof/registry';
import { AlertsService } from '../alerts.service';
import { AlertDetailDto, AlertDto, AlertFilterQuery, AlertViewDto, NoteBody } from './alerts.dto';

@ApiTags('alerts')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: 'List alerts, newest first; filter by state, severity (comma lists), site, device, kind' })
  @ZodResponse({ status: 200, type: [AlertViewDto] })
  @ApiErrors(400)
  async list(@Query() filter: AlertFilterQuery, @Caller() caller: ApiCaller) {
    if (!caller?.sites) return this.alerts.list(filter);
    // A site-scoped key: its own sites only, one query per site, merged in the list's order.
    const sites = filter.site ? caller.sites.filter((s) => s === filter.site) : caller.sites;
    const lists = await Promise.all(sites.map((site) => this.alerts.list({ ...filter, site })));
    return lists
      .flat()
      .sort((a, b) => b.startsAt - a.startsAt || (a.id < b.id ? -1 : 1))
      .slice(0, filter.limit);
  }

  @Get(':id')
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: 'One alert with its history and delivery log' })
  @ZodResponse({ status: 200, type: AlertDetailDto })
  @ApiErrors(400, 404)
  async get(@Param('id') id: string, @Caller() caller: ApiCaller) {
    return this.visible(id, caller);
  }

  @Post(':id/acknowledge')
  @Roles('operator', 'crew')
  @ApiOperation({ summary: 'Acknowledge: stops repeat notifications while a crew works on it' })
  @ZodResponse({ status: 201, type: AlertDto })
  @ApiErrors(400, 404, 409)
  async acknowledge(@Param('id') id: string, @Body() body: NoteBody, @Caller() caller: ApiCaller) {
    await this.visible(id, caller);
    return this.alerts.acknowledge(parsePathId(id), caller.name, body.note ?? null);
  }

  @Post(':id/resolve')
  @Roles('operator', 'crew')
  @ApiOperation({ summary: 'Resolve by hand (notifies receivers); if the condition persists it fires again as a new alert' })
  @ZodResponse({ status: 201, type: AlertDto })
  @ApiErrors(400, 404, 409)
  async resolve(@Param('id') id: string, @Body() body: NoteBody, @Caller() caller: ApiCaller) {
    await this.visible(id, caller);
    return this.alerts.resolve(parsePathId(id), caller.name, body.note ?? null);
  }

  /** The alert, if this caller may see it: a site-scoped key gets 404 for other sites' alerts (as for none). */
  private async visible(id: string, caller: ApiCaller | undefined) {
    const alert = await this.alerts.get(parsePathId(id));
    if (!alert || !callerSeesSite(caller, alert.labels.site)) throw new NotFoundError(`alert ${id} not found`);
    return alert;
  }
}
