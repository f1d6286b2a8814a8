import { All, Controller, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ScepHttpService } from './scep-http.service';
import { rawQueryOf } from './scep-request';

/**
 * /scep/{tenant}/{profile} and any suffix after it: `/pkiclient.exe` (Cisco appends it), `/cgi-bin/pkiclient.exe`
 * (the RFC default) and whatever else clients hard-code (§2.1). Both GET and POST.
 */
@Controller('scep')
export class ScepController {
  constructor(private readonly scep: ScepHttpService) {}

  @All(':tenant/:profile')
  root(@Param('tenant') tenant: string, @Param('profile') profile: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(tenant, profile, req, reply);
  }

  @All(':tenant/:profile/*')
  suffixed(@Param('tenant') tenant: string, @Param('profile') profile: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(tenant, profile, req, reply);
  }

  private async serve(tenant: string, profile: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
      await reply.code(405).header('allow', 'GET, POST').type('text/plain').send(Buffer.from('method not allowed\n'));
      return;
    }
    const answer = await this.scep.handle(tenant, profile, {
      method: req.method === 'HEAD' ? 'GET' : req.method,
      rawQuery: rawQueryOf(req.raw.url ?? ''),
      body: Buffer.isBuffer(req.body) ? req.body : undefined,
      clientAddress: req.ip,
    });
    await reply
      .code(answer.status)
      .headers(answer.headers ?? {})
      .header('content-type', answer.contentType)
      .send(answer.body);
  }
}
