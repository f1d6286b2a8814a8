import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from './auth/api-key.guard';

/**
 * Liveness on the API's own port, kept for load balancers that can only check the port they forward to. It checks
 * nothing else: probes and metrics are on the operations port (ADMIN_API_OPS_PORT, docs/operations/service-interfaces.md).
 */
@ApiExcludeController()
@Controller()
export class HealthController {
  @Public()
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }
}
