import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createZodDto, ZodResponse } from 'nestjs-zod';
import { z } from 'zod';
import { ApiErrors, orNull } from '@gridproof/core';
import { ApiCaller, Caller, ROLES, Roles } from '../auth/roles';

/** Who the key belongs to: what a client (the console's sign-in) shows and adapts to. */
const callerSchema = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  sites: orNull(z.array(z.string()), 'the only sites a site-scoped key sees; null: every site'),
});
export class CallerDto extends createZodDto(callerSchema) {}
export type CallerView = z.infer<typeof callerSchema>;

@ApiTags('api-keys')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/me')
export class MeController {
  @Get()
  @Roles('operator', 'crew', 'auditor')
  @ApiOperation({ summary: "The calling key's name, role and sites (null: every site); never the key itself" })
  @ZodResponse({ status: 200, type: CallerDto })
  me(@Caller() caller: ApiCaller): CallerView {
    return { name: caller.name, role: caller.role, sites: caller.sites ?? null };
  }
}
