import type { Role } from '../tokens/token-kind';
import type { TokenScope } from './scopes';

/** Who a token acts as when it calls the API: a person, or an app with its (capped) role. */
export interface Principal {
  type: 'user' | 'app';
  id: string;
  name: string;
  role: Role;
  tenantId: string;
  /** What the token may do below the role (see TokenScope); absent: all the role allows. */
  scopes?: readonly TokenScope[];
}
