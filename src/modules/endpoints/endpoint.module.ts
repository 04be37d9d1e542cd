import { Assignment, Endpoint, EndpointCall, EndpointPrimaryToken } from './endpoint.entity';
import { endpointKinds, endpointVerifiers } from './endpoint.kinds';
import { endpointNodes } from './endpoint.nodes';
import { EndpointResolver } from './endpoint.resolver';
import { endpointRoutes } from './endpoint.routes';
import { AssignmentResolver, EndpointTokenResolver } from './endpoint-token.resolver';
import { EndpointPathsMigration } from './endpoint-paths.migration';
import { EndpointsTablesMigration } from './endpoints.migration';
import { EndpointService } from './endpoint.service';
import { EndpointTokenService } from './endpoint-token.service';
import { EndpointIngress } from './endpoint.ingress';
import { defineModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const endpointsModule = defineModule({
  name: 'endpoints',
  kinds: endpointKinds,
  verifiers: endpointVerifiers,
  entities: [Endpoint, EndpointPrimaryToken, Assignment, EndpointCall],
  migrations: [
    { name: '20261122000030_endpoints', class: EndpointsTablesMigration },
    { name: '20261204000030_endpoint_paths', class: EndpointPathsMigration },
  ],
  resolvers: [EndpointResolver, EndpointTokenResolver, AssignmentResolver],
  routes: [endpointRoutes],
  nodes: endpointNodes,
  services: (deps) => ({ endpoints: new EndpointService(deps), endpointTokens: new EndpointTokenService(deps), endpointIngress: new EndpointIngress(deps) }),
});
