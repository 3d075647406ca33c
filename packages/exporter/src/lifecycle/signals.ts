const SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** How often the signal is raised again while the runtime has not yet restored its default action. */
const RERAISE_MS = 50;

/**
 * On SIGTERM or SIGINT, runs `close`, then lets the process end as it would have without us: the
 * listener is removed and the signal raised again, so the default action (or the app's own listeners)
 * applies. Returns a function that stops listening.
 */
export function handleTerminationSignals(close: () => Promise<unknown>): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    stop();
    void close().finally(() => {
      process.kill(process.pid, signal);
      // A runtime may restore a signal's default action only a moment after its last listener goes
      // (Deno), and the signal raised at once is then lost. With no listener of the app's own, raise it
      // again until the default action applies; where the first one applied, the process is gone.
      if (process.listenerCount(signal) === 0) setInterval(() => process.kill(process.pid, signal), RERAISE_MS);
    });
  };
  function stop(): void {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return stop;
}
