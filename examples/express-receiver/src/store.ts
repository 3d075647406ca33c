// The receiver's store, for the other receivers of the same batches (the Kafka pipeline's sink): one
// code path stores a batch wherever it arrives from, not a copy of it.
export type { EventStore, IncomingBatch, ReceiverStats, StoreOptions } from "./postgres-store.js";
export { createPostgresStore } from "./postgres-store.js";
export type { SqlClient } from "./sql-client.js";
export { openPglite, openPostgres } from "./sql-client.js";
