import {
  asVerificationError,
  guardedOnError,
  splitAdapterOptions,
  type AdapterSettings,
  type WebhookAdapterOptions,
} from "./adapter.js";
import type { WebhookVerifierOptions } from "./options.js";
import type { ReplayStore } from "./replay-store.js";
import type { WebhookVerifier } from "./webhook-verifier.js";
import { warnOnce } from "./warnings.js";

/** An adapter's verifier and settings, made from its options once. */
export interface PreparedAdapter {
  verifier: WebhookVerifier;
  settings: AdapterSettings;
}

/** Options as given to an adapter: fixed, or a function of the runtime's per-request context (Workers' `env`). */
export type AdapterOptionsSource<Context> = WebhookAdapterOptions | ((context: Context) => WebhookAdapterOptions);

/** The setup of one adapter: `prepare` throws the setup's failure as a verification error, already reported. */
export interface AdapterSetup<Context> {
  /** With `report: false` (a check at creation, whose failure is thrown to the caller), `onError` is not told. */
  prepare(context: Context, how?: { report?: boolean }): PreparedAdapter;
}

/** The key of a context that is not an object (none given): all such requests share one setup. */
const NO_CONTEXT = {};

/**
 * Checks an adapter's options once (per context object, when they are a function of it), so that a
 * verifier, and the replay store it holds, lives as long as its context. A failure is reported to the
 * options' own `onError` and thrown; the next request tries again (a secret bound later is picked up).
 */
export function createAdapterSetup<Context>(
  createVerifier: (options: WebhookVerifierOptions) => WebhookVerifier,
  source: AdapterOptionsSource<Context>,
): AdapterSetup<Context> {
  const byContext = new WeakMap<object, PreparedAdapter>();
  let firstStore: ReplayStore | undefined;

  function make(options: WebhookAdapterOptions): PreparedAdapter {
    const settings = splitAdapterOptions(options);
    return { verifier: createVerifier(settings.verifierOptions), settings };
  }

  /** A function that makes its replay store inside gives every context an empty one: replays pass. */
  function noticeStore(store: ReplayStore | undefined): void {
    if (store === undefined) return;
    firstStore ??= store;
    if (store === firstStore) return;
    warnOnce(
      "the options function returned a different replayStore for another context: each starts empty, so a request replayed to another one is processed again. Create the store once, outside the function (at module scope), and return that one",
      "WEBHOOK_VERIFY_REPLAY_STORE",
    );
  }

  return {
    prepare(context, { report = true } = {}) {
      // Fixed options serve every context alike.
      const key =
        typeof source === "function" && typeof context === "object" && context !== null ? context : NO_CONTEXT;
      const known = byContext.get(key);
      if (known !== undefined) return known;
      let options: unknown = typeof source === "function" ? undefined : source;
      try {
        if (typeof source === "function") options = source(context);
        const prepared = make(options as WebhookAdapterOptions);
        const given = (options as WebhookAdapterOptions).replayStore;
        noticeStore(given === false ? undefined : given);
        byContext.set(key, prepared);
        return prepared;
      } catch (caught) {
        const error = asVerificationError(caught);
        if (report) guardedOnError((options as { onError?: unknown } | null | undefined)?.onError)(error);
        throw error;
      }
    },
  };
}
