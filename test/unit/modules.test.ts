import { KindRegistry } from '../../src/core/tokens/kind-registry';
import type { TokenKind } from '../../src/core/tokens/token-kind';
import type { CoreDeps } from '../../src/deps';
import { defineModule, kindDefinitions, kindVerifiers, migrations, MODULES, nodeSources, peer } from '../../src/modules';
import { createServices } from '../../src/services';

/**
 * The module list is the only wiring (issue 18): every kind is declared by exactly one module,
 * the registry is an instance built from the declarations, and the derived lists hold what the
 * modules declared — nothing registers itself on import.
 */
describe('the modules and the kinds they declare', () => {
  it('should declare every token kind exactly once, each with a verifier at most once', () => {
    expect(kindDefinitions.map((definition) => definition.kind).sort()).toEqual([
      'APP_ACCESS',
      'APP_SECRET',
      'ENDPOINT_PRIMARY',
      'ENDPOINT_SECONDARY',
      'OAUTH',
      'PERSONAL_ACCESS',
      'WORKFLOW',
    ]);
    const verified = kindVerifiers.map((verifier) => verifier.kind);
    expect(new Set(verified).size).toBe(verified.length);
  });

  it('should build a registry that refuses a kind or a value prefix declared twice', () => {
    const registry = new KindRegistry(kindDefinitions, 30);
    expect(registry.kinds.sort()).toEqual(['APP_ACCESS', 'APP_SECRET', 'ENDPOINT_PRIMARY', 'ENDPOINT_SECONDARY', 'OAUTH', 'PERSONAL_ACCESS', 'WORKFLOW']);
    expect(registry.windowDays('PERSONAL_ACCESS')).toBe(30);
    expect(registry.windowDays('OAUTH')).toBe(0);
    expect(registry.prunable()).toEqual(['APP_ACCESS']);
    expect(registry.ofValuePrefix('tsp')?.kind).toBe('PERSONAL_ACCESS');
    expect(() => new KindRegistry([...kindDefinitions, kindDefinitions[0]], 30)).toThrow(/declared twice/);
    expect(() => new KindRegistry([...kindDefinitions, { ...kindDefinitions[0], kind: 'OTHER' as TokenKind }], 30)).toThrow(/prefix .* declared twice/);
  });

  it('should derive migrations in name order and one node source per prefix from the module list', () => {
    const names = migrations.map((migration) => migration.name);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
    expect(MODULES.map((module) => module.name)).toEqual(
      expect.arrayContaining(['users', 'personal-access-tokens', 'workflows', 'apps', 'endpoints', 'oauth']),
    );
    expect(new Set(nodeSources.map((source) => source.prefix)).size).toBe(nodeSources.length);
  });
});

describe('services from the manifests', () => {
  const deps = {} as CoreDeps;

  it('should build each module its own services, and refuse two parts making the same name', () => {
    const made = createServices(deps, [defineModule({ name: 'a', services: () => ({ alpha: { n: 1 } }) })]);
    expect((made as unknown as Record<string, unknown>).alpha).toEqual({ n: 1 });
    const twice = [defineModule({ name: 'a', services: () => ({ alpha: 1 }) }), defineModule({ name: 'b', services: () => ({ alpha: 2 }) })];
    expect(() => createServices(deps, twice)).toThrow(/module b makes a service named alpha/);
    expect(() => createServices(deps, [defineModule({ name: 'c', services: () => ({ limits: 1 }) })])).toThrow(/named limits/);
  });

  it('should let a module read a peer when called, and say which is missing when it is absent', () => {
    const calls: string[] = [];
    const first = defineModule({
      name: 'first',
      services: (_deps, peers: { second?: { hello(): string } }) => ({ first: { greet: () => peer(peers, 'second').hello() } }),
    });
    const second = defineModule({ name: 'second', services: () => ({ second: { hello: () => (calls.push('hello'), 'hi') } }) });
    // `first` is listed before `second`: it reads its peer at call time, when the set is complete.
    const both = createServices(deps, [first, second]) as unknown as { first: { greet(): string } };
    expect(both.first.greet()).toBe('hi');
    expect(calls).toEqual(['hello']);
    const alone = createServices(deps, [first]) as unknown as { first: { greet(): string } };
    expect(() => alone.first.greet()).toThrow(/no second service/);
  });
});
