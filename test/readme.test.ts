import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTessera, type TestInstance } from './harness/tessera';

/** README's shell blocks that talk to a running Tessera (at http://localhost:4000), in order. */
function readmeCurlBlocks(): { line: number; script: string }[] {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const blocks: { line: number; script: string }[] = [];
  for (const match of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    if (!match[1].includes('curl ') || !match[1].includes('http://localhost:4000')) continue;
    blocks.push({ line: readme.slice(0, match.index).split('\n').length, script: match[1] });
  }
  return blocks;
}

/**
 * Issue 17: every README command runs as pasted, given the `export ADMIN_TOKEN=…` line the
 * first start prints. Each block runs in bash against a real instance (its address in place of
 * localhost:4000) and must answer JSON without errors.
 */
describe('README commands, as pasted', () => {
  let tessera: TestInstance;
  const blocks = readmeCurlBlocks();

  beforeAll(async () => {
    tessera = await startTessera({ backend: 'sqlite' });
  });

  afterAll(async () => {
    await tessera?.close();
  });

  it('should find the commands it checks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  it.each(blocks.map((block) => [block.line, block.script] as const))('should run the block at README.md line %i', async (_line, script) => {
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script.replaceAll('http://localhost:4000', tessera.url)], {
      env: { PATH: process.env.PATH, ADMIN_TOKEN: tessera.adminToken },
    });
    // The last command's answer: JSON, without GraphQL or OAuth errors.
    const answer = JSON.parse(stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
    expect(answer.errors).toBeUndefined();
    expect(answer.error).toBeUndefined();
    expect(answer.data ?? answer.access_token ?? answer.valid).toBeTruthy();
  });
});
