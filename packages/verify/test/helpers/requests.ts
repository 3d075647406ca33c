import { gffTwoEventsBody, signatureVectors } from "@org/test-fixtures";
import { signTestWebhook } from "../../src/testing.js";

const vector = signatureVectors.find((candidate) => candidate.body.equals(gffTwoEventsBody));
if (vector === undefined) throw new Error("the two-event vector is missing");

export const secret = vector.secret;
export const body = gffTwoEventsBody;
export const hubHeaders: Record<string, string> = {
  "content-type": "application/json",
  "x-hub-signature-256": vector.signature,
};

/** Hub headers plus Standard Webhooks headers for `id`, signed now. */
export async function signedHeaders(id: string): Promise<Record<string, string>> {
  return (await signTestWebhook({ secret, body, id })).headers;
}

/** POSTs and returns the status and parsed JSON answer. */
export async function post(url: string, headers: Record<string, string>, payload: Uint8Array | string = body) {
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: typeof payload === "string" ? payload : new Uint8Array(payload),
  });
  const text = await response.text();
  return { status: response.status, json: parseJson(text) };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
