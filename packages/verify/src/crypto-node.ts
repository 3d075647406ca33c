import type * as NodeCrypto from "node:crypto";
import type { ComputeHmac } from "./hmac.js";

/**
 * The HMAC over node:crypto, when the runtime has it. The module is asked of the runtime
 * (`process.getBuiltinModule`, Node 20.16+, Bun, Deno) instead of imported, so that edge bundlers
 * never see `node:crypto` and one entry serves every runtime.
 */
export function nodeHmac(): ComputeHmac | undefined {
  // Vercel's and Next.js's Edge runtimes warn on any access to Node APIs, even a probe.
  if (typeof (globalThis as { EdgeRuntime?: unknown }).EdgeRuntime === "string") return undefined;
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof runtime?.getBuiltinModule !== "function") return undefined;
  let crypto: typeof NodeCrypto | undefined;
  try {
    crypto = runtime.getBuiltinModule("node:crypto") as typeof NodeCrypto | undefined;
  } catch {
    return undefined;
  }
  if (typeof crypto?.createHmac !== "function" || typeof crypto.createSecretKey !== "function") return undefined;
  return hmacOver(crypto);
}

function hmacOver({ createHmac, createSecretKey }: typeof NodeCrypto): ComputeHmac {
  // Turning raw bytes into a key costs about as much as the HMAC of a 1 KB body; keys are derived once
  // per secret (secrets.ts), so keep their KeyObjects alongside.
  const keyObjects = new WeakMap<Uint8Array, NodeCrypto.KeyObject>();
  function keyObjectFor(key: Uint8Array): NodeCrypto.KeyObject {
    let keyObject = keyObjects.get(key);
    if (keyObject === undefined) {
      keyObject = createSecretKey(key);
      keyObjects.set(key, keyObject);
    }
    return keyObject;
  }
  // Feeds each part to the HMAC in turn: the body is never copied or decoded.
  return (key, parts) => {
    const hmac = createHmac("sha256", keyObjectFor(key));
    for (const part of parts) hmac.update(part);
    return hmac.digest();
  };
}
