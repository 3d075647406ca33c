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

/** One exporter, or several (GO Feature Flag's `exporters:` list): each gets every event. */
export type ExporterSinks = ExporterSink | readonly ExporterSink[];

function listOf(sinks: ExporterSinks): readonly ExporterSink[] {
  return Array.isArray(sinks) ? (sinks as readonly ExporterSink[]) : [sinks as ExporterSink];
}

function contextKindOf(context: Readonly<EvaluationContext>): string {
  return context.anonymous === true ? "anonymousUser" : "user";
}

function nowInUnixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Adds the event to each exporter (the same object: exporters never change an event); a refusal goes to
 * `onError`, never into the evaluation or `track` call, nor keeps the event from the other exporters.
 */
function addOrReport(
  exporters: readonly ExporterSink[],
  event: FeatureEvent | TrackingEvent,
  onError?: (error: unknown) => void,
) {
  for (const exporter of exporters) {
    try {
      exporter.add(event);
    } catch (error) {
      onError?.(error);
    }
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
 * whose `eventType` is `"tracking"` gets nothing from this hook. Given several exporters, each feature
 * exporter gets every event.
 *
 * ```ts
 * OpenFeature.addHooks(createWebhookExporterHook(exporter));
 * ```
 */
export function createWebhookExporterHook(exporters: ExporterSinks, options: WebhookExporterHookOptions = {}): Hook {
  const { shouldCollect, metadata, onError } = options;
  const featureExporters = listOf(exporters).filter((exporter) => exporter.eventType === "feature");
  const hasMetadata = metadata !== undefined && Object.keys(metadata).length > 0;

  function record(
    hookContext: Readonly<HookContext>,
    variation: string,
    value: unknown,
    isDefault: boolean,
    details?: EvaluationDetails<FlagValue>,
  ): void {
    if (featureExporters.length === 0) return;
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
    addOrReport(featureExporters, event, onError);
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
 * `track` method that adds the event to `exporters` (one, or several: each `eventType` must be
 * `"tracking"`) and then calls the provider's own `track`, if it had one. Returns the same provider.
 */
export function trackWithExporter<P extends Provider>(
  provider: P,
  exporters: ExporterSinks,
  options: Pick<WebhookExporterHookOptions, "onError"> = {},
): P {
  const list = listOf(exporters);
  list.forEach((exporter, index) => {
    if (exporter.eventType === "tracking") return;
    const which = Array.isArray(exporters) ? `exporters[${index}] is not` : "needs";
    throw new TypeError(`trackWithExporter ${which} an exporter created with eventType: "tracking"`);
  });
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
    addOrReport(list, event, options.onError);
    own?.(name, context, details);
  };
  return provider;
}
