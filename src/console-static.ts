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

/**
 * The pages' Content-Security-Policy: everything from this origin (the bundle has no CDN and no
 * inline script); styles may be inline (GraphiQL's editor injects <style> elements, the GraphiQL
 * page has one), images and fonts may be data: URLs (editor icons), GraphiQL's workers are module
 * files of the bundle; no framing (clickjacking), no plugins, no <base> rewriting.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on everything served for browsers here: the CSP, no framing, no MIME sniffing. */
function browserHeaders(res: Response): void {
  res.setHeader('content-security-policy', CONSOLE_CSP);
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('x-content-type-options', 'nosniff');
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
    browserHeaders(res);
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
  app.use('/console', (_req: Request, res: Response, next: NextFunction) => {
    browserHeaders(res);
    next();
  });
  // Hashed asset names never change content: cache them for good.
  app.use('/console/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
  app.get('/console{/*rest}', sendPage('index.html'));
}
