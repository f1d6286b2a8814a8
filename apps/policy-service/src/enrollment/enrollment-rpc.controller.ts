import { Controller } from '@nestjs/common';
import { EnrollmentDecide, EnrollmentFind, EnrollmentStatus, EnrollmentSubmit, PolicyDryRun, type RpcRequest, type RpcResponse } from '@scep/contracts';
import { EnrollmentTransactionRepository } from '@scep/persistence-enrollment';
import { RpcHandler } from '@scep/transport';
import { ApprovalService } from './approval.service';
import { DryRunService } from './dry-run.service';
import { EnrollmentService } from './enrollment.service';
import { enrollmentView } from './enrollment-view';

@Controller()
export class EnrollmentRpcController {
  constructor(
    private readonly enrollments: EnrollmentService,
    private readonly approvals: ApprovalService,
    private readonly dryRuns: DryRunService,
    private readonly transactions: EnrollmentTransactionRepository,
  ) {}

  @RpcHandler(EnrollmentSubmit)
  submit(request: RpcRequest<typeof EnrollmentSubmit>): Promise<RpcResponse<typeof EnrollmentSubmit>> {
    return this.enrollments.submit(request);
  }

  @RpcHandler(EnrollmentStatus)
  status(request: RpcRequest<typeof EnrollmentStatus>): Promise<RpcResponse<typeof EnrollmentStatus>> {
    return this.enrollments.status(request);
  }

  @RpcHandler(EnrollmentFind)
  async find(request: RpcRequest<typeof EnrollmentFind>): Promise<RpcResponse<typeof EnrollmentFind>> {
    const rows = await this.transactions.find(request.tenantId, request);
    return { items: rows.map(enrollmentView) };
  }

  @RpcHandler(EnrollmentDecide)
  decide(request: RpcRequest<typeof EnrollmentDecide>): Promise<RpcResponse<typeof EnrollmentDecide>> {
    return this.approvals.decide(request);
  }

  @RpcHandler(PolicyDryRun)
  dryRun(request: RpcRequest<typeof PolicyDryRun>): Promise<RpcResponse<typeof PolicyDryRun>> {
    return this.dryRuns.run(request);
  }
}
