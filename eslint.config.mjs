// @ts-check
/**
 * The boundaries the architecture depends on, enforced (docs/architecture.md, issue 18):
 * - core/ imports nothing outside core/ (and shared/);
 * - a module reaches another module only through that module's index.ts, and never the entry
 *   files (server, main, cli, host/);
 * - the console imports nothing from src/;
 * - no import cycles among the server's files.
 * Formatting is Prettier's (`npm run lint` checks both).
 */
import { readdirSync } from 'node:fs';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const modules = readdirSync(new URL('./src/modules/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** Each module may import the others' index.ts only. */
const moduleZones = modules.map((name) => ({
  target: `./src/modules/${name}`,
  from: './src/modules',
  except: [`./${name}`, './index.ts', './module.ts', ...modules.filter((other) => other !== name).map((other) => `./${other}/index.ts`)],
  message: 'A module reaches another only through its index.ts.',
}));

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'console/dist/**', 'node_modules/**', 'test/generated/**', 'console/src/generated/**', 'coverage/**', 'data/**'] },
  ...tseslint.configs.recommended.map((config) => ({ ...config, files: ['src/**/*.ts', 'shared/**/*.ts', 'console/src/**/*.{ts,tsx}'] })),
  {
    files: ['src/**/*.ts', 'shared/**/*.ts', 'console/src/**/*.{ts,tsx}'],
    languageOptions: { parser: tseslint.parser },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Control characters in patterns are deliberate where they appear (input refusals): each is marked.
      'no-control-regex': 'error',
      // `_name`: deliberately unused (a parameter a signature requires, a rest sibling dropped).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/core',
              from: './src',
              except: ['./core'],
              message: 'core/ imports nothing outside core/: pass what it needs in, or move the type into core/.',
            },
            ...moduleZones,
            {
              target: './src/modules',
              from: ['./src/server.ts', './src/main.ts', './src/cli.ts', './src/host'],
              message: 'Modules never import the entry files.',
            },
            { target: './console/src', from: './src', message: 'The console is a client of the public API: it imports nothing from src/ (shared/ is for both).' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
);
