import { roleRank, type TokenKind } from './token-kind';
import type { TokenKindDefinition } from './registry';
import type { WarningWindows } from './token-status';

/**
 * The kinds of token this server knows, as the modules declared them (each module's manifest
 * lists its kinds): one instance, built with the server and passed to what needs it — the token
 * store, the outbox, the verifier's value parsing, retention and status. Nothing registers itself.
 */
export class KindRegistry implements WarningWindows {
  private readonly byKind = new Map<TokenKind, TokenKindDefinition>();
  private readonly byValuePrefix = new Map<string, TokenKindDefinition>();

  /** `warningWindowDays`: the configured EXPIRING window (a kind may opt out, see `warningWindow`). */
  constructor(
    definitions: readonly TokenKindDefinition[],
    private readonly warningWindowDays: number,
  ) {
    for (const definition of definitions) {
      if (this.byKind.has(definition.kind)) throw new Error(`token kind ${definition.kind} is declared twice`);
      if (definition.prefix && this.byValuePrefix.has(definition.prefix)) throw new Error(`token value prefix ${definition.prefix} is declared twice`);
      this.byKind.set(definition.kind, definition);
      if (definition.prefix) this.byValuePrefix.set(definition.prefix, definition);
    }
  }

  /** Every declared kind. */
  get kinds(): TokenKind[] {
    return [...this.byKind.keys()];
  }

  definition(kind: TokenKind): TokenKindDefinition {
    const definition = this.byKind.get(kind);
    if (!definition) throw new Error(`token kind ${kind} is not declared by any module`);
    return definition;
  }

  /** The kind a Tessera-format value prefix (`tsp`) belongs to, if any. */
  ofValuePrefix(prefix: string): TokenKindDefinition | undefined {
    return this.byValuePrefix.get(prefix);
  }

  /** The lowest role rank that sees this kind's events and tokens of others (owners always do). */
  audienceRank(kind: TokenKind): number {
    return roleRank[this.definition(kind).audience];
  }

  /** The kinds whose expired tokens are pruned (see {@link TokenKindDefinition.pruneAfterExpiry}). */
  prunable(): TokenKind[] {
    return [...this.byKind.values()].filter((definition) => definition.pruneAfterExpiry).map((definition) => definition.kind);
  }

  /** The EXPIRING window of a kind, in days (0 for kinds that opt out: see {@link TokenKindDefinition.warningWindow}). */
  windowDays(kind: TokenKind): number {
    return this.byKind.get(kind)?.warningWindow === false ? 0 : this.warningWindowDays;
  }
}
