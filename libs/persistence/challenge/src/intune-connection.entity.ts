import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A tenant's Entra ID app registration for the Intune SCEP validation API; the client secret is stored wrapped. */
@Entity({ schema: 'challenge', name: 'intune_connections' })
export class IntuneConnectionEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text', { name: 'azure_tenant_id' }) azureTenantId: string;
  @Column('text', { name: 'client_id' }) clientId: string;
  @Column('bytea', { name: 'client_secret_wrapped' }) clientSecretWrapped: Buffer;
  @Column('text', { name: 'login_url' }) loginUrl: string;
  @Column('text', { name: 'graph_url' }) graphUrl: string;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
