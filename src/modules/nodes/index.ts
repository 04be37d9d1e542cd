export { nodesModule } from './node.module';
export { NodeResolver, MAX_NODE_IDS } from './node.resolver';
