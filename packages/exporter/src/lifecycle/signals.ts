const SIGNALS = ["SIGTERM", "SIGINT"] as const;

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
    });
  };
  function stop(): void {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return stop;
}
