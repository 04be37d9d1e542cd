import { nodesModule } from '../src/modules/nodes';
import { personalAccessTokensModule } from '../src/modules/personal-access-tokens';
import { usersModule } from '../src/modules/users';
import { CreatePatDocument, ViewerDocument } from './generated/graphql';
import { BACKENDS, dataOf, startTessera } from './harness/tessera';

/**
 * Issue 18: the module list is the only wiring, so a server can be built from a subset of it —
 * its schema, tables, routes and kinds are exactly those modules' (a sixth kind would be one
 * folder and one line the same way).
 */
describe.each(BACKENDS)('a server of a subset of the modules, on %s', (backend) => {
  it('should serve what its modules declare, and nothing of the others', async () => {
    const tessera = await startTessera({ backend, modules: [usersModule, personalAccessTokensModule, nodesModule] });
    try {
      expect(dataOf(await tessera.gql(ViewerDocument, {})).viewer.role).toBe('ADMIN');
      const pat = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'in a small server' } })).createPersonalAccessToken;
      expect(dataOf(await tessera.gql(ViewerDocument, {}, pat.secret)).viewer.tokenId).toBe(pat.token.id);
      const node = await tessera.raw({ query: 'query N($id: ID!) { node(id: $id) { __typename id } }', variables: { id: pat.token.id } });
      expect(node.body.data).toEqual({ node: { __typename: 'PersonalAccessToken', id: pat.token.id } });

      // Another module's operations, tables and routes are absent.
      const workflows = await tessera.raw({ query: '{ workflows(first: 1) { totalCount } }' });
      expect(workflows.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' });
      const knex = (tessera.server.orm.em.getConnection() as unknown as { getKnex(): { schema: { hasTable(name: string): Promise<boolean> } } }).getKnex();
      expect(await knex.schema.hasTable('tokens')).toBe(true);
      expect(await knex.schema.hasTable('users')).toBe(true);
      expect(await knex.schema.hasTable('workflows')).toBe(false);
      expect(await knex.schema.hasTable('oauth_tokens')).toBe(false);
      expect((await fetch(`${tessera.url}/oauth/token`, { method: 'POST' })).status).toBe(404);
      expect(tessera.server.services.kinds.kinds.sort()).toEqual(['PERSONAL_ACCESS']);
      // Services come from the manifests too: the absent modules' are never built.
      const built = Object.keys(tessera.server.services);
      expect(built).toEqual(expect.arrayContaining(['users', 'personalAccessTokens', 'verify', 'notices']));
      for (const absent of ['workflows', 'workflowInstances', 'apps', 'endpoints', 'endpointTokens', 'endpointIngress', 'oauth', 'leaks', 'audit']) {
        expect(built).not.toContain(absent);
      }
    } finally {
      await tessera.close();
    }
  });
});
