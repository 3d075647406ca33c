/**
 * Warnings of the verifier: through `process.emitWarning` where the runtime has it (Node, Bun, Deno,
 * Workers with `nodejs_compat`), else `console.warn`, so that a runtime without `process` never throws.
 */
export function warn(message: string, code: string): void {
  const emit = (globalThis as { process?: { emitWarning?: (message: string, options: { code: string }) => void } })
    .process?.emitWarning;
  if (typeof emit === "function") emit(message, { code });
  else console.warn(`[${code}] ${message}`);
}

const given = new Set<string>();

/** `warn`, once per message for the process: options resolved again (per context) do not repeat it. */
export function warnOnce(message: string, code: string): void {
  if (given.has(message)) return;
  given.add(message);
  warn(message, code);
}
