import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveVerifierOptions } from "../src/options.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("resolveVerifierOptions", () => {
  it("warns, once and naming the unit, when toleranceSeconds looks like milliseconds", () => {
    const emitWarning = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    resolveVerifierOptions({ secret: "s", toleranceSeconds: 300_000 });
    resolveVerifierOptions({ secret: "s", toleranceSeconds: 300_000 });
    expect(emitWarning).toHaveBeenCalledTimes(1);
    const [message, options] = emitWarning.mock.calls[0] ?? [];
    expect(String(message)).toMatch(
      /toleranceSeconds is in seconds: 300000 s is about 3\.5 days \(300000 ms would be toleranceSeconds: 300\)/,
    );
    expect(options).toMatchObject({ code: "WEBHOOK_VERIFY_UNITS" });
  });

  it("says nothing of a tolerance in seconds", () => {
    const emitWarning = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    resolveVerifierOptions({ secret: "s", toleranceSeconds: 600 });
    resolveVerifierOptions({ secret: "s" });
    expect(emitWarning).not.toHaveBeenCalled();
  });

  it("refuses a scheme it does not know, naming every scheme it has", () => {
    expect(() => resolveVerifierOptions({ secret: "s", scheme: "Standard" as never })).toThrow(
      'scheme must be one of "any", "hub", "standard", got "Standard"',
    );
  });
});
