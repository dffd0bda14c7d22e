import { Body, Controller, Get, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCaller, Caller, callerSeesSite, parsePathId, Roles } from '@gridproof/registry';
import { AlertsService, AlertView } from '../alerts.service';
import { alertFilterSchema, noteSchema, parseOr400, toHttpError } from './http-input';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('api/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: 'List alerts; filter by state, severity (comma lists), site, device, kind' })
  async list(@Query() query: Record<string, string>, @Caller() caller: ApiCaller): Promise<AlertView[]> {
    const filter = parseOr400(alertFilterSchema, query);
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
  async get(@Param('id') id: string, @Caller() caller: ApiCaller) {
    return this.visible(id, caller);
  }

  @Post(':id/acknowledge')
  @Roles('operator', 'crew')
  @ApiOperation({ summary: 'Acknowledge: stops repeat notifications while a crew works on it' })
  async acknowledge(@Param('id') id: string, @Body() body: unknown, @Caller() caller: ApiCaller) {
    const { note } = parseOr400(noteSchema, body ?? {});
    await this.visible(id, caller);
    return this.alerts.acknowledge(parsePathId(id), caller.name, note ?? null).catch(toHttpError);
  }

  @Post(':id/resolve')
  @Roles('operator', 'crew')
  @ApiOperation({ summary: 'Resolve by hand (notifies receivers); if the condition persists it fires again as a new alert' })
  async resolve(@Param('id') id: string, @Body() body: unknown, @Caller() caller: ApiCaller) {
    const { note } = parseOr400(noteSchema, body ?? {});
    await this.visible(id, caller);
    return this.alerts.resolve(parsePathId(id), caller.name, note ?? null).catch(toHttpError);
  }

  /** The alert, if this caller may see it: a site-scoped key gets 404 for other sites' alerts (as for none). */
  private async visible(id: string, caller: ApiCaller | undefined) {
    const alert = await this.alerts.get(parsePathId(id));
    if (!alert || !callerSeesSite(caller, alert.labels.site)) throw new NotFoundException(`alert ${id} not found`);
    return alert;
  }
}
