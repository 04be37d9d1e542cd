import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { consoleDistDir, mountConsole } from '../../src/console-static';

describe('Serving the console', () => {
  it('finds console/dist beside the package.json from the source and from the compiled output', () => {
    const root = join(__dirname, '..', '..');
    expect(consoleDistDir(join(root, 'src'))).toBe(join(root, 'console', 'dist'));
    expect(consoleDistDir(join(root, 'dist', 'src'))).toBe(join(root, 'console', 'dist'));
  });

  it('answers 503 saying to build, at /console and for browsers at GET /graphql, while the console is not built', async () => {
    const app = express();
    mountConsole(app, mkdtempSync(join(tmpdir(), 'tessera-no-console-')));
    app.get('/graphql', (_req, res) => {
      res.json({ api: true });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const page = await fetch(`${base}/console/tokens`);
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('npm run build:console');
      const graphiql = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
      expect(graphiql.status).toBe(503);
      // Clients that want JSON still reach the API.
      const api = await fetch(`${base}/graphql`, { headers: { accept: 'application/json' } });
      expect(await api.json()).toEqual({ api: true });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
