import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeys } from '../api-keys/api-keys.service';
import { CALLER_PROPERTY, PUBLIC_KEY, Role, ROLES_KEY } from './roles';

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  [CALLER_PROPERTY]?: unknown;
}

/**
 * The global guard of the whole API (registered as APP_GUARD by RegistryModule). Reads the key
 * from `Authorization: Bearer <key>` (RFC 6750 §2.1) or `X-API-Key`; no or unknown key → 401,
 * a role the route does not allow → 403. Routes without @Roles are admin-only; @Public routes
 * need no key.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<HttpRequest>();
    const key = keyOf(request);
    if (!key) throw new UnauthorizedException('an API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    const caller = await this.keys.verify(key);
    if (!caller) throw new UnauthorizedException('unknown or revoked API key');
    request[CALLER_PROPERTY] = caller;

    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];
    if (caller.role === 'admin' || allowed.includes(caller.role)) return true;
    throw new ForbiddenException(`role ${caller.role} may not do this (allowed: ${['admin', ...allowed].join(', ')})`);
  }
}

function keyOf(request: HttpRequest): string | null {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const authorization = header('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return header('x-api-key')?.trim() || null;
}
