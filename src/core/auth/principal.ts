import type { Role } from '../tokens/token-kind';

/** Who a token acts as when it calls the API: a person, or an app with its (capped) role. */
export interface Principal {
  type: 'user' | 'app';
  id: string;
  name: string;
  role: Role;
  tenantId: string;
}
