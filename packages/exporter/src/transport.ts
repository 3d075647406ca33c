import { Agent, request, type Dispatcher } from "undici";
import type { SendOutcome } from "./retry-policy.js";

/** Read at most this much of an answer: enough to reuse the connection, never a memory risk. */
const MAX_DRAINED_BYTES = 64 * 1024;

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
  return code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" || code === "UND_ERR_CONNECT_TIMEOUT" || signal.aborted;
}

/**
 * POSTs with undici. `timeoutMs` bounds the whole request; redirects are never followed (undici's
 * `request` does not follow them), so a 3xx comes back as an answer.
 */
export function createTransport(url: URL, options: { dispatcher: Dispatcher | undefined; timeoutMs: number }): Transport {
  const ownAgent = options.dispatcher === undefined ? new Agent({ connections: 4, keepAliveTimeout: 30_000 }) : undefined;
  const dispatcher = options.dispatcher ?? ownAgent;
  return {
    async send(body, headers, signal) {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const combined = AbortSignal.any([signal, timeout]);
      try {
        const response = await request(url, {
          method: "POST",
          body,
          headers,
          signal: combined,
          ...(dispatcher === undefined ? {} : { dispatcher }),
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        });
        await drain(response.body).catch(() => undefined);
        const retryAfter = response.headers["retry-after"];
        return { kind: "answer", status: response.statusCode, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter };
      } catch (error) {
        return { kind: "no-answer", reason: isTimeout(error, combined) ? "timeout" : "network", error };
      }
    },
    async close() {
      await ownAgent?.close();
    },
  };
}
