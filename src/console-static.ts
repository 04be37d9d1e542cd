import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';

/** The built console (`npm run build:console`): `console/dist` beside the package.json above this file. */
export function consoleDistDir(from = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'console'))) return join(dir, 'console', 'dist');
    const parent = dirname(dir);
    if (parent === dir) return resolve(from, '..', 'console', 'dist');
    dir = parent;
  }
}

const NOT_BUILT = 'The Tessera console is not built: run `npm run build:console` (or `npm run build`) and reload.\n';

/**
 * Serves the console at /console (static, with an index.html fallback for client routes) and the
 * offline GraphiQL page at GET /graphql for browsers (Accept: text/html, no `query` parameter).
 * Everything the pages load is in the bundle: no CDN. Answers 503 with a hint while unbuilt.
 */
export function mountConsole(app: Express, dir = consoleDistDir()): void {
  const built = () => existsSync(join(dir, 'index.html'));
  const sendPage = (page: string) => (_req: Request, res: Response) => {
    if (!built()) {
      res.status(503).type('text/plain').send(NOT_BUILT);
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('referrer-policy', 'no-referrer');
    res.sendFile(join(dir, page));
  };
  app.get('/graphql', (req: Request, res: Response, next: NextFunction) => {
    if (req.query.query !== undefined || req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) !== 'text/html') return next();
    sendPage('graphiql.html')(req, res);
  });
  // Hashed asset names never change content: cache them for good.
  app.use('/console/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
  app.get('/console{/*rest}', sendPage('index.html'));
}
