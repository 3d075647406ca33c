// verify: signature checks on 1 KB, 1 MB and 20 MB bodies against a bare createHmac + timingSafeEqual,
// @octokit/webhooks-methods and standardwebhooks, all in this process. Ratios are time / baseline time.
import { createHmac, timingSafeEqual } from "node:crypto";
import { verify as octokitVerify } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import { medianMs, paired, record, SMOKE } from "../../../scripts/bench-kit.mjs";
import { signPayload, signStandardWebhook, verifySignature, verifyWebhook } from "../dist/index.js";
import { computeHmacWeb } from "../dist/crypto-web.js";
import { createSignatureApi } from "../dist/signature-api.js";

// What an edge runtime gets (the entry picks node:crypto under Node): the same code over Web Crypto.
const { verifySignature: verifySignatureWeb } = createSignatureApi(computeHmacWeb);

const secret = "bench-secret";
const whsec = `whsec_${Buffer.from(secret).toString("base64")}`;

const sizes = [
  ["1KB", 1024, 20000],
  ["1MB", 1024 * 1024, 60],
  ["20MB", 20 * 1024 * 1024, 8],
];
for (const [label, size, iterations] of SMOKE ? sizes.slice(0, 1) : sizes) {
  // A valid payload padded to size: standardwebhooks parses the JSON, and so does verifyWebhook.
  const skeleton = '{"meta":{"hostname":"bench"},"events":[],"pad":""}';
  const body = Buffer.from(skeleton.replace('"pad":""', `"pad":"${"a".repeat(size - skeleton.length)}"`));
  const text = body.toString("utf8");
  const signature = await signPayload({ secret, body });
  const expectedHex = Buffer.from(signature.slice(7), "hex");
  const id = "msg_bench";
  const timestamp = Math.floor(Date.now() / 1000);
  const standardHeaders = {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signStandardWebhook({ secret: whsec, id, timestamp, body }),
  };
  const standardwebhooks = new Webhook(whsec);

  const times = await medianMs(
    {
      bare: () => timingSafeEqual(createHmac("sha256", secret).update(body).digest(), expectedHex),
      ours: () => verifySignature({ secret, body, signature }),
      oursWeb: () => verifySignatureWeb({ secret, body, signature }),
      octokit: () => octokitVerify(secret, text, signature),
      standardwebhooks: () => standardwebhooks.verify(text, standardHeaders),
      oursStandard: () => verifyWebhook({ secret: whsec, body, headers: standardHeaders, scheme: "standard" }),
    },
    { iterations },
  );
  const versus = (name, baseline) => paired(times[name].rounds, times[baseline].rounds);
  // The goal for the bare baseline is on 1 MB; the other sizes are shown for information.
  const bareGoal = label === "1MB" ? { max: 1 / 0.9 } : undefined;
  record({
    name: `verify.${label}.vs-bare`,
    unit: "ms",
    ...versus("ours", "bare"),
    goal: bareGoal,
    spread: times.ours.rme,
  });
  record({ name: `verify.${label}.vs-octokit`, unit: "ms", ...versus("ours", "octokit"), goal: { max: 1 } });
  record({
    name: `verify.${label}.standard-vs-standardwebhooks`,
    unit: "ms",
    ...versus("oursStandard", "standardwebhooks"),
    goal: { max: 1 },
    details: { note: "both parse the JSON; ours also validates it" },
  });
  // Node runs crypto.subtle on its thread pool: small bodies pay a hop that edge runtimes do not.
  record({ name: `verify.${label}.web-vs-node`, unit: "ms", ...versus("oursWeb", "ours") });
}
