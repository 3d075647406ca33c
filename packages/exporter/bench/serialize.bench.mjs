// exporter.serialize+sign: 100,000 events to signed bytes, against JSON.stringify + Buffer.from + createHmac.
import { createHmac } from "node:crypto";
import { medianMs, paired, record, sampleFeatureEvent, scaled } from "../../../scripts/bench-kit.mjs";
import { cutBatches } from "../dist/batches/batch.js";
import { serializeMeta } from "../dist/wire/serializer.js";
import { hubSigning } from "@org/webhook-types";
import { signWith } from "../dist/wire/signer.js";

const events = Array.from({ length: scaled(100_000) }, (_, index) => sampleFeatureEvent(index));
const meta = { hostname: "bench" };
const metaJson = serializeMeta(meta);
let id = 0;
const keys = { hub: Buffer.from("secret"), standard: Buffer.from("secret") };

const times = await medianMs(
  {
    baseline: () =>
      createHmac("sha256", "secret")
        .update(Buffer.from(JSON.stringify({ meta, events })))
        .digest("hex"),
    exporter: async () => {
      // One batch for the whole set, as the baseline does: the comparison is of bytes produced, not of cutting.
      const { batches } = await cutBatches(
        events,
        metaJson,
        { maxEvents: events.length, maxBytes: Number.MAX_SAFE_INTEGER },
        () => String(id++),
      );
      for (const batch of batches) await signWith(hubSigning, keys, batch.body);
    },
  },
  { iterations: 10 },
);
record({
  name: "exporter.serialize+sign",
  unit: "ms",
  ...paired(times.exporter.rounds, times.baseline.rounds),
  spread: times.exporter.rme,
  goal: { max: 1.3 },
  details: { events: events.length },
});
