import type {
  EvaluationContext,
  EvaluationDetails,
  FlagValue,
  Hook,
  HookContext,
  Provider,
  TrackingEventDetails,
} from "@openfeature/server-sdk";
import type { FeatureEvent, TrackingEvent } from "@org/webhook-types";
import type { WebhookExporter } from "./exporter-api.js";

/** Options of {@link createWebhookExporterHook}. */
export interface WebhookExporterHookOptions {
  /** Which evaluations to export. @default every one */
  shouldCollect?: ((flagKey: string, context: Readonly<EvaluationContext>) => boolean) | undefined;
  /** Added to every event as `metadata`. */
  metadata?: Record<string, unknown> | undefined;
  /**
   * Called when the exporter refuses an event (after `close()`, or an invalid one while validating).
   * The evaluation itself is never affected: a hook that threw would turn it into an error.
   */
  onError?: ((error: unknown) => void) | undefined;
}

/** The part of an exporter the OpenFeature integration uses. */
export type ExporterSink = Pick<WebhookExporter, "add" | "eventType">;

function contextKindOf(context: Readonly<EvaluationContext>): string {
  return context.anonymous === true ? "anonymousUser" : "user";
}

function nowInUnixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Adds the event; a refusal goes to `onError`, never into the evaluation or `track` call. */
function addOrReport(exporter: ExporterSink, event: FeatureEvent | TrackingEvent, onError?: (error: unknown) => void) {
  try {
    exporter.add(event);
  } catch (error) {
    onError?.(error);
  }
}

function versionOf(details: EvaluationDetails<FlagValue> | undefined): string {
  const version = details?.flagMetadata.version;
  return typeof version === "string" || typeof version === "number" ? String(version) : "";
}

/**
 * An OpenFeature server-SDK hook that exports every evaluation as a feature event, as GO Feature
 * Flag's data-collector hook does: `after` sends the variant (`SdkDefault` when none) and value with
 * `default: false`; `error` sends `SdkDefault`, the default value and `default: true`. An exporter
 * whose `eventType` is `"tracking"` gets nothing from this hook.
 *
 * ```ts
 * OpenFeature.addHooks(createWebhookExporterHook(exporter));
 * ```
 */
export function createWebhookExporterHook(exporter: ExporterSink, options: WebhookExporterHookOptions = {}): Hook {
  const { shouldCollect, metadata, onError } = options;
  const hasMetadata = metadata !== undefined && Object.keys(metadata).length > 0;

  function record(
    hookContext: Readonly<HookContext>,
    variation: string,
    value: unknown,
    isDefault: boolean,
    details?: EvaluationDetails<FlagValue>,
  ): void {
    if (exporter.eventType !== "feature") return;
    const { context, flagKey } = hookContext;
    if (shouldCollect !== undefined && !shouldCollect(flagKey, context)) return;
    // Keys in wire order, so the exporter's fast serializer path applies. Written out, not spread from a
    // shared part: on every evaluation, a spread costs about 60 ns more than this literal.
    const event: FeatureEvent = {
      kind: "feature",
      contextKind: contextKindOf(context),
      userKey: context.targetingKey ?? "",
      creationDate: nowInUnixSeconds(),
      key: flagKey,
      variation,
      value,
      default: isDefault,
      version: versionOf(details),
      source: "SERVER",
    };
    if (hasMetadata) event.metadata = metadata;
    addOrReport(exporter, event, onError);
  }

  return {
    after(hookContext, details) {
      record(hookContext, details.variant ?? "SdkDefault", details.value, false, details);
    },
    error(hookContext) {
      record(hookContext, "SdkDefault", hookContext.defaultValue, true);
    },
  };
}

/**
 * Makes `client.track(name, context, details)` export a tracking event, by giving `provider` a
 * `track` method that adds the event to `exporter` (whose `eventType` must be `"tracking"`) and then
 * calls the provider's own `track`, if it had one. Returns the same provider.
 */
export function trackWithExporter<P extends Provider>(
  provider: P,
  exporter: ExporterSink,
  options: Pick<WebhookExporterHookOptions, "onError"> = {},
): P {
  if (exporter.eventType !== "tracking") {
    throw new TypeError('trackWithExporter needs an exporter created with eventType: "tracking"');
  }
  const own = provider.track?.bind(provider);
  provider.track = (name: string, context: EvaluationContext, details: TrackingEventDetails) => {
    const event: TrackingEvent = {
      kind: "tracking",
      contextKind: contextKindOf(context),
      userKey: context.targetingKey ?? "",
      creationDate: nowInUnixSeconds(),
      key: name,
      evaluationContext: { ...context },
      trackingEventDetails: { ...details },
    };
    addOrReport(exporter, event, options.onError);
    own?.(name, context, details);
  };
  return provider;
}
