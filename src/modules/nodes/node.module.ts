import { NodeResolver } from './node.resolver';
import { defineModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const nodesModule = defineModule({
  name: 'nodes',
  resolvers: [NodeResolver],
});
