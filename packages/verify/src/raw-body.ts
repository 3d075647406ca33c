import type { IncomingMessage } from "node:http";
import { WebhookVerificationError } from "./errors.js";

/**
 * A Node request as frameworks hand it over: `body` is set when a body parser ran first, `rawBody` when
 * it kept the bytes (`express.json({ verify })`, NestJS's `rawBody: true`).
 */
export type NodeRequest = IncomingMessage & {
  /** A body parser's result, if one ran: refused unless it is the raw bytes. */
  body?: unknown;
  /** The raw bytes a body parser kept, verified instead of reading the stream. */
  rawBody?: unknown;
};

function tooLarge(maxBytes: number): WebhookVerificationError {
  return new WebhookVerificationError("ERR_BODY_TOO_LARGE", `the body is larger than ${maxBytes} bytes`);
}

function declaredLength(value: string | null | undefined): number | undefined {
  return value === null || value === undefined || !/^[0-9]+$/.test(value) ? undefined : Number(value);
}

function alreadyParsed(how: string): WebhookVerificationError {
  return new WebhookVerificationError(
    "ERR_BODY_ALREADY_PARSED",
    `The webhook body was already consumed by ${how}. The signature covers the exact bytes, so the verifier must read them: ` +
      'mount it before express.json(), or keep the bytes with express.json({ limit: "32mb", verify: (req, _res, buf) => { (req as { rawBody?: Buffer }).rawBody = buf; } }) ' +
      '(NestJS: NestFactory.create(AppModule, { rawBody: true })), or use express.raw({ type: "application/json", limit: "32mb" }) on this route; ' +
      "in the Next.js Pages Router export const config = { api: { bodyParser: false } }.",
  );
}

function incomplete(detail: string, cause?: unknown): WebhookVerificationError {
  return new WebhookVerificationError(
    "ERR_BODY_INCOMPLETE",
    `the body did not arrive whole: ${detail}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The raw bytes of a Node request, read with a size cap and a deadline. Takes the bytes a parser kept
 * (`req.rawBody`, or the Buffer `express.raw()` left in `req.body`); refuses a body that a parser
 * already turned into an object or a string. Never leaves a listener or a timer behind.
 * @throws {WebhookVerificationError} `ERR_BODY_TOO_LARGE`, `ERR_BODY_INCOMPLETE` (the client hung up),
 * `ERR_BODY_TIMEOUT`, or `ERR_BODY_ALREADY_PARSED` (misuse).
 */
export function readNodeBody(req: NodeRequest, maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  const kept = req.rawBody instanceof Uint8Array ? req.rawBody : req.body;
  if (kept instanceof Uint8Array) {
    return kept.length > maxBytes ? Promise.reject(tooLarge(maxBytes)) : Promise.resolve(kept);
  }
  if (typeof kept === "string") return Promise.reject(alreadyParsed("a text body parser (express.text())"));
  if (typeof kept === "object" && kept !== null)
    return Promise.reject(alreadyParsed("a JSON body parser (express.json())"));
  if (req.readableEnded) return Promise.reject(alreadyParsed("an earlier reader of the request stream"));
  const declared = declaredLength(req.headers["content-length"]);
  if (declared !== undefined && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: WebhookVerificationError | undefined) => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      if (error === undefined) {
        resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size));
        return;
      }
      // Stop reading what is left: the answer closes the connection.
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(tooLarge(maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      finish(undefined);
    };
    const onError = (error: Error) => {
      finish(incomplete("the connection failed", error));
    };
    const onClose = () => {
      finish(incomplete("the client closed the connection"));
    };
    const timer = setTimeout(() => {
      finish(new WebhookVerificationError("ERR_BODY_TIMEOUT", `the body did not arrive within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/**
 * The raw bytes of a Fetch `Request`, read with a size cap (never `request.text()`, which would
 * decode and could change the bytes).
 * @throws {WebhookVerificationError} `ERR_BODY_TOO_LARGE`, or `ERR_BODY_ALREADY_PARSED` (misuse).
 */
export async function readRequestBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (request.bodyUsed) throw alreadyParsed("request.json(), request.text() or another reader");
  const declared = declaredLength(request.headers.get("content-length"));
  if (declared !== undefined && declared > maxBytes) throw tooLarge(maxBytes);
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let read: ReadableStreamReadResult<Uint8Array>;
    try {
      read = await reader.read();
    } catch (error) {
      throw incomplete("the client closed the connection", error);
    }
    const { done, value } = read;
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  // Next.js keeps only the first 10 MB of a body on its Edge runtime: a genuine larger batch would
  // otherwise fail its signature, which would say "wrong secret" when it means "too large".
  if (declared !== undefined && size < declared) {
    throw new WebhookVerificationError(
      "ERR_BODY_TOO_LARGE",
      `the body arrived truncated (${size} of ${declared} bytes): this runtime keeps less than the whole body (Next.js's Edge runtime keeps 10 MB); use the Node.js runtime for larger batches`,
    );
  }
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}
