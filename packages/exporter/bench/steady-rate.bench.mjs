// exporter.cpu-per-event: the CPU a service pays at a steady rate. Each round runs each sender in a
// fresh process of its own (steady-rate-sender.mjs: 10,000 events/s, a flush every second, a warm-up
// that is not measured, then the measured window), to a sink in another process that parses every
// body. Cases, interleaved round by round: the exporter, the exporter with a spool, and a hand-written
// loop (JSON.stringify + one HMAC + undici, 1,000 events a request). Graded on the median ratio of CPU
// µs/event. The first seconds of a fresh process (the JIT at work) are shown apart, for information.
import { fork } from "node:child_process";
import { once } from "node:events";
import { paired, record, ROUNDS, scaled } from "../../../scripts/bench-kit.mjs";
import { startSink } from "./sink-process.mjs";

const WARMUP_MS = scaled(3_000, 200);
const WINDOW_MS = scaled(5_000, 300);

/** One sender, in a fresh process, for the warm-up and the window; its figures, checked against the sink. */
async function measure(sink, kind) {
  const before = await sink.received();
  const child = fork(
    new URL("./steady-rate-sender.mjs", import.meta.url),
    [kind, sink.url, String(WARMUP_MS), String(WINDOW_MS)],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  const figures = new Promise((resolve) => child.once("message", resolve));
  const [code, signal] = await once(child, "exit");
  if (code !== 0) throw new Error(`the ${kind} sender ended with ${signal ?? `exit ${code}`}`);
  const result = await figures;
  const received = (await sink.received()) - before;
  if (received !== result.added)
    throw new Error(`the ${kind} sender added ${result.added} events, the sink parsed ${received}`);
  return result;
}

const sink = await startSink("bench-secret");
const rounds = { exporter: [], spool: [], hand: [] };
try {
  for (let round = 0; round < ROUNDS; round++)
    for (const kind of Object.keys(rounds)) rounds[kind].push(await measure(sink, kind));
} finally {
  sink.close();
}
const figure = (kind, name) => rounds[kind].map((run) => run[name]);
const split = (kind) => ({
  userUsPerEvent: figure(kind, "userUsPerEvent"),
  systemUsPerEvent: figure(kind, "systemUsPerEvent"),
});
const setting = { ratePerSecond: 10_000, warmupMs: WARMUP_MS, windowMs: WINDOW_MS };
record({
  name: "exporter.cpu-per-event",
  unit: "µs/event",
  ...paired(figure("exporter", "cpuUsPerEvent"), figure("hand", "cpuUsPerEvent")),
  goal: { max: 1.3 },
  details: { ...setting, exporter: split("exporter"), handLoop: split("hand") },
});
record({
  name: "exporter.cpu-per-event.spool",
  unit: "µs/event",
  ...paired(figure("spool", "cpuUsPerEvent"), figure("exporter", "cpuUsPerEvent")),
  goal: { max: 1.15 },
  details: {
    ...setting,
    note: "with a spool (group commits every 200 ms), against the same exporter without one",
    spool: split("spool"),
  },
});
record({
  name: "exporter.cpu-warmup",
  unit: "µs/event",
  ...paired(figure("exporter", "warmupCpuUsPerEvent"), figure("hand", "warmupCpuUsPerEvent")),
  details: { ...setting, note: "the warm-up seconds of a fresh process (the JIT at work), against the hand loop's" },
});
record({
  name: "exporter.loop-delay-p99",
  unit: "ms",
  ...paired(figure("exporter", "p99Ms"), figure("hand", "p99Ms")),
  details: { note: "event-loop delay p99 at the steady rate, against the hand loop" },
});
