/**
 * The verifier users would otherwise build (issue 21): express + Redis. `POST /v1/verify` hashes
 * the caller's bearer value and the presented one (SHA-256), GETs both from Redis in one round
 * trip (MGET), refuses an unknown caller with 401, and answers the JSON Tessera answers for the
 * token (BARE_BODY). Keys seeded at start from ADMIN_TOKEN and TOKEN; Redis at REDIS_URL.
 */
import { createHash } from 'node:crypto';
import express from 'express';
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const hash = (value: string) => createHash('sha256').update(value).digest('hex');
const body = process.env.BARE_BODY ?? '{"valid":true}';

async function main(): Promise<void> {
  await redis.mset(`token:${hash(process.env.ADMIN_TOKEN ?? '')}`, '{"valid":true}', `token:${hash(process.env.TOKEN ?? '')}`, body);
  const app = express();
  app.use(express.json({ limit: '4kb' }));
  app.post('/v1/verify', (req, res, next) => {
    const caller = /^Bearer (\S+)$/.exec(req.header('authorization') ?? '')?.[1];
    const token = (req.body as { token?: unknown })?.token;
    if (!caller || typeof token !== 'string') return void res.status(400).json({ error: 'bad request' });
    redis.mget(`token:${hash(caller)}`, `token:${hash(token)}`).then(([who, answer]) => {
      if (!who) return void res.status(401).json({ error: 'unauthenticated' });
      res.setHeader('cache-control', 'no-store');
      res.type('application/json').send(answer ?? '{"valid":false,"reason":"UNKNOWN"}');
    }, next);
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
  });
  server.keepAliveTimeout = 60_000;
  process.on('SIGTERM', () => server.close(() => void redis.quit().then(() => process.exit(0))));
}

void main();
