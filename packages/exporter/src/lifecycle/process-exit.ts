/**
 * What each exporter does when the process ends without `close()`: a script that adds events and
 * returns. One `beforeExit` and one `exit` listener for all exporters, however many there are.
 */
export interface ExitHooks {
  /** The event loop is empty and the process is about to end: start whatever would deliver (may be nothing). */
  beforeExit(): void;
  /** The process is ending now (synchronous): report what is lost, release what is held. */
  exit(): void;
}

const registered = new Set<ExitHooks>();

function onBeforeExit(): void {
  for (const hooks of registered) hooks.beforeExit();
}

function onExit(): void {
  for (const hooks of registered) hooks.exit();
}

/** Registers one exporter's hooks; returns the function that removes them (at `close()`). */
export function onProcessExit(hooks: ExitHooks): () => void {
  if (registered.size === 0) {
    process.on("beforeExit", onBeforeExit);
    process.on("exit", onExit);
  }
  registered.add(hooks);
  return () => {
    if (!registered.delete(hooks) || registered.size > 0) return;
    process.off("beforeExit", onBeforeExit);
    process.off("exit", onExit);
  };
}

/**
 * The exporter's hooks: before the process ends on its own, one flush of what waits (with a spool,
 * it also commits the newest events to disk); not another for the same events, so an endpoint that
 * is down cannot keep the process alive. At exit, what is left in memory only is reported lost.
 */
export function deliverBeforeExit(parts: {
  flush: () => Promise<unknown>;
  /** `stats().added`: a new event since the last try is worth another. */
  added: () => number;
  pending: () => number;
  /** Events that end with the process: pending and in memory only (0 with a spool). */
  lostAtExit: () => number;
  reportLost: (count: number) => void;
  /** Releases what another process would wait for (the spool's lock). */
  release: () => void;
}): ExitHooks {
  let triedWithAdded: number | undefined;
  return {
    beforeExit() {
      if (parts.pending() === 0 || triedWithAdded === parts.added()) return;
      triedWithAdded = parts.added();
      void parts.flush();
    },
    exit() {
      const lost = parts.lostAtExit();
      if (lost > 0) parts.reportLost(lost);
      parts.release();
    },
  };
}
