import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ schema: 'tenancy', name: 'tenants' })
export class TenantEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') slug: string;
  @Column('text', { name: 'display_name' }) displayName: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
