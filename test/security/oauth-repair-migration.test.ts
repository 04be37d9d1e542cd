import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config';
import { openDatabase } from '../../src/core/db/orm';
import { Role } from '../../src/core/tokens/token-kind';
import { TokenRecord } from '../../src/core/tokens/token.entity';
import { entities, migrations } from '../../src/modules';
import { OAuthProvider, OAuthToken } from '../../src/modules/oauth';
import { Tenant } from '../../src/modules/users';
import { OAuthTokensDocument } from '../generated/graphql';
import { BACKENDS, dataOf, newDatabaseUrl, startTessera } from '../harness/tessera';

const REPAIR_MIGRATION = '20261205000010_oauth_repair';

/**
 * Issue 15 item 8, for data already stored: bundles imported before items were validated could
 * leave outbound tokens with a flow or status outside the enums (or additional values of another
 * shape), and one such row broke `oauthTokens` for the whole tenant. The migration repairs them so
 * that the list works again, marks them FAILED with a message, and leaves valid tokens alone.
 */
describe.each(BACKENDS)('repairing outbound tokens imported unchecked, on %s', (backend) => {
  it("should make the tenant's token list readable again, marking only the broken tokens FAILED", async () => {
    const databaseUrl = await newDatabaseUrl(backend);
    const previous = migrations.filter((migration) => migration.name !== REPAIR_MIGRATION);
    expect(previous).toHaveLength(migrations.length - 1);
    const config = loadConfig({ DATABASE_URL: databaseUrl, TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-repair-')) });
    const old = await openDatabase({ database: config.database, entities, migrations: previous });
    const em = old.em.fork();
    const now = new Date('2026-12-01T00:00:00Z');
    em.create(Tenant, { id: 'ten_repair', name: 'Imported', createdAt: now });
    await em.flush();
    em.create(OAuthProvider, {
      id: 'oap_repair',
      tenantId: 'ten_repair',
      name: 'crm',
      authorizeUrl: 'https://crm.example/authorize',
      tokenUrl: 'https://crm.example/token',
      defaultConsumerKey: 'k',
      defaultConsumerSecretSealed: 'sealed',
      createdAt: now,
      updatedAt: now,
    });
    const rows: [string, string, Partial<Record<'flow' | 'status' | 'additionalValues', unknown>>][] = [
      ['oat_bad_flow_000000000000', 'bad flow', { flow: 'IMPLICIT' }],
      ['oat_bad_status_0000000000', 'bad status', { status: 'WEIRD' }],
      ['oat_bad_values_0000000000', 'bad values', { additionalValues: { audience: 1 } }],
      ['oat_good_000000000000000', 'good', { flow: 'PASSWORD', status: 'FAILED', additionalValues: [{ name: 'audience', value: 'crm' }] }],
    ];
    // The token records first: the OAuth rows point at them.
    for (const [id, name] of rows)
      em.create(TokenRecord, {
        id,
        tenantId: 'ten_repair',
        kind: 'OAUTH',
        name,
        start: '',
        subjectType: 'provider',
        subjectId: 'oap_repair',
        createdAt: now,
        updatedAt: now,
      });
    await em.flush();
    for (const [id, , row] of rows) {
      em.create(OAuthToken, {
        id,
        tenantId: 'ten_repair',
        providerId: 'oap_repair',
        flow: 'CLIENT_CREDENTIALS',
        status: 'ACTIVE',
        useDefaultKeys: true,
        refreshFailures: 0,
        createdAt: now,
        updatedAt: now,
        ...row,
      } as never);
    }
    await em.flush();
    await old.close();

    const tessera = await startTessera({ backend, databaseUrl });
    try {
      const admin = await tessera.server.services.users.createUser(
        { type: 'user', id: 'usr_seed', name: 'seed', tenantId: 'ten_repair', role: Role.ADMIN },
        { email: 'admin@imported.example', name: 'Admin', role: Role.ADMIN },
      );
      const listed = dataOf(await tessera.gql(OAuthTokensDocument, {}, admin.secret)).oauthTokens.edges.map(({ node }) => node);
      const byName = Object.fromEntries(listed.map((node) => [node.name, node]));
      expect(Object.keys(byName).sort()).toEqual(['bad flow', 'bad status', 'bad values', 'good']);
      expect(byName['bad flow']).toMatchObject({ flow: 'CLIENT_CREDENTIALS', requestStatus: 'FAILED', nextRefreshAt: null });
      expect(byName['bad flow'].providerError).toMatch(/flow "IMPLICIT".*repaired/);
      expect(byName['bad status']).toMatchObject({ requestStatus: 'FAILED' });
      expect(byName['bad status'].providerError).toMatch(/status "WEIRD"/);
      expect(byName['bad values'].providerError).toMatch(/additional values/);
      // A valid token is left exactly as it was.
      expect(byName.good).toMatchObject({ flow: 'PASSWORD', requestStatus: 'FAILED', providerError: null });
    } finally {
      await tessera.close();
    }
  });
});
