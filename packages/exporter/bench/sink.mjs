// The sink of the benchmarks that measure a sender alone, in a process of its own (so that only the
// sender's CPU is counted): checks each body's X-Hub-Signature-256 when started with a secret, parses
// every body and counts its events, answers 204 (401 on a bad signature). Tells the parent its port,
// and, on any message, how many events it has received.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const secret = process.argv[2];
let received = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    if (secret !== undefined) {
      const expected = createHmac("sha256", secret).update(body).digest();
      const given = Buffer.from(String(req.headers["x-hub-signature-256"]).slice("sha256=".length), "hex");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return res.writeHead(401).end();
    }
    received += JSON.parse(body.toString("utf8")).events.length;
    res.writeHead(204).end();
  });
});
server.listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
process.on("message", () => process.send?.({ received }));
process.on("disconnect", () => process.exit(0));
