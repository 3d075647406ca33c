import { afterEach, describe, expect, it, vi } from "vitest";
import { createWebhookExporter } from "../src/index.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("an option whose unit was mistaken", () => {
  it("warns when flushInterval looks like seconds, naming the unit", async () => {
    const emitWarning = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const warned: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (_: object, message?: string) => warned.push(message ?? ""),
    };
    const exporter = createWebhookExporter({
      endpointUrl: "http://127.0.0.1:9/",
      secret: "s",
      flushInterval: 5,
      logger,
    });
    await exporter.close();
    const codes = emitWarning.mock.calls.map(([, options]) => (options as { code?: string } | undefined)?.code);
    expect(codes).toEqual(["WEBHOOK_EXPORTER_UNITS"]);
    expect(String(emitWarning.mock.calls[0]?.[0])).toMatch(/flushInterval is in milliseconds: 5 ms.*5000/);
    expect(warned.some((message) => message.includes("flushInterval is in milliseconds"))).toBe(true);
  });

  it("says nothing of intervals in milliseconds", async () => {
    const emitWarning = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const exporter = createWebhookExporter({
      endpointUrl: "http://127.0.0.1:9/",
      secret: "s",
      flushInterval: 100,
      timeout: 500,
    });
    await exporter.close();
    expect(emitWarning).not.toHaveBeenCalled();
  });
});
