/** What the committer needs of a consumed message. */
export interface CommittableMessage {
  partition: number;
  // Kafka clients type it `void | Promise<void>`: without a callback, a promise.
  commit(): void | Promise<void>;
}

export interface OffsetCommitter<Message extends CommittableMessage> {
  /** The message is stored: its offset (and every earlier one of its partition) may be committed. */
  stored(message: Message): void;
  /** Commits that failed one after another, the last one included: 0 once one succeeds. */
  readonly failedInARow: number;
  /** Resolves once every offset handed in so far is committed, or its commit failed. */
  flush(): Promise<void>;
}

/**
 * Commits, per partition, the newest stored message's offset, one commit at a time, while the sink
 * stores the next message: a commit is a replicated write on the group's coordinator and costs about
 * what storing a batch costs, so awaiting it before each store cut the sink's rate by a third. Offsets
 * of a partition go out in order, and only the newest is sent. A commit that lands late costs nothing
 * but a re-read after a crash, which the store finds stored ("redelivered").
 */
export function createOffsetCommitter<Message extends CommittableMessage>(
  onError: (error: unknown) => void,
): OffsetCommitter<Message> {
  const newest = new Map<number, Message>();
  let committing: Promise<void> | undefined;
  let failedInARow = 0;

  async function commitAll(): Promise<void> {
    // A Map's iteration also visits what is set while it runs: a partition stored again meanwhile comes last.
    for (const [partition, message] of newest) {
      newest.delete(partition);
      try {
        await message.commit();
        failedInARow = 0;
      } catch (error) {
        failedInARow += 1;
        onError(error);
      }
    }
    committing = undefined;
  }

  return {
    stored(message) {
      newest.set(message.partition, message);
      committing ??= commitAll();
    },
    get failedInARow() {
      return failedInARow;
    },
    flush: () => committing ?? Promise.resolve(),
  };
}
