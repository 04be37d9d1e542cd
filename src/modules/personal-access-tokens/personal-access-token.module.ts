import { personalAccessTokenKinds, personalAccessTokenVerifiers } from './personal-access-token.kinds';
import { personalAccessTokenNodes } from './personal-access-token.nodes';
import { PersonalAccessTokenResolver } from './personal-access-token.resolver';
import { PersonalAccessTokenService } from './personal-access-token.service';
import { defineModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const personalAccessTokensModule = defineModule({
  name: 'personal-access-tokens',
  kinds: personalAccessTokenKinds,
  verifiers: personalAccessTokenVerifiers,
  resolvers: [PersonalAccessTokenResolver],
  nodes: personalAccessTokenNodes,
  services: (deps) => ({ personalAccessTokens: new PersonalAccessTokenService(deps) }),
});
