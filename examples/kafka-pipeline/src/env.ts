/** A required environment variable, or an error that names it. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is required`);
  return value;
}

/** KAFKA_BROKERS (`host:port,host:port`) and KAFKA_TOPIC (`webhook-batches`). */
export function kafkaEnv(): { bootstrapBrokers: string[]; topic: string } {
  const bootstrapBrokers = requiredEnv("KAFKA_BROKERS")
    .split(",")
    .map((broker) => broker.trim())
    .filter((broker) => broker !== "");
  return { bootstrapBrokers, topic: process.env.KAFKA_TOPIC ?? "webhook-batches" };
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits (1 if stopping failed). */
export function onTermination(stop: () => Promise<void>): void {
  let stopping = false;
  const handle = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handle);
  process.on("SIGINT", handle);
}

/**
 * A fault for the pipeline's fault tests, never for production: with `name` set to N, the N-th call
 * SIGKILLs this process (the edge: a batch acknowledged by Kafka, not yet answered; the sink: a batch
 * stored, its offset not yet committed). Without it, nothing.
 */
export function killSelfAfter(name: string): (() => void) | undefined {
  const after = Number(process.env[name]);
  if (!Number.isSafeInteger(after) || after <= 0) return undefined;
  let calls = 0;
  return () => {
    if (++calls === after) process.kill(process.pid, "SIGKILL");
  };
}

/** An error's message with its causes and grouped errors (Kafka clients nest the reason), for the log. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const nested = [
    ...((error as { errors?: unknown[] }).errors ?? []),
    ...(error.cause === undefined ? [] : [error.cause]),
  ].map(describeError);
  return nested.length === 0 ? error.message : `${error.message} (${nested.join("; ")})`;
}
