/** Who is calling: a platform operator (all tenants) or one tenant's administrator. */
export interface Principal {
  readonly keyId: string;
  /** null = platform operator. */
  readonly tenantId: string | null;
}

export const PRINCIPAL = Symbol('principal');
