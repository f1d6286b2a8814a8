import { UnrecoverableError, type Job } from 'bullmq';
import { GenerateCa, IssueRaCredential, Queues, RefreshCrls, RefreshOcspResponders, SendIntuneNotification, SignCertificate } from '@scep/contracts';
import { jobDispatcher, jobHandler } from './jobs';

const job = (name: string, data: unknown) => ({ name, data }) as Job;

describe('jobDispatcher', () => {
  it('refuses to start when a job of the queue has no handler', () => {
    expect(() => jobDispatcher(Queues.keyManagement, [jobHandler(GenerateCa, async () => ({ caId: '', certificateDer: '', notAfter: '' }))])).toThrow(
      /no handler for issue-ra-credential, refresh-crls/,
    );
  });

  it('refuses a handler for another queue and duplicate handlers', () => {
    const sign = jobHandler(SignCertificate, async () => ({ serialHex: '' }));
    expect(() => jobDispatcher(Queues.challengeNotifications, [sign])).toThrow(/belongs to certificate-signing/);
    expect(() => jobDispatcher(Queues.certificateSigning, [sign, sign])).toThrow(/two handlers/);
  });

  it('validates payloads: an invalid one fails permanently', async () => {
    const dispatch = jobDispatcher(Queues.keyManagement, [
      jobHandler(GenerateCa, async (p) => ({ caId: p.caId, certificateDer: 'AA==', notAfter: 'x' })),
      jobHandler(IssueRaCredential, async (p) => ({ raCredentialId: p.raCredentialId, certificateDer: 'AA==', notAfter: 'x' })),
      jobHandler(RefreshCrls, async () => ({ issued: 0 })),
      jobHandler(RefreshOcspResponders, async () => ({ issued: 0 })),
    ]);
    await expect(dispatch(job('generate-ca', { tenantId: 'nope' }))).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(dispatch(job('unknown', {}))).rejects.toBeInstanceOf(UnrecoverableError);
    const caId = '00000000-0000-4000-8000-000000000001';
    await expect(
      dispatch(job('generate-ca', { tenantId: caId, caId, name: 'ca', subjectDn: 'CN=x', keySize: 2048, validityDays: 10 })),
    ).resolves.toEqual({ caId, certificateDer: 'AA==', notAfter: 'x' });
  });

  it('validates results against the contract', async () => {
    const dispatch = jobDispatcher(Queues.challengeNotifications, [jobHandler(SendIntuneNotification, async () => ({ sent: 'yes' }) as never)]);
    const id = '00000000-0000-4000-8000-000000000001';
    await expect(dispatch(job('send-intune-notification', { tenantId: id, notificationId: id }))).rejects.toThrow();
  });
});
