import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A CA's delegated OCSP responder (RFC 6960 §4.2.2.2): a short-lived certificate the CA issued with id-kp-OCSPSigning
 * and id-pkix-ocsp-nocheck, and its key wrapped (AES-256-GCM) under the key the signer and the policy service derive
 * from their approval secret. The newest valid one signs (docs/adr/010-revocation-crl-ocsp.md).
 */
@Entity({ schema: 'issuance', name: 'ocsp_responders' })
export class OcspResponderEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('uuid', { name: 'ca_id' }) caId: string;
  @Column('bytea', { name: 'certificate_der' }) certificateDer: Buffer;
  @Column('text', { name: 'kek_id' }) kekId: string;
  @Column('bytea', { name: 'wrapped_key' }) wrappedKey: Buffer;
  @Column('timestamptz', { name: 'not_before' }) notBefore: Date;
  @Column('timestamptz', { name: 'not_after' }) notAfter: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
