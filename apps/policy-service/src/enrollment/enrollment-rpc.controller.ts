import { Controller } from '@nestjs/common';
import { EnrollmentStatus, EnrollmentSubmit, type RpcRequest, type RpcResponse } from '@scep/contracts';
import { RpcHandler } from '@scep/transport';
import { EnrollmentService } from './enrollment.service';

@Controller()
export class EnrollmentRpcController {
  constructor(private readonly enrollments: EnrollmentService) {}

  @RpcHandler(EnrollmentSubmit)
  submit(request: RpcRequest<typeof EnrollmentSubmit>): Promise<RpcResponse<typeof EnrollmentSubmit>> {
    return this.enrollments.submit(request);
  }

  @RpcHandler(EnrollmentStatus)
  status(request: RpcRequest<typeof EnrollmentStatus>): Promise<RpcResponse<typeof EnrollmentStatus>> {
    return this.enrollments.status(request);
  }
}
