import { OpenFeature, TypedInMemoryProvider, type EvaluationContext } from "@openfeature/server-sdk";
import { createWebhookExporter, type ExporterStats } from "@org/webhook-exporter";
import { createWebhookExporterHook } from "@org/webhook-exporter/openfeature";
import type { SenderConfig } from "./config.js";
import { flagKeys, flags } from "./flags.js";

/** What a run did: evaluations per flag and variation, and the exporter's counters at the end. */
export interface SenderSummary {
  evaluations: number;
  perFlag: Record<string, Record<string, number>>;
  stats: Omit<ExporterStats, "lastError"> & { lastError: string | undefined };
}

/** A running sender: stop() ends the loop, closes the exporter (a final flush) and resolves the summary. */
export interface RunningSender {
  stop(): Promise<SenderSummary>;
  readonly done: Promise<SenderSummary>;
}

/**
 * Evaluates the demo flags for simulated users through OpenFeature; the export hook turns every
 * evaluation into an event. This is the whole integration: an exporter, and one hook.
 */
export async function startSender(config: SenderConfig): Promise<RunningSender> {
  const exporter = createWebhookExporter({
    endpointUrl: config.webhookUrl,
    ...(config.webhookSecret === undefined ? {} : { secret: config.webhookSecret }),
    flushInterval: config.flushInterval,
    maxEventInMemory: config.maxEventInMemory,
    meta: { service: "example-sender" },
    ...(config.spoolDir === undefined ? {} : { spool: { dir: config.spoolDir } }),
  });
  const domain = `sender-${String(process.pid)}`;
  await OpenFeature.setProviderAndWait(domain, new TypedInMemoryProvider(flags));
  const client = OpenFeature.getClient(domain);
  client.addHooks(createWebhookExporterHook(exporter));

  const perFlag: Record<string, Record<string, number>> = {};
  let evaluations = 0;
  const run = { stopped: false };
  const tickMs = 50;
  const perTick = Math.max(1, Math.round((config.evaluationsPerSecond * tickMs) / 1000));

  /** Each flag with the method of its type, as an application would. */
  function evaluate(flagKey: string, context: EvaluationContext): Promise<{ variant?: string }> {
    switch (flagKey) {
      case "new-checkout":
        return client.getBooleanDetails(flagKey, false, context);
      case "banner-color":
        return client.getStringDetails(flagKey, "blue", context);
      case "max-items":
        return client.getNumberDetails(flagKey, 10, context);
      default:
        return client.getObjectDetails(flagKey, {}, context);
    }
  }

  async function evaluateOne(): Promise<void> {
    // Each user evaluates every flag in turn.
    const user = Math.floor(evaluations / flagKeys.length) % config.users;
    const flagKey = flagKeys[evaluations % flagKeys.length] ?? "new-checkout";
    const context = { targetingKey: `user-${user}`, plan: user % 4 === 0 ? "pro" : "free", anonymous: user % 10 === 0 };
    const details = await evaluate(flagKey, context);
    evaluations += 1;
    const variants = (perFlag[flagKey] ??= {});
    const variant = details.variant ?? "SdkDefault";
    variants[variant] = (variants[variant] ?? 0) + 1;
  }

  const loop = (async () => {
    const started = Date.now();
    while (!run.stopped && (config.durationMs === 0 || Date.now() - started < config.durationMs)) {
      for (let index = 0; index < perTick; index++) await evaluateOne();
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
  })();

  const done = loop.then(async (): Promise<SenderSummary> => {
    await exporter.close();
    await OpenFeature.clearProviders();
    const { lastError, ...stats } = exporter.stats();
    return { evaluations, perFlag, stats: { ...stats, lastError: lastError?.message } };
  });
  return {
    done,
    stop() {
      run.stopped = true;
      return done;
    },
  };
}
