// The exporter end to end at batch sizes from 1,000 to 100,000 events: events per second and peak heap,
// printed and drawn as docs/bench-batch-size.svg. Run with `node --expose-gc` (pnpm bench:plot does).
import { writeFileSync } from "node:fs";
import { endToEnd } from "./end-to-end.mjs";

const sizes = [1_000, 5_000, 10_000, 25_000, 50_000, 100_000];
const rows = [];
for (const batchSize of sizes) {
  const runs = [];
  for (let round = 0; round < 3; round++) runs.push(await endToEnd({ total: 200_000, batchSize }));
  const median = (key) => runs.map((run) => run[key]).sort((a, b) => a - b)[1];
  rows.push({
    batchSize,
    eventsPerSecond: Math.round(median("exporterRate")),
    fetchLoop: Math.round(median("loopRate")),
    heapPeakMiB: +(median("heapPeakBytes") / 2 ** 20).toFixed(1),
  });
}
console.table(rows);

/** Two small line charts side by side, plain SVG (no plotting dependency). */
function chart(x0, title, values, unit) {
  const width = 380,
    height = 240,
    left = 60,
    bottom = 40,
    top = 30;
  const max = Math.max(...values) * 1.15;
  const px = (index) => x0 + left + (index * (width - left - 20)) / (sizes.length - 1);
  const py = (value) => top + (height - top - bottom) * (1 - value / max);
  const points = values.map((value, index) => `${px(index).toFixed(1)},${py(value).toFixed(1)}`).join(" ");
  const ticks = sizes
    .map(
      (size, index) => `<text x="${px(index)}" y="${height - bottom + 16}" text-anchor="middle">${size / 1000}k</text>`,
    )
    .join("");
  const labels = values
    .map(
      (value, index) =>
        `<circle cx="${px(index)}" cy="${py(value)}" r="3"/><text x="${px(index)}" y="${py(value) - 8}" text-anchor="middle">${value >= 1000 ? `${Math.round(value / 1000)}k` : value}</text>`,
    )
    .join("");
  return `<g><text x="${x0 + left}" y="18" font-weight="bold">${title}</text>
<line x1="${x0 + left}" y1="${height - bottom}" x2="${x0 + width - 20}" y2="${height - bottom}" stroke="#999"/>
<line x1="${x0 + left}" y1="${top}" x2="${x0 + left}" y2="${height - bottom}" stroke="#999"/>
<text x="${x0 + 12}" y="${(top + height - bottom) / 2}" transform="rotate(-90 ${x0 + 12} ${(top + height - bottom) / 2})" text-anchor="middle">${unit}</text>
<text x="${x0 + (left + width) / 2}" y="${height - 4}" text-anchor="middle">events per request</text>
<polyline fill="none" stroke="#3b6fd8" stroke-width="2" points="${points}"/>${ticks}${labels}</g>`;
}

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="780" height="250" font-family="system-ui, sans-serif" font-size="11" fill="#1d2330">
<rect width="100%" height="100%" fill="white"/>
${chart(
  0,
  "Throughput, add() to a verifying receiver",
  rows.map((row) => row.eventsPerSecond),
  "events/s",
)}
${chart(
  390,
  "Peak heap while sending 200,000 events",
  rows.map((row) => row.heapPeakMiB),
  "MiB",
)}
</svg>
`;
writeFileSync(new URL("../../../docs/bench-batch-size.svg", import.meta.url), svg);
console.log("wrote docs/bench-batch-size.svg");
