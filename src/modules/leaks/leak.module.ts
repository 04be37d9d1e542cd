import { LeakResolver } from './leak.resolver';
import { registerLeakRoutes } from './leak.routes';
import { LeakService } from './leak.service';
import { defineModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const leaksModule = defineModule({
  name: 'leaks',
  resolvers: [LeakResolver],
  routes: [registerLeakRoutes],
  services: (deps) => ({ leaks: new LeakService(deps) }),
});
