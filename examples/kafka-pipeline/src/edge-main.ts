// node dist/edge-main.js: WEBHOOK_SECRET, KAFKA_BROKERS, KAFKA_TOPIC (webhook-batches), HOST (127.0.0.1), PORT (3000).
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createEdge } from "./edge.js";
import { describeError, kafkaEnv, killSelfAfter, onTermination, requiredEnv } from "./env.js";

const edge = createEdge({
  secret: requiredEnv("WEBHOOK_SECRET"),
  ...kafkaEnv(),
  clientId: `webhook-edge-${process.pid}`,
  afterProduce: killSelfAfter("EDGE_FAULT_KILL_AFTER_PRODUCE"),
  onError: (error) => {
    console.error(`edge: ${describeError(error)}`);
  },
});
const server = edge.app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? "127.0.0.1");
await once(server, "listening");
const { address, port } = server.address() as AddressInfo;
console.log(`edge listening on http://${address}:${port}/webhook`);
// SIGTERM: stop taking requests, let those in hand be produced and answered, then close the producer.
onTermination(async () => {
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  await closed;
  await edge.close();
});
