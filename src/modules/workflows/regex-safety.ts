import { Worker } from 'node:worker_threads';

/** What the checker says of one pattern. */
export type RegexVerdict = 'safe' | 'vulnerable' | 'unknown';

/** The longest one pattern's check may take in the checker (then: unknown, refused). */
const CHECK_TIMEOUT_MS = 1_000;
/** The longest a caller waits for the worker (it may be starting: loading recheck takes a while). */
const ANSWER_TIMEOUT_MS = 10_000;

/**
 * The worker's code: recheck's checkSync on each pattern it is sent. recheck (a ReDoS checker that
 * finds exponential and polynomial backtracking by automata analysis and fuzzing) runs
 * synchronously for up to hundreds of milliseconds per pattern, so it runs here, off the event
 * loop: publishing a workflow never stalls the other requests.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { checkSync } = require(workerData.recheck);
parentPort.on('message', ({ id, source, flags }) => {
  let status = 'unknown';
  try { status = checkSync(source, flags, { timeout: workerData.timeout }).status; } catch { status = 'unknown'; }
  parentPort.postMessage({ id, status });
});
`;

/**
 * Judges regular expressions for catastrophic backtracking in a worker thread (one per process,
 * started on first use, never keeping the process alive). Verdicts are kept per pattern.
 */
export class RegexSafety {
  private worker: Worker | null = null;
  private sequence = 0;
  private readonly waiting = new Map<number, (verdict: RegexVerdict) => void>();
  private readonly verdicts = new Map<string, RegexVerdict>();

  async verdict(source: string, flags = 'u'): Promise<RegexVerdict> {
    const key = `${flags}/${source}`;
    const known = this.verdicts.get(key);
    if (known) return known;
    const verdict = await this.ask(source, flags);
    // An unknown verdict may be a busy machine: ask again next time.
    if (verdict !== 'unknown') {
      if (this.verdicts.size >= 10_000) this.verdicts.clear();
      this.verdicts.set(key, verdict);
    }
    return verdict;
  }

  private ask(source: string, flags: string): Promise<RegexVerdict> {
    const worker = this.start();
    const id = (this.sequence += 1);
    return new Promise<RegexVerdict>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        // A worker that does not answer is replaced: whatever it is stuck on stays refused.
        void this.stop();
        resolve('unknown');
      }, ANSWER_TIMEOUT_MS);
      timer.unref();
      this.waiting.set(id, (verdict) => {
        clearTimeout(timer);
        resolve(verdict);
      });
      worker.postMessage({ id, source, flags });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { recheck: require.resolve('recheck'), timeout: CHECK_TIMEOUT_MS } });
    worker.unref();
    worker.on('message', ({ id, status }: { id: number; status: RegexVerdict }) => {
      const done = this.waiting.get(id);
      this.waiting.delete(id);
      done?.(status === 'safe' || status === 'vulnerable' ? status : 'unknown');
    });
    const fail = () => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const done of this.waiting.values()) done('unknown');
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    this.worker = worker;
    return worker;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    for (const done of this.waiting.values()) done('unknown');
    this.waiting.clear();
    if (worker) await worker.terminate();
  }
}
