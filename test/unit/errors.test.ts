import { ConnectionException, DriverException } from '@mikro-orm/core';
import { createServer } from 'node:net';
import { isStorageUnavailable } from '../../src/core/errors';

/** Which failures read as "storage unavailable" (SERVICE_UNAVAILABLE) and which stay internal errors. */
describe('isStorageUnavailable', () => {
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it('should recognise database errors that say the database is unreachable, however they are wrapped', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(isStorageUnavailable(new DriverException(refused))).toBe(true);
    expect(isStorageUnavailable(new ConnectionException(new Error('whatever the driver says')))).toBe(true);
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    expect(isStorageUnavailable({ originalError: new DriverException(shutdown) })).toBe(true);
    // pg's failed connect, thrown as it is (GraphQL keeps it as originalError, or thrownValue when it does not take it for an Error).
    const connect = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      errno: -111,
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address: '127.0.0.1',
      port: 5432,
    });
    expect(isStorageUnavailable({ originalError: connect })).toBe(true);
    expect(isStorageUnavailable({ thrownValue: connect })).toBe(true);
    // pg's server error when MikroORM did not wrap it.
    expect(isStorageUnavailable(Object.assign(new Error('the database system is starting up'), { name: 'error', severity: 'FATAL', code: '57P03' }))).toBe(
      true,
    );
    expect(isStorageUnavailable(Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' }))).toBe(true);
    // A dropped connection knex hands back unwrapped from COMMIT or ROLLBACK (seen in the same test).
    expect(isStorageUnavailable({ thrownValue: { errno: -104, code: 'ECONNRESET', syscall: 'read' } })).toBe(true);
    expect(isStorageUnavailable({ originalError: new Error('Connection terminated unexpectedly') })).toBe(true);
    // knex's answer to the first query of a transaction whose BEGIN met a dropped connection (seen in the PostgreSQL-restart fault test).
    expect(isStorageUnavailable(new DriverException(new Error('Transaction query already complete, run with DEBUG=knex:tx for more info')))).toBe(true);
  });

  it('should not blame storage for other database errors or for a third party refusing a connection', async () => {
    const unique = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    expect(isStorageUnavailable(new DriverException(unique))).toBe(false);
    const port = await closedPort();
    const failure = await fetch(`http://127.0.0.1:${port}/token`).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).not.toBeNull();
    expect(JSON.stringify((failure as { cause?: { code?: string } }).cause?.code)).toContain('ECONNREFUSED');
    expect(isStorageUnavailable(failure)).toBe(false);
    expect(isStorageUnavailable({ originalError: failure })).toBe(false);
    expect(isStorageUnavailable(new Error('something else'))).toBe(false);
  });
});
