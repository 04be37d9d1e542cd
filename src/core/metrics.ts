import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics for one server instance (its own registry, so instances never collide). */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'tessera_http_requests_total',
    help: 'HTTP requests by route and status.',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'HTTP request duration by route.',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  /** Verdicts counted as plain numbers on the hot path, handed to prom-client when scraped. */
  private readonly verdictCounts = new Map<string, number>();
  readonly verifications = (() => {
    const counts = this.verdictCounts;
    return new Counter({
      name: 'tessera_verifications_total',
      help: 'Token verifications by outcome (VALID, or why not: UNKNOWN, EXPIRED, REVOKED, ...), every transport and route.',
      labelNames: ['outcome'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [outcome, count] of counts) this.inc({ outcome }, count);
      },
    });
  })();
  readonly websocketConnections = new Gauge({ name: 'tessera_websocket_connections', help: 'Open graphql-ws connections.', registers: [this.registry] });
  readonly subscriptions = new Gauge({ name: 'tessera_subscriptions', help: 'Live event listeners on this instance.', registers: [this.registry] });

  private readonly bound = new Map<string, { count: { inc(): void }; duration: { observe(value: number): void } }>();
  /**
   * Counts one verification by its outcome (a verification reason, or null: VALID). A Map
   * increment: prom-client's labelled inc hashes its labels on every call, which cost the verify
   * hot path about 5% of its CPU (two verdicts per request); the counter reads the map at scrape.
   */
  readonly countVerification = (reason: string | null): void => {
    const outcome = reason ?? 'VALID';
    this.verdictCounts.set(outcome, (this.verdictCounts.get(outcome) ?? 0) + 1);
  };

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Records one HTTP request; label children are bound once per route and status. */
  observeRequest(route: string, status: number, startedAt: bigint): void {
    const key = `${route} ${status}`;
    let children = this.bound.get(key);
    if (!children) {
      children = { count: this.httpRequests.labels(route, String(status)), duration: this.httpDuration.labels(route) };
      this.bound.set(key, children);
    }
    children.count.inc();
    children.duration.observe(Number(process.hrtime.bigint() - startedAt) / 1e9);
  }
}
