import type { IncomingMessage } from "node:http";
import { WebhookVerificationError } from "./errors.js";

/** A Node request as frameworks hand it over; `body` is set when a body parser ran first. */
export type NodeRequest = IncomingMessage & { body?: unknown };

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
      "mount it before express.json() (or use express.raw({ type: \"application/json\" }) on this route), " +
      "and in the Next.js Pages Router export const config = { api: { bodyParser: false } }.",
  );
}

/**
 * The raw bytes of a Node request, read with a size cap. Takes the Buffer that `express.raw()` left in
 * `req.body`; refuses a body that a parser already turned into an object or a string.
 * @throws {WebhookVerificationError} `ERR_BODY_TOO_LARGE`, or `ERR_BODY_ALREADY_PARSED` (misuse).
 */
export function readNodeBody(req: NodeRequest, maxBytes: number): Promise<Uint8Array> {
  const parsed = req.body;
  if (parsed instanceof Uint8Array) {
    return parsed.length > maxBytes ? Promise.reject(tooLarge(maxBytes)) : Promise.resolve(parsed);
  }
  if (typeof parsed === "string") return Promise.reject(alreadyParsed("a text body parser (express.text())"));
  if (typeof parsed === "object" && parsed !== null) return Promise.reject(alreadyParsed("a JSON body parser (express.json())"));
  if (req.readableEnded) return Promise.reject(alreadyParsed("an earlier reader of the request stream"));
  const declared = declaredLength(req.headers["content-length"]);
  if (declared !== undefined && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanUp = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanUp();
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanUp();
      resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanUp();
      reject(error);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
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
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
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
