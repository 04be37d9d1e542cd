import { LeakResolver } from './leak.resolver';
import { registerLeakRoutes } from './leak.routes';
import type { TesseraModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const leaksModule: TesseraModule = {
  name: 'leaks',
  resolvers: [LeakResolver],
  routes: [registerLeakRoutes],
};
