import 'reflect-metadata';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildTesseraSchema } from '../src/schema';

/** Writes the SDL to schema/schema.graphql, sorted; with --check, fails if the file differs. */
async function main(): Promise<void> {
  const schema = await buildTesseraSchema();
  const sdl = printSchema(lexicographicSortSchema(schema)) + '\n';
  const root = join(__dirname, '..', '..');
  const file = join(root, 'schema', 'schema.graphql');
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      // absent: drift
    }
    if (committed !== sdl) {
      process.stderr.write('schema/schema.graphql differs from the code: run `npm run schema` and commit the result.\n');
      process.exit(1);
    }
    process.stdout.write('schema/schema.graphql matches the code.\n');
    return;
  }
  mkdirSync(join(root, 'schema'), { recursive: true });
  writeFileSync(file, sdl);
  process.stdout.write(`wrote ${file}\n`);
}

void main();
