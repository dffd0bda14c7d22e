import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCaller, Caller, Role, Roles } from '../auth/roles';

/** Who the key belongs to: what a client (the console's sign-in) shows and adapts to. */
export interface CallerView {
  name: string;
  role: Role;
  /** The sites a site-scoped key is limited to; null: every site. */
  sites: string[] | null;
}

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('api/me')
export class MeController {
  @Get()
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: "The calling key's name, role and sites (null: every site); never the key itself" })
  me(@Caller() caller: ApiCaller): CallerView {
    return { name: caller.name, role: caller.role, sites: caller.sites ?? null };
  }
}
