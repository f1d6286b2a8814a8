import { Controller, Get, Header } from '@nestjs/common';

/**
 * Liveness on the devices' port (the process serves HTTP), kept for load balancers that can only check the port they
 * forward to. It checks nothing else: probes and metrics are on the operations port (SCEP_GATEWAY_OPS_PORT,
 * docs/operations/service-interfaces.md).
 */
@Controller()
export class HealthController {
  @Get('healthz')
  @Header('content-type', 'text/plain')
  healthz(): string {
    return 'ok\n';
  }
}
