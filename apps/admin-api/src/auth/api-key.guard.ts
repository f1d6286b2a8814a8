import { type CanActivate, type ExecutionContext, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiKeyService } from './api-key.service';
import { PRINCIPAL, type Principal } from './principal';

const PUBLIC = 'admin:public';
/** Routes anyone may call (the OpenAPI document, health). */
export const Public = () => SetMetadata(PUBLIC, true);

/** Every admin route needs `Authorization: Bearer <api key>` (or `X-API-Key`). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { [PRINCIPAL]?: Principal }>();
    const authorization = request.headers.authorization;
    const presented = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : (request.headers['x-api-key'] as string | undefined);
    const principal = presented ? await this.keys.authenticate(presented) : undefined;
    if (!principal) throw new UnauthorizedException({ error: 'unauthorized', message: 'a valid API key is required' });
    request[PRINCIPAL] = principal;
    return true;
  }
}
