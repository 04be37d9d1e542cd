import { PortableMigration } from '../../core/db/migration';
import { OAuthFlow, OAuthTokenStatus } from './oauth.entity';

/** Whether a stored additional_values is what the API can show: a list of { name, value } strings. */
function validAdditionalValues(raw: unknown): boolean {
  const value = typeof raw === 'string' ? safeParse(raw) : raw;
  if (value === null || value === undefined) return true;
  return (
    Array.isArray(value) &&
    value.every(
      (item) =>
        item !== null &&
        typeof item === 'object' &&
        typeof (item as { name?: unknown }).name === 'string' &&
        typeof (item as { value?: unknown }).value === 'string',
    )
  );
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Bundles imported before their items were validated (issue 15, item 8) could store outbound
 * tokens with a flow or status outside the enums, or additional values of another shape, and one
 * such row broke `oauthTokens` for its whole tenant (INTERNAL_SERVER_ERROR). Each such token is
 * repaired so that it can be listed, never used as it was: an unknown flow becomes
 * CLIENT_CREDENTIALS, the token FAILED (not refreshed), unusable additional values are dropped,
 * and its providerError says what was found and what to do. Each repair is one warning line.
 */
export class OAuthRepairMigration extends PortableMigration {
  override async up(): Promise<void> {
    const knex = this.getKnex();
    const flows = new Set<string>(Object.values(OAuthFlow));
    const statuses = new Set<string>(Object.values(OAuthTokenStatus));
    const rows = (await this.execute(knex('oauth_tokens').select('id', 'tenant_id', 'flow', 'status', 'additional_values').toString())) as {
      id: string;
      tenant_id: string;
      flow: string;
      status: string;
      additional_values: unknown;
    }[];
    for (const row of rows) {
      const found: string[] = [];
      const changes: Record<string, unknown> = {};
      if (!flows.has(row.flow)) {
        found.push(`flow ${JSON.stringify(String(row.flow).slice(0, 40))}`);
        changes.flow = OAuthFlow.CLIENT_CREDENTIALS;
      }
      if (!statuses.has(row.status)) found.push(`status ${JSON.stringify(String(row.status).slice(0, 40))}`);
      if (!validAdditionalValues(row.additional_values)) {
        found.push('additional values that are not name/value pairs');
        changes.additional_values = JSON.stringify([]);
      }
      if (found.length === 0) continue;
      Object.assign(changes, {
        status: OAuthTokenStatus.FAILED,
        next_refresh_at: null,
        provider_error: `Imported with ${found.join(', ')}: repaired so that it can be listed. Delete it, or import it again from a current bundle.`,
      });
      await this.execute(knex('oauth_tokens').update(changes).where({ id: row.id }).toString());
      // A pino-shaped warning line (migrations run before the logger is handed anything).
      process.stdout.write(
        `${JSON.stringify({ level: 40, time: Date.now(), component: 'migration', tokenId: row.id, tenantId: row.tenant_id, found, msg: 'outbound OAuth token imported with values outside the API: repaired, marked FAILED' })}\n`,
      );
    }
  }
}
