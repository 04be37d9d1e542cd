import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics for one server instance (its own registry, so instances never collide). */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({ name: 'tessera_http_requests_total', help: 'HTTP requests by route and status.', labelNames: ['route', 'status'] as const, registers: [this.registry] });
  readonly httpDuration = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'HTTP request duration by route.',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly verifications = new Counter({ name: 'tessera_verifications_total', help: 'Token verifications by outcome.', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly websocketConnections = new Gauge({ name: 'tessera_websocket_connections', help: 'Open graphql-ws connections.', registers: [this.registry] });
  readonly subscriptions = new Gauge({ name: 'tessera_subscriptions', help: 'Live event listeners on this instance.', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
