import { AuditResolver } from './audit.resolver';
import type { TesseraModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const auditModule: TesseraModule = {
  name: 'audit',
  resolvers: [AuditResolver],
};
