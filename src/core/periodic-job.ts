import type { Logger } from './logger';

/** Tells a running job whether it should stop at the next safe point (between batches). */
export type StopSignal = () => boolean;

/**
 * A background job every instance runs on an interval (expiry sweep, retention, proactive refresh): at most
 * one run at a time per instance (a call during a run joins it), errors logged, and a graceful
 * stop that lets the current batch finish and waits for it — so shutdown never closes the
 * database under a run. Exactly-once across instances is each job's own business (claims).
 */
export abstract class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running: Promise<number> | null = null;
  private stopped = false;

  constructor(
    private readonly name: string,
    protected readonly logger: Logger,
  ) {}

  /** One run: does what is due, checking `shouldStop` between batches; returns how much it did. */
  protected abstract work(shouldStop: StopSignal): Promise<number>;

  start(intervalMs: number): void {
    this.stopped = false;
    this.timer = setInterval(
      () => void this.run().catch((error: Error) => this.logger.error({ component: this.name, err: error.message }, `${this.name} failed`)),
      intervalMs,
    );
    this.timer.unref();
  }

  /** Runs now (or joins the run in progress); resolves with how much this run did. */
  run(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.running ??= this.work(() => this.stopped).finally(() => (this.running = null));
    return this.running;
  }

  /** No new runs; the current one stops after its batch, and this resolves once it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
