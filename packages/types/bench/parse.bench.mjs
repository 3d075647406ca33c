// types.parse: validating a 100,000-event body (about 18 MB) on top of JSON.parse, against JSON.parse alone.
import { medianMs, paired, record, sampleFeatureEvent, scaled } from "../../../scripts/bench-kit.mjs";
import { parsePayload } from "../dist/index.js";

const events = Array.from({ length: scaled(100_000) }, (_, index) => sampleFeatureEvent(index));
const body = JSON.stringify({ meta: { hostname: "bench" }, events });

const times = await medianMs({
  "JSON.parse": () => JSON.parse(body),
  "JSON.parse + parsePayload": () => parsePayload(JSON.parse(body)),
});
record({
  name: "types.parse",
  unit: "ms",
  ...paired(times["JSON.parse + parsePayload"].rounds, times["JSON.parse"].rounds),
  spread: times["JSON.parse + parsePayload"].rme,
  goal: { max: 1.5 },
  details: { bodyBytes: Buffer.byteLength(body), events: events.length },
});
