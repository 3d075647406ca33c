import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { type WebhookExporterError } from "../../src/index.js";
import { featureEvent, userKeys } from "../helpers/events.js";
import { answer, deliveredOnce, expectLedger, recordDrops } from "../helpers/ledger.js";
import { useExporterHarness } from "../helpers/harness.js";
import type { Receiver } from "@org/test-fixtures/receiver";
import { waitUntil } from "../helpers/wait.js";

const harness = useExporterHarness();
const { exporterFor } = harness;
let receiver: Receiver;
let spoolDir: string;
beforeEach(() => {
  ({ receiver, spoolDir } = harness);
});

const POISON = "user-poison";

/** A receiver that refuses, with `status`, every batch holding the poisoned event (as a strict schema would). */
function refusePoison(status: number): void {
  receiver.respond((request, _index, res) => {
    answer(request.body.includes(POISON) ? status : 200)(request, res);
  });
}

describe("an event the receiver refuses", () => {
  it.each([400, 422])(
    "is isolated by splitting on %i: the 6,000 others are delivered, it is set aside as rejected",
    async (status) => {
      refusePoison(status);
      const { drops, onDrop } = recordDrops();
      const errors: WebhookExporterError[] = [];
      const exporter = exporterFor({ maxEventInMemory: 1000, onDrop, onError: (error) => errors.push(error) });
      const added: string[] = [];
      for (let index = 0; index < 6001; index++) {
        const event = index === 3210 ? { ...featureEvent(index), userKey: POISON } : featureEvent(index);
        exporter.add(event);
        added.push(event.userKey);
      }
      await exporter.flush();
      await waitUntil(() => exporter.stats().pending === 0);
      expect(new Set(deliveredOnce(receiver))).toEqual(new Set(added.filter((key) => key !== POISON)));
      expect(drops).toEqual([{ count: 1, reason: "rejected", details: { batchId: expect.any(String) as string } }]);
      expect(errors.every((error) => error.status === status && error.permanent)).toBe(true);
      // log2(1000) halvings of the one batch that holds it, not one request per event: each refused
      // request is one halving, plus one to see that the refusal is not of everything.
      const refused = receiver.requests.filter((request) => request.body.includes(POISON)).length;
      expect(refused).toBeLessThanOrEqual(Math.ceil(Math.log2(1000)) + 2);
      expect(receiver.requests.length).toBeLessThan(6 + 2 * 11 + 2);
      expectLedger({ added, receiver, drops, exporter });
      expect(await exporter.close()).toMatchObject({ pending: 0 });
      expect(exporter.stats().dropped).toBe(1);
    },
    15_000,
  );

  it("keeps the refused event in the spool's dead-letter folder", async () => {
    refusePoison(400);
    const { drops, onDrop } = recordDrops();
    const exporter = exporterFor({ spool: { dir: spoolDir }, onDrop });
    const added = ["user-0", POISON, "user-2"];
    exporter.add(featureEvent(0));
    exporter.add({ ...featureEvent(1), userKey: POISON });
    exporter.add(featureEvent(2));
    await exporter.flush();
    await waitUntil(() => exporter.stats().pending === 0);
    const file = drops[0]?.details.deadLetterFile;
    expect(file).toBeDefined();
    expect(readdirSync(join(spoolDir, "dead-letter"))).toHaveLength(1);
    expect(readFileSync(file ?? "").toString()).toContain(POISON);
    expectLedger({ added, receiver, drops, exporter });
  });

  it("isolates a refused event in a batch spooled by an earlier run", async () => {
    receiver.respond((request, _index, res) => {
      answer(503)(request, res);
    });
    const first = exporterFor({ spool: { dir: spoolDir } });
    for (let index = 0; index < 50; index++)
      first.add(index === 7 ? { ...featureEvent(index), userKey: POISON } : featureEvent(index));
    await first.flush();
    await first.close();
    refusePoison(400);
    const { drops, onDrop } = recordDrops();
    const second = exporterFor({ spool: { dir: spoolDir }, onDrop });
    await waitUntil(() => second.stats().pending === 0 && drops.length === 1);
    // Not in order: the half holding it is tried again after the other (one refusal alone proves nothing).
    expect(deliveredOnce(receiver).sort()).toEqual(
      userKeys(0, 50)
        .filter((key) => key !== "user-7")
        .sort(),
    );
    expect(drops[0]).toMatchObject({ count: 1, reason: "rejected" });
    // A settled batch's file is deleted just after it is counted.
    await waitUntil(() => readdirSync(spoolDir).filter((file) => file.endsWith(".batch")).length === 0);
  });

  it.each([401, 403])("holds everything on %i: fixing the secret loses nothing", async (status) => {
    let fixed = false;
    receiver.respond((request, _index, res) => {
      answer(fixed ? 200 : status)(request, res);
    });
    const { drops, onDrop } = recordDrops();
    const exporter = exporterFor({ onDrop });
    for (let index = 0; index < 10; index++) exporter.add(featureEvent(index));
    for (let attempt = 0; attempt < 3; attempt++) expect(await exporter.flush()).toMatchObject({ sent: 0, failed: 10 });
    expect(exporter.stats().lastError).toMatchObject({
      reason: "unauthorized",
      status,
      permanent: true,
      message: expect.stringContaining("check that secret") as string,
    });
    fixed = true;
    await waitUntil(() => exporter.stats().pending === 0);
    expect(drops).toEqual([]);
    expect(deliveredOnce(receiver)).toEqual(userKeys(0, 10));
  });

  it("an endpoint that refuses everything (a 400 storm) is an outage: nothing is dropped, about one request a second", async () => {
    let storm = true;
    receiver.respond((request, _index, res) => {
      answer(storm ? 400 : 200)(request, res);
    });
    const { drops, onDrop } = recordDrops();
    const exporter = exporterFor({ maxEventInMemory: 500, flushInterval: 5_000, retryBaseDelayMs: 1_000, onDrop });
    const added: string[] = [];
    // 2,000 events a second for 3 s.
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        for (let index = 0; index < 20; index++) {
          const event = featureEvent(added.length);
          exporter.add(event);
          added.push(event.userKey);
        }
        if (added.length >= 6_000) {
          clearInterval(tick);
          resolve();
        }
      }, 10);
      void exporter.flush();
    });
    const duringStorm = receiver.requests.length;
    expect(drops).toEqual([]);
    // Three to tell an outage from a poison event, then one per backoff (1 s, 2 s...).
    expect(duringStorm).toBeLessThanOrEqual(8);
    storm = false;
    await exporter.flush();
    await waitUntil(() => exporter.stats().pending === 0, 15_000);
    expect(new Set(deliveredOnce(receiver))).toEqual(new Set(added));
    expect(exporter.stats().dropped).toBe(0);
    expectLedger({ added, receiver, drops, exporter });
  }, 30_000);
});
