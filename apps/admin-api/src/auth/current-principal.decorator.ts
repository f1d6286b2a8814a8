import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import { PRINCIPAL, type Principal } from './principal';

export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<{ [PRINCIPAL]?: Principal }>();
  const principal = request[PRINCIPAL];
  if (!principal) throw new Error('route without ApiKeyGuard');
  return principal;
});
