import { describe, expect, it } from "vitest";
import { WebhookVerificationError, type WebhookVerificationErrorCode } from "../src/errors.js";
import { answerFor, isMisuse, outcomeOf } from "../src/problem.js";

const refusal = (code: WebhookVerificationErrorCode) => new WebhookVerificationError(code, "reason");

describe("the one table of codes", () => {
  it.each([
    ["ERR_REPLAYED", "duplicate", 200, false],
    ["ERR_REPLAY_IN_PROGRESS", "in-progress", 503, false],
    ["ERR_REPLAY_STORE_UNAVAILABLE", "unavailable", 503, false],
    ["ERR_INTERNAL", "unavailable", 500, false],
    ["ERR_SIGNATURE_MISMATCH", "refused", 401, false],
    ["ERR_BODY_TOO_LARGE", "refused", 413, false],
    ["ERR_WEBHOOK_CONFIG", "refused", 500, true],
    ["ERR_BODY_ALREADY_PARSED", "refused", 500, true],
    ["ERR_BODY_NOT_RAW", "refused", 500, true],
  ] as const)("%s counts as %s, is answered %i, misuse: %s", (code, outcome, status, misuse) => {
    const error = refusal(code);
    expect([outcomeOf(error), answerFor(error).status, isMisuse(error)]).toEqual([outcome, status, misuse]);
  });
});
