import { createParamDecorator, CustomDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '@gridproof/api-client';

// The roles themselves are part of the REST contract (libs/api-client), which the CLI reads.
export { ROLES } from '@gridproof/api-client';
export type { Role } from '@gridproof/api-client';

export const ROLES_KEY = 'gridproof:roles';
export const PUBLIC_KEY = 'gridproof:public';

/**
 * The roles allowed on a route (or every route of a controller; a handler's own @Roles wins).
 * admin is always allowed. A route without @Roles or @Public is admin-only, so a forgotten
 * decorator fails closed.
 */
export function Roles(...roles: Role[]): CustomDecorator<string> {
  return SetMetadata(ROLES_KEY, roles);
}

/** A route anyone may call without a key (health, metrics, docs). */
export function Public(): CustomDecorator<string> {
  return SetMetadata(PUBLIC_KEY, true);
}

/** Who called: the API key the guard accepted. */
export interface ApiCaller {
  id: string;
  name: string;
  role: Role;
  /** Site-scoped key: the only sites it may see and act on. Absent or null: every site. */
  sites?: string[] | null;
}

/** May this caller see and act on what belongs to `site`? (A fleet-wide key: always.) */
export function callerSeesSite(caller: Pick<ApiCaller, 'sites'> | undefined, site: string | undefined): boolean {
  if (!caller?.sites) return true;
  return site !== undefined && caller.sites.includes(site);
}

/** Property the guard sets on the request. */
export const CALLER_PROPERTY = 'gridproofCaller';

/** The caller of the current request (`@Caller() caller: ApiCaller`); undefined on @Public routes. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): ApiCaller | undefined => {
  const request = context.switchToHttp().getRequest<Record<string, unknown>>();
  return request[CALLER_PROPERTY] as ApiCaller | undefined;
});
