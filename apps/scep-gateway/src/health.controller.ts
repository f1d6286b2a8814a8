import { Controller, Get, Header } from '@nestjs/common';

/** Liveness for orchestrators: the process serves HTTP. */
@Controller()
export class HealthController {
  @Get('healthz')
  @Header('content-type', 'text/plain')
  healthz(): string {
    return 'ok\n';
  }
}
