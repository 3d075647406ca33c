import { computeHmacWeb } from "../../src/crypto-web.js";
import * as entry from "../../src/index.js";
import { createSignatureApi } from "../../src/signature-api.js";
import { createVerifierFactory, createVerifyWebhook } from "../../src/webhook-verifier.js";

// The entry picks node:crypto under Node; edge runtimes get Web Crypto. Both implementations are held
// to the same tests: the Web Crypto one is bound here exactly as the entry binds its own.
const createWebhookVerifier = createVerifierFactory(computeHmacWeb);
const webCryptoApi: typeof entry = {
  ...entry,
  ...createSignatureApi(computeHmacWeb),
  createWebhookVerifier,
  verifyWebhook: createVerifyWebhook(createWebhookVerifier),
};

export const cryptoApis: [name: string, api: typeof entry][] = [
  ["node:crypto", entry],
  ["Web Crypto", webCryptoApi],
];
