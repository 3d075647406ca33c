// The sink of steady-rate.bench.mjs, in a process of its own: parses every body, counts its events,
// answers 204. Tells the parent its port, and on request how many events it has received.
import { createServer } from "node:http";

let received = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    received += JSON.parse(Buffer.concat(chunks).toString("utf8")).events.length;
    res.writeHead(204).end();
  });
});
server.listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
process.on("message", () => process.send?.({ received }));
process.on("disconnect", () => process.exit(0));
