import { NodeResolver } from './node.resolver';
import type { TesseraModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const nodesModule: TesseraModule = {
  name: 'nodes',
  resolvers: [NodeResolver],
};
