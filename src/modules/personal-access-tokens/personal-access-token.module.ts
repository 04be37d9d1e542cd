import { personalAccessTokenKinds, personalAccessTokenVerifiers } from './personal-access-token.kinds';
import { personalAccessTokenNodes } from './personal-access-token.nodes';
import { PersonalAccessTokenResolver } from './personal-access-token.resolver';
import type { TesseraModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const personalAccessTokensModule: TesseraModule = {
  name: 'personal-access-tokens',
  kinds: personalAccessTokenKinds,
  verifiers: personalAccessTokenVerifiers,
  resolvers: [PersonalAccessTokenResolver],
  nodes: personalAccessTokenNodes,
};
