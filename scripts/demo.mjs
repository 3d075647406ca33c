// Until the examples land: shows the packages' versions and checks the contract's signature vectors
// through the built packages (sign with the exporter's serializer path, verify with the verifier).
import { readFileSync } from "node:fs";
import { parsePayload } from "@org/webhook-types";
import { signPayload, verifySignature } from "@org/webhook-verify";
import { publishedPackages, root } from "./workspace.mjs";

for (const { manifest } of publishedPackages()) console.log(`${manifest.name}@${manifest.version}`);
const vectors = JSON.parse(readFileSync(`${root}fixtures/signature-vectors.json`, "utf8"));
for (const vector of vectors) {
  const body = vector.bodyFile ? readFileSync(`${root}fixtures/${vector.bodyFile}`) : Buffer.from(vector.body);
  const signed = await signPayload({ secret: vector.secret, body });
  const verified = await verifySignature({ secret: vector.secret, body, signature: vector.signature });
  if (signed !== vector.signature || !verified) throw new Error(`vector ${vector.bodyFile ?? vector.body} failed`);
  console.log(`ok  ${vector.signature}  ${vector.bodyFile ?? JSON.stringify(vector.body)}`);
}
console.log(`payload events: ${parsePayload(JSON.parse(readFileSync(`${root}fixtures/gff-two-events.json`, "utf8"))).events.length}`);
