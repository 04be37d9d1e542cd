export { auditModule } from './audit.module';
export { AuditService } from './audit.service';
export { AuditResolver } from './audit.resolver';
