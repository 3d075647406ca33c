// Sizes the edge, the brokers and the sinks must agree on.

/** The most a batch may weigh: GO Feature Flag's default batches are about 18 MB; ours 5 MiB. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** What a message carries beside its body, at most: its key, headers and record framing. */
export const MESSAGE_OVERHEAD_BYTES = 4 * 1024;

/**
 * The broker's (or the topic's) `message.max.bytes` the edge needs, and what a sink fetches at once:
 * one send's messages may share a partition, hence a record batch, and a send carries at most a body's
 * limit and its overhead. Kafka's default is 1 MiB.
 */
export const KAFKA_MAX_MESSAGE_BYTES = MAX_BODY_BYTES + 1024 * 1024;
