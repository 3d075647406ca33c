import { describe, expect, it } from "vitest";
import { createSerialSender } from "../src/serial-sender.js";

/** A send that waits until the test lets it go, and records what it was given. */
function controlledSend() {
  const calls: { messages: string[]; finish: (error?: Error) => void }[] = [];
  let inFlight = 0;
  let most = 0;
  const send = (messages: string[]) =>
    new Promise<void>((resolve, reject) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      calls.push({
        messages,
        finish: (error) => {
          inFlight -= 1;
          if (error === undefined) resolve();
          else reject(error);
        },
      });
    });
  return { send, calls, mostInFlight: () => most };
}

const settled = (promise: Promise<void>) =>
  promise.then(
    () => "sent",
    (error: unknown) => (error instanceof Error ? error.message : "?"),
  );

describe("the serial sender", () => {
  it("has one send in flight, and sends what arrived meanwhile together in the next", async () => {
    const { send, calls, mostInFlight } = controlledSend();
    const produce = createSerialSender(send);
    const first = settled(produce("a"));
    const waiting = [settled(produce("b")), settled(produce("c"))];
    await Promise.resolve();
    expect(calls.map((call) => call.messages)).toEqual([["a"]]);
    calls[0]?.finish();
    expect(await first).toBe("sent");
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((call) => call.messages)).toEqual([["a"], ["b", "c"]]);
    calls[1]?.finish();
    expect(await Promise.all(waiting)).toEqual(["sent", "sent"]);
    expect(mostInFlight()).toBe(1);
  });

  it("fails every message of a failed send, and goes on with the next", async () => {
    const { send, calls } = controlledSend();
    const produce = createSerialSender(send);
    const first = settled(produce("a"));
    const second = settled(produce("b"));
    const third = settled(produce("c"));
    await Promise.resolve();
    calls[0]?.finish();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    calls[1]?.finish(new Error("broker down"));
    expect(await Promise.all([second, third])).toEqual(["broker down", "broker down"]);
    const fourth = settled(produce("d"));
    await Promise.resolve();
    calls[2]?.finish();
    expect(await fourth).toBe("sent");
    expect(calls.map((call) => call.messages)).toEqual([["a"], ["b", "c"], ["d"]]);
  });

  it("keeps each send within the byte budget, a message over it alone, and sends the rest next", async () => {
    const { send, calls } = controlledSend();
    // A message weighs its length: a Kafka request, and each partition's record batch, must stay under
    // the broker's message.max.bytes whatever arrived meanwhile.
    const produce = createSerialSender(send, { maxSendBytes: 10, weigh: (message: string) => message.length });
    const first = settled(produce("aaaa"));
    const rest = ["bbbb", "cccc", "dddd", "eeeeeeeeeeee", "ff"].map((message) => settled(produce(message)));
    for (let index = 0; index < 5; index++) {
      await new Promise((resolve) => setImmediate(resolve));
      calls[index]?.finish();
    }
    expect(await Promise.all([first, ...rest])).toEqual(Array(6).fill("sent"));
    expect(calls.map((call) => call.messages)).toEqual([
      ["aaaa"],
      ["bbbb", "cccc"],
      ["dddd"],
      ["eeeeeeeeeeee"],
      ["ff"],
    ]);
  });
});
