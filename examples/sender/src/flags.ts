import type { EvaluationContext, InMemoryFlagConfiguration } from "@openfeature/server-sdk";

/** A stable bucket 0..99 per user and flag, so each user sees the same variant every time. */
function bucket(flagKey: string, context: EvaluationContext): number {
  let hash = 2166136261;
  for (const char of `${flagKey}:${context.targetingKey ?? ""}`) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return (hash >>> 0) % 100;
}

/** The demo's flags: a boolean rollout, a string experiment, a number and an object. */
export const flags: InMemoryFlagConfiguration = {
  "new-checkout": {
    variants: { enabled: true, disabled: false },
    defaultVariant: "disabled",
    disabled: false,
    contextEvaluator: (context) => (bucket("new-checkout", context) < 30 ? "enabled" : "disabled"),
  },
  "banner-color": {
    variants: { red: "red", green: "green", blue: "blue" },
    defaultVariant: "blue",
    disabled: false,
    contextEvaluator: (context) => ["red", "green", "blue"][bucket("banner-color", context) % 3] ?? "blue",
  },
  "max-items": {
    variants: { small: 10, large: 50 },
    defaultVariant: "small",
    disabled: false,
    contextEvaluator: (context) => (context.plan === "pro" ? "large" : "small"),
  },
  "search-config": {
    variants: { classic: { engine: "classic", limit: 20 }, semantic: { engine: "semantic", limit: 10 } },
    defaultVariant: "classic",
    disabled: false,
    contextEvaluator: (context) => (bucket("search-config", context) < 50 ? "semantic" : "classic"),
  },
};

export const flagKeys: readonly string[] = Object.keys(flags);
