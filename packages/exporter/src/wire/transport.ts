import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from "undici";
import { MAX_TIMER_MS } from "../config/options.js";
import { configError } from "../errors.js";
/** What the transport saw: an answer, or none. */
export type SendOutcome =
  | { readonly kind: "answer"; readonly status: number; readonly retryAfter: string | undefined }
  | { readonly kind: "no-answer"; readonly reason: "network" | "timeout"; readonly error: unknown };

/** Read at most this much of an answer: enough to reuse the connection, never a memory risk. */
const MAX_DRAINED_BYTES = 64 * 1024;
/**
 * How long past its own timeout an attempt may stay unsettled (as long again, at most this) before the
 * exporter stops waiting for it. undici settles on abort, but a dispatcher (or a wedged pool) that does
 * not must not wedge delivery.
 */
const MAX_SETTLE_GRACE_MS = 1_000;
/** How long `close()` waits for requests in flight before it destroys the pool. */
const POOL_CLOSE_GRACE_MS = 1_000;

/** Resolves `fallback()` after `ms`, unless `promise` settled first; the timer never keeps the process alive. */
export function settleWithin<T>(promise: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      resolve(fallback());
    }, ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => {
    clearTimeout(timer);
  });
}

/** Sends one body; one per exporter, with its own keep-alive pool unless a dispatcher is given. */
export interface Transport {
  send(body: Uint8Array, headers: Record<string, string | string[]>, signal: AbortSignal): Promise<SendOutcome>;
  close(): Promise<void>;
}

async function drain(body: Dispatcher.ResponseData["body"]): Promise<void> {
  let read = 0;
  for await (const chunk of body) {
    read += (chunk as Buffer).length;
    if (read > MAX_DRAINED_BYTES) {
      body.destroy();
      return;
    }
  }
}

function isTimeout(error: unknown, signal: AbortSignal): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT" ||
    code === "UND_ERR_CONNECT_TIMEOUT" ||
    signal.aborted
  );
}

/** `localhost` and loopback addresses, which Go's `ProxyFromEnvironment` never sends through a proxy. */
function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What undici's HTTP/1 client reads from the environment when it first connects, whatever the dispatcher. */
const VARIABLES_UNDICI_READS = ["JEST_WORKER_ID", "UNDICI_NO_WASM_SIMD"];

/**
 * Deno refuses `process.env` reads without `--allow-env`, and undici's refused read would fail every
 * attempt as a network error, forever: refuse to start instead, naming the permission.
 */
function checkEnvironmentReadable(): void {
  const refused = VARIABLES_UNDICI_READS.filter((name) => {
    try {
      Reflect.get(process.env, name);
      return false;
    } catch {
      return true;
    }
  });
  if (refused.length > 0)
    throw configError(
      "environment",
      `cannot be read, and undici (the HTTP client) reads ${refused.join(" and ")}: on Deno, run with --allow-env=${refused.join(",")}`,
    );
}

/**
 * The pool when no dispatcher is given: undici's `EnvHttpProxyAgent`, which honours `HTTP_PROXY`,
 * `HTTPS_PROXY` and `NO_PROXY` (and their lower-case forms) as Go's `net/http` does; a loopback
 * endpoint goes direct, as in Go. A runtime whose undici lacks it, or where the environment cannot be
 * read (Deno without `--allow-env`), gets a plain `Agent`.
 */
function createOwnAgent(url: URL, connections: number): Dispatcher {
  const settings = { connections, keepAliveTimeout: 30_000 };
  try {
    if (typeof EnvHttpProxyAgent === "function" && !isLoopback(url)) return new EnvHttpProxyAgent(settings);
  } catch {
    // The environment could not be read: no proxy then.
  }
  return new Agent(settings);
}

/**
 * POSTs with undici. `timeoutMs` bounds the whole request; redirects are never followed (undici's
 * `request` does not follow them), so a 3xx comes back as an answer.
 * @throws {WebhookExporterError} `ERR_WEBHOOK_CONFIG` (`field: "environment"`) where the variables undici
 * reads cannot be read (Deno without `--allow-env`).
 */
export function createTransport(
  url: URL,
  options: { dispatcher: Dispatcher | undefined; timeoutMs: number; maxConcurrentRequests: number },
): Transport {
  checkEnvironmentReadable();
  const ownAgent = options.dispatcher === undefined ? createOwnAgent(url, options.maxConcurrentRequests) : undefined;
  const dispatcher = options.dispatcher ?? ownAgent;
  return {
    send(body, headers, signal) {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const combined = AbortSignal.any([signal, timeout]);
      const attempt = post(body, headers, combined);
      const graceMs = Math.min(options.timeoutMs, MAX_SETTLE_GRACE_MS);
      return settleWithin(attempt, Math.min(options.timeoutMs + graceMs, MAX_TIMER_MS), () => ({
        kind: "no-answer",
        reason: "timeout",
        error: new Error(`the request did not settle within timeout (${options.timeoutMs} ms) and its abort`),
      }));
    },
    async close() {
      // Bun substitutes its built-in undici, whose Agent has neither close nor destroy: nothing to close.
      if (ownAgent === undefined || typeof ownAgent.close !== "function") return;
      // close() waits for requests in flight, which may never end; past the grace, cut them.
      const closed = await settleWithin(
        ownAgent.close().then(
          () => true,
          () => true,
        ),
        POOL_CLOSE_GRACE_MS,
        () => false,
      );
      if (!closed && typeof ownAgent.destroy === "function") await ownAgent.destroy().catch(() => undefined);
    },
  };

  async function post(
    body: Uint8Array,
    headers: Record<string, string | string[]>,
    signal: AbortSignal,
  ): Promise<SendOutcome> {
    try {
      const response = await request(url, {
        method: "POST",
        body,
        headers,
        signal,
        ...(dispatcher === undefined ? {} : { dispatcher }),
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      await drain(response.body).catch(() => undefined);
      const retryAfter = response.headers["retry-after"];
      return {
        kind: "answer",
        status: response.statusCode,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      };
    } catch (error) {
      return { kind: "no-answer", reason: isTimeout(error, signal) ? "timeout" : "network", error };
    }
  }
}
