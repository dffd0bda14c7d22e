import { createParamDecorator, CustomDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';

/**
 * API roles. admin: everything, API keys included. operator: everything except API-key
 * management. crew: read devices and telemetry, acknowledge and resolve alerts. auditor:
 * read-only devices, anchors, audits and proofs. docs/devices.md has the table.
 */
export const ROLES = ['admin', 'operator', 'crew', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

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
