import type { SendOutcome } from "../../src/wire/transport.js";
import type { Transport } from "../../src/wire/transport.js";

export interface SentRequest {
  body: Buffer;
  headers: Record<string, string | string[]>;
  events: string[];
}

type ScriptedAnswer = number | "network" | { status: number; retryAfter: string };

/**
 * A transport that answers from a script, in memory: `answer(request, index)` returns the status, or
 * "network" for no answer; a promise of one stands for a request that takes time on the wire.
 * Records every request with the user keys of its events.
 */
export function fakeTransport(
  answer: (request: SentRequest, index: number) => ScriptedAnswer | Promise<ScriptedAnswer>,
): Transport & { requests: SentRequest[] } {
  const requests: SentRequest[] = [];
  return {
    requests,
    async send(body, headers) {
      const request = {
        body: Buffer.from(body),
        headers,
        events: (JSON.parse(Buffer.from(body).toString("utf8")) as { events: { userKey: string }[] }).events.map(
          (event) => event.userKey,
        ),
      };
      requests.push(request);
      const scripted = await answer(request, requests.length - 1);
      const outcome: SendOutcome =
        scripted === "network"
          ? { kind: "no-answer", reason: "network", error: new Error("connection refused") }
          : typeof scripted === "number"
            ? { kind: "answer", status: scripted, retryAfter: undefined }
            : { kind: "answer", status: scripted.status, retryAfter: scripted.retryAfter };
      return outcome;
    },
    close: () => Promise.resolve(),
  };
}
