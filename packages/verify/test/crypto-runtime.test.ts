import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { nodeHmac } from "../src/crypto-node.js";
import { computeHmacWeb } from "../src/crypto-web.js";
import { computeHmac } from "../src/public-functions.js";

const key = new TextEncoder().encode("key");
const parts = [new TextEncoder().encode("a "), new TextEncoder().encode("body")];
const expected = createHmac("sha256", key).update("a body").digest();

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the HMAC the entry picks", () => {
  it("is node:crypto under Node: synchronous, streaming the parts", () => {
    expect(computeHmac).not.toBe(computeHmacWeb);
    const mac = computeHmac(key, parts);
    expect(mac).not.toBeInstanceOf(Promise);
    expect(Buffer.from(mac as Uint8Array)).toEqual(expected);
  });

  it("is Web Crypto, with the same bytes, where the runtime has no getBuiltinModule", async () => {
    vi.stubGlobal("process", { env: {} });
    expect(nodeHmac()).toBeUndefined();
    expect(Buffer.from(await computeHmacWeb(key, parts))).toEqual(expected);
  });

  it("is Web Crypto on an Edge runtime, without touching process", () => {
    const probe = vi.fn();
    vi.stubGlobal("EdgeRuntime", "edge-runtime");
    vi.stubGlobal("process", {
      get getBuiltinModule() {
        probe();
        return () => undefined;
      },
    });
    expect(nodeHmac()).toBeUndefined();
    expect(probe).not.toHaveBeenCalled();
  });

  it("is Web Crypto when the runtime refuses node:crypto", () => {
    vi.stubGlobal("process", {
      getBuiltinModule: () => {
        throw new Error("not here");
      },
    });
    expect(nodeHmac()).toBeUndefined();
  });
});
