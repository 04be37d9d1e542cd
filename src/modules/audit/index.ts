export { AuditService } from './audit.service';
export { AuditResolver } from './audit.resolver';
