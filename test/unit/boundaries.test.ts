import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The lint rules that keep the architecture (eslint.config.mjs), each shown to fire on a file
 * that breaks it and to stay quiet on one that does not: a rule that cannot fail checks nothing.
 * The files are linted as text at the paths they would have; nothing is written.
 */
describe('the architecture boundaries ESLint enforces', () => {
  const root = join(__dirname, '..', '..');
  // ESLint loads its (ES module) configuration by dynamic import, which jest's VM lacks: run the CLI.
  const rulesHit = async (path: string, code: string) => {
    const run = spawnSync(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--stdin', '--stdin-filename', path, '-f', 'json'], {
      cwd: root,
      input: code,
      encoding: 'utf8',
    });
    const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null }[] }[];
    return result.messages.map((message) => message.ruleId);
  };

  it('should refuse core importing outside core, and allow core importing core', async () => {
    expect(await rulesHit('src/core/auth/example.ts', "import type { Principal } from '../../verify/verify.types';\nexport type P = Principal;\n")).toEqual([
      'import-x/no-restricted-paths',
    ]);
    expect(await rulesHit('src/core/auth/example.ts', "import type { Principal } from './principal';\nexport type P = Principal;\n")).toEqual([]);
  });

  it("should refuse a module reaching into another module's files, and allow its index", async () => {
    expect(await rulesHit('src/modules/apps/example.ts', "import { UserService } from '../users/user.service';\nexport const S = UserService;\n")).toEqual([
      'import-x/no-restricted-paths',
    ]);
    expect(await rulesHit('src/modules/apps/example.ts', "import { UserService } from '../users';\nexport const S = UserService;\n")).toEqual([]);
  });

  it('should refuse a module importing the entry files, and the console importing src/', async () => {
    expect(await rulesHit('src/modules/apps/example.ts', "import { createServer } from '../../server';\nexport const S = createServer;\n")).toEqual([
      'import-x/no-restricted-paths',
    ]);
    expect(await rulesHit('console/src/example.ts', "import { Role } from '../../src/core/tokens/token-kind';\nexport const R = Role;\n")).toEqual([
      'import-x/no-restricted-paths',
    ]);
    expect(await rulesHit('console/src/example.ts', "import { CloseCode } from '../../shared/close-codes';\nexport const C = CloseCode;\n")).toEqual([]);
  });
});
