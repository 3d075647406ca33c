import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import type { ComputeHmac } from "./hmac.js";

// Turning raw bytes into a key costs about as much as the HMAC of a 1 KB body; keys are derived once
// per secret (secrets.ts), so keep their KeyObjects alongside.
const keyObjects = new WeakMap<Uint8Array, KeyObject>();

function keyObjectFor(key: Uint8Array): KeyObject {
  let keyObject = keyObjects.get(key);
  if (keyObject === undefined) {
    keyObject = createSecretKey(key);
    keyObjects.set(key, keyObject);
  }
  return keyObject;
}

/** Feeds each part to the HMAC in turn: the body is never copied or decoded. */
export const computeHmacNode: ComputeHmac = (key, parts) => {
  const hmac = createHmac("sha256", keyObjectFor(key));
  for (const part of parts) hmac.update(part);
  return hmac.digest();
};
