/**
 * Hands messages to `send` one call at a time: the messages that arrive while a call is in flight go
 * together in the next one, and each caller learns its own message's fate.
 *
 * Why: @platformatic/kafka's idempotent producer stamps a batch with its partition's next sequence
 * number when it builds the request, and advances that number only when the broker answers. Two sends
 * in flight to one partition carry the same sequence; the broker takes the second for a retry of the
 * first, acknowledges it with the first's offset, and drops it: a batch answered 2xx that Kafka never
 * kept (the fault test caught it: twelve offsets acknowledged twice in one run). One send in flight,
 * many messages per send, keeps the sequences right and costs no throughput.
 */
export function createSerialSender<Message>(
  send: (messages: Message[]) => Promise<void>,
): (message: Message) => Promise<void> {
  let waiting: { message: Message; settle: (error?: Error) => void }[] = [];
  let sending = false;

  async function drain(): Promise<void> {
    sending = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        await send(group.map((entry) => entry.message));
        for (const entry of group) entry.settle();
      } catch (error) {
        const failure = error instanceof Error ? error : new Error("the send failed", { cause: error });
        for (const entry of group) entry.settle(failure);
      }
    }
    sending = false;
  }

  return (message) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({
        message,
        settle: (error) => {
          if (error === undefined) resolve();
          else reject(error);
        },
      });
      if (!sending) void drain();
    });
}
