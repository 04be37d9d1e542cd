import type { MikroORM } from '@mikro-orm/core';
import type { Clock } from './core/clock';
import type { Config } from './core/config';
import type { EventDispatcher } from './core/events/dispatcher';
import type { Lifecycle } from './core/events/outbox';
import type { Logger } from './core/logger';
import type { SecretBox } from './core/secrets';
import type { KindRegistry } from './core/tokens/kind-registry';
import type { TokenStore } from './core/tokens/token-store';
import type { RateLimits } from './core/rate-limit';
import type { Verifier } from './verify/verifier';

/** What every module's service is built from. */
export interface CoreDeps {
  orm: MikroORM;
  config: Config;
  clock: Clock;
  logger: Logger;
  box: SecretBox;
  lifecycle: Lifecycle;
  /** The kinds of token the modules declared (see KindRegistry). */
  kinds: KindRegistry;
  tokens: TokenStore;
  verifier: Verifier;
  dispatcher: EventDispatcher;
  limits: RateLimits;
}
