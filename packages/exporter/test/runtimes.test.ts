// What other runtimes do differently, reproduced under Node: Bun's built-in undici (an Agent without
// close or destroy), Deno's permissions (os.hostname() refused without --allow-sys).
import type * as Os from "node:os";
import type * as Undici from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => {
  vi.doUnmock("undici");
  vi.doUnmock("node:os");
  vi.resetModules();
});

describe("on Bun, whose undici Agent has neither close nor destroy", () => {
  it("close() of the transport resolves", async () => {
    vi.doMock("undici", async (importOriginal) => {
      const undici = await importOriginal<typeof Undici>();
      class BunAgent extends undici.Agent {}
      Object.defineProperty(BunAgent.prototype, "close", { value: undefined });
      Object.defineProperty(BunAgent.prototype, "destroy", { value: undefined });
      return { ...undici, Agent: BunAgent };
    });
    const { createTransport } = await import("../src/wire/transport.js");
    const transport = createTransport(new URL("http://127.0.0.1:9/"), {
      dispatcher: undefined,
      timeoutMs: 1000,
      maxConcurrentRequests: 1,
    });
    await expect(transport.close()).resolves.toBeUndefined();
  });
});

describe("on Deno without --allow-sys, where os.hostname() throws NotCapable", () => {
  const refusing = () => {
    const hostname = vi.fn(() => {
      throw Object.assign(new Error('Requires sys access to "hostname", run again with the --allow-sys flag'), {
        name: "NotCapable",
      });
    });
    vi.doMock("node:os", async (importOriginal) => ({
      ...(await importOriginal<typeof Os>()),
      hostname,
    }));
    return hostname;
  };

  it("does not ask for the host name when meta.hostname is given", async () => {
    const hostname = refusing();
    const { resolveOptions } = await import("../src/config/options.js");
    const options = resolveOptions({ endpointUrl: "http://127.0.0.1:9/", meta: { hostname: "edge-1" } });
    expect(options.metaJsonSource).toEqual({ hostname: "edge-1" });
    expect(hostname).not.toHaveBeenCalled();
  });

  it("turns the refusal into ERR_WEBHOOK_CONFIG naming meta.hostname and the permission", async () => {
    refusing();
    const { resolveOptions } = await import("../src/config/options.js");
    expect(() => resolveOptions({ endpointUrl: "http://127.0.0.1:9/" })).toThrow(
      expect.objectContaining({
        code: "ERR_WEBHOOK_CONFIG",
        field: "meta.hostname",
        message: expect.stringContaining("--allow-sys=hostname") as string,
      }) as Error,
    );
  });
});
