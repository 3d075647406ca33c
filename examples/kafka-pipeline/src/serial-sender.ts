/** A send's byte budget: the most one call may carry, by the weight of its messages. */
export interface SendBudget<Message> {
  maxSendBytes: number;
  weigh: (message: Message) => number;
}

interface Waiting<Message> {
  message: Message;
  settle: (error?: Error) => void;
}

const UNBOUNDED: SendBudget<unknown> = { maxSendBytes: Infinity, weigh: () => 0 };

/**
 * Hands messages to `send` one call at a time: the messages that arrive while a call is in flight go
 * together in the next one (within `budget`, when given: a message heavier than the budget goes alone),
 * and each caller learns its own message's fate.
 *
 * Why: @platformatic/kafka's idempotent producer stamps a batch with its partition's next sequence
 * number when it builds the request, and advances that number only when the broker answers. Two sends
 * in flight to one partition carry the same sequence; the broker takes the second for a retry of the
 * first, acknowledges it with the first's offset, and drops it: a batch answered 2xx that Kafka never
 * kept (the fault test caught it: twelve offsets acknowledged twice in one run). One send in flight,
 * many messages per send, keeps the sequences right and costs no throughput. The budget keeps a send,
 * and each partition's record batch in it, under the broker's `message.max.bytes`.
 */
export function createSerialSender<Message>(
  send: (messages: Message[]) => Promise<void>,
  budget: SendBudget<Message> = UNBOUNDED,
): (message: Message) => Promise<void> {
  const waiting: Waiting<Message>[] = [];
  let sending = false;

  /** The next send's entries: as many waiting ones as the budget takes, at least one. */
  function nextGroup(): Waiting<Message>[] {
    let bytes = 0;
    let count = 0;
    for (const entry of waiting) {
      bytes += budget.weigh(entry.message);
      if (count > 0 && bytes > budget.maxSendBytes) break;
      count += 1;
    }
    return waiting.splice(0, count);
  }

  async function drain(): Promise<void> {
    sending = true;
    while (waiting.length > 0) {
      const group = nextGroup();
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
