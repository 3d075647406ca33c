// receiver.express: requests per second of an Express app with webhookMiddleware, against the same
// app without verification, 10 KB bodies, autocannon in-process for 5 s each. The unverified app still
// parses the JSON (express.json()), as any receiver must; the verified one parses and validates it too.
import { createHmac } from "node:crypto";
import { once } from "node:events";
import autocannon from "autocannon";
import express from "express";
import { webhookMiddleware } from "@org/webhook-verify/express";
import { paired, record, ROUNDS, sampleFeatureEvent, SMOKE } from "../../../scripts/bench-kit.mjs";

const secret = "bench";
const events = [];
let body = "";
for (let index = 0; JSON.stringify({ meta: { hostname: "bench" }, events }).length < 10 * 1024; index++)
  events.push(sampleFeatureEvent(index));
body = JSON.stringify({ meta: { hostname: "bench" }, events });
const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

function appWith(verify) {
  const app = express();
  const handler = (req, res) => res.status(204).end();
  if (verify) app.post("/webhook", webhookMiddleware({ secret, scheme: "hub" }), handler);
  else app.post("/webhook", express.json({ limit: "1mb" }), handler);
  return app;
}

async function requestsPerSecond(verify) {
  const server = appWith(verify).listen(0, "127.0.0.1");
  await once(server, "listening");
  const result = await autocannon({
    url: `http://127.0.0.1:${server.address().port}/webhook`,
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": signature },
    body,
    connections: 20,
    ...(SMOKE ? { amount: 20 } : { duration: 2 }),
  });
  server.closeAllConnections();
  server.close();
  if (result.non2xx > 0) throw new Error(`${result.non2xx} requests were refused`);
  return result.requests.average;
}

// Interleaved rounds (verified, plain, verified, plain...), each short, graded on the median ratio.
const verifiedRounds = [];
const plainRounds = [];
for (let round = 0; round < ROUNDS; round++) {
  verifiedRounds.push(await requestsPerSecond(true));
  plainRounds.push(await requestsPerSecond(false));
}
record({
  name: "receiver.express",
  unit: "req/s",
  ...paired(verifiedRounds, plainRounds),
  goal: { min: 0.8 },
  details: { bodyBytes: body.length, note: "verified: signature, JSON parse and payload validation" },
});
