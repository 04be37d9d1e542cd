import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Header and field names that can carry a secret are redacted as a second
 * line of defence; the first is that no code logs a value.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tessera' },
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-tessera-token"]', '*.secret', '*.token', '*.password', '*.clientSecret'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
