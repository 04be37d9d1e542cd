import { personalAccessTokenKinds, personalAccessTokenVerifiers } from './personal-access-token.kinds';
import { personalAccessTokenNodes } from './personal-access-token.nodes';
import { PersonalAccessTokenResolver } from './personal-access-token.resolver';
import { PersonalAccessTokenService } from './personal-access-token.service';
import { PatPolicy, PatSettings } from './personal-access-token.entity';
import { PatPoliciesMigration } from './personal-access-token.migration';
import { defineModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const personalAccessTokensModule = defineModule({
  name: 'personal-access-tokens',
  kinds: personalAccessTokenKinds,
  verifiers: personalAccessTokenVerifiers,
  entities: [PatPolicy, PatSettings],
  migrations: [{ name: '20261205000030_pat_policies', class: PatPoliciesMigration }],
  resolvers: [PersonalAccessTokenResolver],
  nodes: personalAccessTokenNodes,
  services: (deps) => ({ personalAccessTokens: new PersonalAccessTokenService(deps) }),
});
