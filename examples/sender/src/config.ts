/** The sender's settings, all from environment variables (12-factor style). */
export interface SenderConfig {
  /** WEBHOOK_URL: where the exporter POSTs. Required. */
  webhookUrl: string;
  /** WEBHOOK_SECRET: signs every request. */
  webhookSecret: string | undefined;
  /** FLUSH_INTERVAL: ms between flushes (default 60000, GO Feature Flag's). */
  flushInterval: number;
  /** MAX_EVENT_IN_MEMORY: flush once this many events wait (default 100000). */
  maxEventInMemory: number;
  /** USERS: how many simulated users (default 2000). */
  users: number;
  /** EVALUATIONS_PER_SECOND: how fast to evaluate (default 1000). */
  evaluationsPerSecond: number;
  /** DURATION_MS: stop after this long; 0 runs until SIGTERM (default 0). */
  durationMs: number;
  /** SPOOL_DIR: keep unsent batches on disk there. */
  spoolDir: string | undefined;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw.slice(0, 20))}`);
  return value;
}

/** Reads and checks the environment; the error names the variable at fault. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): SenderConfig {
  const webhookUrl = env.WEBHOOK_URL;
  if (webhookUrl === undefined || webhookUrl === "")
    throw new Error("WEBHOOK_URL is required (for example http://127.0.0.1:3000/webhook)");
  return {
    webhookUrl,
    webhookSecret: env.WEBHOOK_SECRET === "" ? undefined : env.WEBHOOK_SECRET,
    flushInterval: integer(env, "FLUSH_INTERVAL", 60_000),
    maxEventInMemory: integer(env, "MAX_EVENT_IN_MEMORY", 100_000),
    users: Math.max(1, integer(env, "USERS", 2000)),
    evaluationsPerSecond: Math.max(1, integer(env, "EVALUATIONS_PER_SECOND", 1000)),
    durationMs: integer(env, "DURATION_MS", 0),
    spoolDir: env.SPOOL_DIR === "" ? undefined : env.SPOOL_DIR,
  };
}
