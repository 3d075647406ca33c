import { createHmac } from "node:crypto";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { SecretKeys } from "@org/webhook-types";

/** HMAC work is done in slices this big, yielding between them, so a large body never stalls the event loop. */
const HMAC_SLICE_BYTES = 1024 * 1024;

async function digestInSlices(hmac: ReturnType<typeof createHmac>, body: Uint8Array): Promise<Buffer> {
  for (let offset = 0; offset < body.length; offset += HMAC_SLICE_BYTES) {
    if (offset > 0) await yieldToLoop();
    hmac.update(body.subarray(offset, offset + HMAC_SLICE_BYTES));
  }
  return hmac.digest();
}

/** `X-Hub-Signature-256`: `sha256=` and the lowercase hex HMAC-SHA256 of the exact body (contract §1). */
export async function signHub(keys: SecretKeys, body: Uint8Array): Promise<string> {
  return `sha256=${(await digestInSlices(createHmac("sha256", keys.hub), body)).toString("hex")}`;
}

/** `webhook-signature`: `v1,` and the base64 HMAC-SHA256 of `<id>.<timestamp>.<body>` (Standard Webhooks). */
export async function signStandard(keys: SecretKeys, id: string, timestamp: number, body: Uint8Array): Promise<string> {
  const hmac = createHmac("sha256", keys.standard).update(`${id}.${String(timestamp)}.`);
  return `v1,${(await digestInSlices(hmac, body)).toString("base64")}`;
}
