import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Prometheus metrics for one server instance (its own registry, so instances never collide). */
export class Metrics {
  readonly registry = new Registry();

  /** Requests by route and status. */
  readonly httpRequests = new PlainCounter(this.registry, 'tessera_http_requests_total', 'HTTP requests by route and status.', ['route', 'status']);
  readonly httpDuration = new PlainHistogram(
    'tessera_http_request_duration_seconds',
    'HTTP request duration by route.',
    'route',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  );
  readonly verifications = new PlainCounter(
    this.registry,
    'tessera_verifications_total',
    'Token verifications by outcome (VALID, or why not: UNKNOWN, EXPIRED, REVOKED, ...), every transport and route.',
    ['outcome'],
  );
  readonly websocketConnections = new Gauge({ name: 'tessera_websocket_connections', help: 'Open graphql-ws connections.', registers: [this.registry] });
  readonly subscriptions = new Gauge({ name: 'tessera_subscriptions', help: 'Live event listeners on this instance.', registers: [this.registry] });

  /** Counts one verification by its outcome (a verification reason, or null: VALID); two per verify request. */
  readonly countVerification = (reason: string | null): void => this.verifications.inc(reason ?? 'VALID');

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(this.httpDuration as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /**
   * Records one HTTP request (`startedAt` from `performance.now()`). Plain numbers: prom-client's
   * labelled `inc` and `observe` validate and hash their labels on every call, even through bound
   * children — on the verify hot path, per request (bench/verify-throughput); the registry reads
   * these numbers when scraped.
   */
  observeRequest(route: string, status: number, startedAt: number): void {
    this.httpRequests.inc(route, String(status));
    this.httpDuration.observe(route, (performance.now() - startedAt) / 1000);
  }
}

/**
 * A counter kept as plain numbers per label values and handed to prom-client's Counter when
 * scraped: prom-client's labelled `inc` validates and hashes its labels on every call (bound
 * children too), which cost the verify hot path about 5% of its CPU.
 */
export class PlainCounter {
  private readonly counts = new Map<string, { values: readonly string[]; count: number }>();

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[]) {
    const counts = this.counts;
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const { values, count } of counts.values()) this.inc(Object.fromEntries(labelNames.map((label, i) => [label, values[i]])), count);
      },
    });
  }

  /** One more for these label values, in the order of the label names. */
  inc(...values: string[]): void {
    const key = values.length === 1 ? values[0] : values.join('\u0000');
    const entry = this.counts.get(key);
    if (entry) entry.count += 1;
    else this.counts.set(key, { values, count: 1 });
  }
}

/** The value list prom-client's registry prints for a metric (what its own metrics' `get()` return). */
interface MetricValues {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: { metricName: string; labels: Record<string, string | number>; value: number }[];
}

/**
 * A histogram with one label, kept as plain arrays and registered with prom-client as a custom
 * metric (`get()` returns what its Histogram's would): an observation is a bucket search and three
 * additions, with no label validation or hashing.
 */
export class PlainHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly label: string,
    private readonly upperBounds: readonly number[],
  ) {}

  observe(labelValue: string, value: number): void {
    let series = this.series.get(labelValue);
    if (!series) this.series.set(labelValue, (series = { buckets: this.upperBounds.map(() => 0), sum: 0, count: 0 }));
    series.sum += value;
    series.count += 1;
    for (let i = 0; i < this.upperBounds.length; i += 1) {
      if (value <= this.upperBounds[i]) {
        series.buckets[i] += 1;
        break;
      }
    }
  }

  get(): MetricValues {
    const values: MetricValues['values'] = [];
    for (const [labelValue, { buckets, sum, count }] of this.series) {
      let cumulative = 0;
      buckets.forEach((n, i) => {
        cumulative += n;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: this.upperBounds[i], [this.label]: labelValue }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', [this.label]: labelValue }, value: count });
      values.push({ metricName: `${this.name}_sum`, labels: { [this.label]: labelValue }, value: sum });
      values.push({ metricName: `${this.name}_count`, labels: { [this.label]: labelValue }, value: count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}
