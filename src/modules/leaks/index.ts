export { leaksModule } from './leak.module';
export { LeakService, type LeakOutcome } from './leak.service';
export { LeakResolver } from './leak.resolver';
export { registerLeakRoutes } from './leak.routes';
