/** Runs flushes one at a time, on a timer and on demand. */
export interface FlushScheduler<R> {
  /** Runs a flush now, or right after the one in progress; callers that arrive meanwhile share that one. */
  run(): Promise<R>;
  /** The next automatic flush in `delayMs`, replacing the one armed before. */
  arm(delayMs: number): void;
  /** No more automatic flushes. */
  stop(): void;
  /** A flush is in progress. */
  readonly busy: boolean;
}

/**
 * The timer is `unref`ed: an exporter never keeps a process alive by itself. A flush requested while
 * one runs is queued once, so at most one flush runs and at most one waits.
 */
export function createFlushScheduler<R>(flush: () => Promise<R>): FlushScheduler<R> {
  let running: Promise<R> | undefined;
  let queued: Promise<R> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function start(): Promise<R> {
    const current: Promise<R> = flush().finally(() => {
      if (running === current) running = undefined;
    });
    running = current;
    return current;
  }

  function run(): Promise<R> {
    if (running === undefined) return start();
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        // Whoever awaited the flush that just ended runs before this callback, and may have started
        // the next one already: join it rather than run a second flush beside it.
        return running ?? start();
      });
    return queued;
  }

  return {
    run,
    arm(delayMs) {
      if (stopped) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        run().catch(() => undefined);
      }, delayMs);
      timer.unref();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    get busy() {
      return running !== undefined;
    },
  };
}
