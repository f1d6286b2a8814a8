import { RpcException } from '@nestjs/microservices';
import { PolicyRules } from '@scep/contracts';
import { PolicyRulesRpcController } from './policy-rules-rpc.controller';
import { PolicyRulesStore } from './policy-rules.store';
import { PolicyRulesRefused, assertPatternsRunnable } from './pattern-check';

const refusal = (rules: unknown): PolicyRulesRefused | undefined => {
  try {
    assertPatternsRunnable(PolicyRules.parse(rules));
    return undefined;
  } catch (error) {
    if (error instanceof PolicyRulesRefused) return error;
    throw error;
  }
};

describe('policy rules: patterns checked on write with the engine that runs them', () => {
  it('names the subject template field of a backreference', () => {
    const error = refusal({ subject: { template: [{ type: 'O', source: 'fixed', value: 'Acme' }, { type: 'CN', pattern: '(dev)-\\1' }] } });
    expect(error?.field).toBe('subject.template.1.pattern');
    expect(error?.message).toMatch(/^subject\.template\.1\.pattern: backreferences .* not supported/);
  });

  it.each(['dns', 'email', 'uri', 'ip'])('names the %s SAN field of a lookaround', (type) => {
    const error = refusal({ subjectAltNames: { [type]: { pattern: '(?!evil).*' } } });
    expect(error?.field).toBe(`subjectAltNames.${type}.pattern`);
    expect(error?.message).toMatch(/lookahead and lookbehind .* not supported/);
  });

  it('accepts rules whose patterns all compile (and rules without patterns)', () => {
    expect(refusal({})).toBeUndefined();
    expect(refusal({ subject: { template: [{ type: 'CN', pattern: 'device-[0-9]+' }] }, subjectAltNames: { dns: { pattern: '[a-z0-9-]+\\.corp\\.example' } } })).toBeUndefined();
  });

  it('refuses the write over RPC with INVALID_REQUEST and the field of the request, before anything is stored', async () => {
    // Nothing may be stored or published: the repository and the events are absent on purpose.
    const controller = new PolicyRulesRpcController(new PolicyRulesStore(undefined as never, undefined as never));
    const request = {
      tenantId: '00000000-0000-4000-8000-000000000001',
      profileId: '00000000-0000-4000-8000-000000000002',
      rules: PolicyRules.parse({ subject: { template: [{ type: 'CN', pattern: '(?<=x)y' }] } }),
      actor: 'api-key:test',
    };
    const error = await controller.set(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcException);
    expect((error as RpcException).getError()).toEqual({
      code: 'INVALID_REQUEST',
      field: 'rules.subject.template.0.pattern',
      message: expect.stringMatching(/^subject\.template\.0\.pattern: lookahead and lookbehind/),
    });
  });
});
