import { AuditResolver } from './audit.resolver';
import { AuditService } from './audit.service';
import { defineModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const auditModule = defineModule({
  name: 'audit',
  resolvers: [AuditResolver],
  services: (deps) => ({ audit: new AuditService(deps) }),
});
