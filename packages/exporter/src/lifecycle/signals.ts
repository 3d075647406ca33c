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
      // Deno restores a signal's default action a moment after its last listener goes, so the signal
      // raised at once can be lost and the process then ends with code 0. With no listener of the app's
      // own, raise it again until the default action applies (on Node the first one already did).
      if (process.listenerCount(signal) === 0) setInterval(() => process.kill(process.pid, signal), RERAISE_MS);
    });
  };
  function stop(): void {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return stop;
}
