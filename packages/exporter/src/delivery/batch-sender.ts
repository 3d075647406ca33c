import { createRequire } from "node:module";
import type { Batch } from "../batches/batch.js";
import { WebhookExporterError } from "../errors.js";
import type { Observer } from "../observe/observer.js";
import { describeEndpoint, type ResolvedOptions } from "../config/options.js";
import { judge, type Verdict } from "./retry-policy.js";
import { hubSigning, standardSigning } from "@org/webhook-types";
import { signWith } from "../wire/signer.js";
import type { Transport } from "../wire/transport.js";

const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };
const USER_AGENT = `@org/webhook-exporter/${version}`;

/**
 * The words of a network error and of its causes (`self-signed certificate`, `getaddrinfo ENOTFOUND
 * host`), so the message says why without reading `error.cause`. These come from the socket and TLS
 * layers, which never see the URL's credentials or the headers; cut to a line.
 */
function describeCause(cause: unknown): string | undefined {
  const words: string[] = [];
  for (let error = cause, depth = 0; error instanceof Error && depth < 3; error = error.cause, depth++) {
    const message = error.message.trim();
    if (message !== "" && !words.some((seen) => seen.includes(message))) words.push(message);
  }
  const text = words.join(": ").replace(/\s+/g, " ");
  return text === "" ? undefined : text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** Sends one batch once, and reports the attempt. */
export interface BatchSender {
  attempt(batch: Batch & { body: Buffer }): Promise<Verdict>;
  /** The last failed attempt's error. */
  readonly lastError: WebhookExporterError | undefined;
  /** Failed attempts so far. */
  readonly failedAttempts: number;
}

export function createBatchSender(
  options: ResolvedOptions,
  transport: Transport,
  observer: Observer,
  closing: AbortSignal,
): BatchSender {
  const endpoint = describeEndpoint(options.endpointUrl);
  const userHeaders: Record<string, string | string[]> = {};
  for (const [name, values] of options.headers)
    userHeaders[name] = values.length === 1 ? (values[0] ?? "") : [...values];
  let lastError: WebhookExporterError | undefined;
  let failedAttempts = 0;

  async function headersFor(batch: Batch & { body: Buffer }): Promise<Record<string, string | string[]>> {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string | string[]> = { "user-agent": USER_AGENT, ...userHeaders };
    headers["content-type"] = "application/json";
    headers["webhook-id"] = batch.id;
    headers["webhook-timestamp"] = String(timestamp);
    if (options.signingKeys !== undefined) {
      batch.hubSignature ??= await signWith(hubSigning, options.signingKeys, batch.body);
      headers[hubSigning.signatureHeader] = batch.hubSignature;
      headers[standardSigning.signatureHeader] = await signWith(standardSigning, options.signingKeys, batch.body, {
        id: batch.id,
        timestampText: headers["webhook-timestamp"],
      });
    }
    return headers;
  }

  function sendError(
    verdict: Extract<Verdict, { kind: "retry" }>,
    status: number | undefined,
    batch: Batch,
    cause: unknown,
  ): WebhookExporterError {
    const why = describeCause(cause);
    const what = status === undefined ? `${verdict.reason}${why === undefined ? "" : `: ${why}`}` : `HTTP ${status}`;
    const hints: Partial<Record<typeof verdict.reason, string>> = {
      redirect: " (redirects are not followed: configure the final URL)",
      unauthorized:
        ": the receiver refused the signature or the credentials; check that secret (and any Authorization header) matches the receiver's",
    };
    const hint = hints[verdict.reason] ?? "";
    return new WebhookExporterError(
      "ERR_WEBHOOK_SEND",
      `POST ${endpoint} failed (${what})${hint}; batch ${batch.id} of ${batch.count} events is kept and retried`,
      {
        reason: verdict.reason,
        permanent: verdict.permanent,
        ...(status === undefined ? {} : { status }),
        ...(cause === undefined ? {} : { cause }),
      },
    );
  }

  function rejectedError(status: number | undefined, batch: Batch): WebhookExporterError {
    const next =
      batch.count > 1
        ? "it is split in two to set aside only the events refused, unless every batch is refused (then all are kept and retried)"
        : "its one event is set aside as rejected once other batches are accepted (while none is, it is kept and retried)";
    return new WebhookExporterError(
      "ERR_WEBHOOK_SEND",
      `POST ${endpoint} refused batch ${batch.id} of ${batch.count} events (HTTP ${status ?? "?"}): ${next}`,
      {
        reason: "status",
        permanent: true,
        ...(status === undefined ? {} : { status }),
      },
    );
  }

  return {
    async attempt(batch) {
      batch.attempts += 1;
      const started = performance.now();
      const outcome = await transport.send(batch.body, await headersFor(batch), closing);
      const verdict = judge(outcome, Date.now());
      const status = outcome.kind === "answer" ? outcome.status : undefined;
      observer.flushed({
        id: batch.id,
        events: batch.count,
        bytes: batch.body.length,
        status,
        durationMs: performance.now() - started,
        attempt: batch.attempts,
        delivered: verdict.kind === "delivered",
      });
      if (verdict.kind === "retry" || (verdict.kind === "split" && verdict.reason === "rejected")) {
        failedAttempts += 1;
        lastError =
          verdict.kind === "retry"
            ? sendError(verdict, status, batch, outcome.kind === "no-answer" ? outcome.error : undefined)
            : rejectedError(status, batch);
        observer.failed(lastError);
      }
      return verdict;
    },
    get lastError() {
      return lastError;
    },
    get failedAttempts() {
      return failedAttempts;
    },
  };
}
