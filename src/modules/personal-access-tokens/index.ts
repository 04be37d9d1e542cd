export { personalAccessTokensModule } from './personal-access-token.module';
export { personalAccessTokenKinds, personalAccessTokenVerifiers } from './personal-access-token.kinds';
export { PersonalAccessTokenService } from './personal-access-token.service';
export { PatPolicy, PatSettings } from './personal-access-token.entity';
export { PersonalAccessTokenResolver } from './personal-access-token.resolver';
export { PersonalAccessTokenType } from './personal-access-token.type';
export { personalAccessTokenNodes } from './personal-access-token.nodes';

declare module '../../core/ids' {
  /** The ids this module makes. */
  interface IdPrefixes {
    pat: 'a personal access token';
  }
}
