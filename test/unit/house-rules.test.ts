import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { kindDefinitions } from '../../src/modules';

const ROOT = join(__dirname, '..', '..');

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path, pattern);
    return pattern.test(name) ? [path] : [];
  });
}

/** Issue 18's measurable rules, held by the test run (the import rules are ESLint's). */
describe('the house rules', () => {
  it('should keep every file of src/ and console/src/ under 400 lines', () => {
    const long = [...files(join(ROOT, 'src'), /\.ts$/), ...files(join(ROOT, 'console', 'src'), /\.tsx?$/)]
      .filter((path) => !path.includes(`${join('console', 'src', 'generated')}`))
      .map((path) => ({ path: relative(ROOT, path), lines: readFileSync(path, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 400);
    expect(long).toEqual([]);
  });

  it('should name no kind of token in core: the modules declare them', () => {
    const kinds = kindDefinitions.map((definition) => definition.kind);
    expect(kinds.length).toBeGreaterThan(5);
    const named = files(join(ROOT, 'src', 'core'), /\.ts$/).flatMap((path) => {
      const text = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      return kinds.filter((kind) => new RegExp(`\\b${kind}\\b`).test(text)).map((kind) => `${relative(ROOT, path)}: ${kind}`);
    });
    expect(named).toEqual([]);
  });
});
