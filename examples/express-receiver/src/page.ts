/** The live page: a table of counts per flag and variation, and a bar per variation, refreshed every second. */
export const statsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Webhook receiver</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2330; }
  h1 { font-size: 1.3rem; }
  .summary { color: #555; margin-bottom: 1rem; }
  table { border-collapse: collapse; min-width: 36rem; }
  th, td { text-align: left; padding: .35rem .75rem; border-bottom: 1px solid #e3e6ec; }
  td.count { text-align: right; font-variant-numeric: tabular-nums; }
  .bar { height: .8rem; background: #3b6fd8; border-radius: 2px; }
</style>
</head>
<body>
<h1>Flag evaluations received</h1>
<p class="summary" id="summary">Loading…</p>
<table>
  <thead><tr><th>Flag</th><th>Variation</th><th>Events</th><th style="width:14rem">Share</th></tr></thead>
  <tbody id="rows"></tbody>
</table>
<script>
async function refresh() {
  const stats = await (await fetch("/stats")).json();
  document.getElementById("summary").textContent =
    stats.batches + " batches, " + stats.events + " events (" + stats.eventsPerSecond.toFixed(0) + "/s), " + stats.duplicates + " re-sent batches acknowledged as duplicates";
  const rows = [];
  for (const [flag, variations] of Object.entries(stats.flags).sort()) {
    const total = Object.values(variations).reduce((a, b) => a + b, 0);
    for (const [variation, count] of Object.entries(variations).sort()) {
      const tr = document.createElement("tr");
      tr.dataset.flag = flag;
      tr.dataset.variation = variation;
      for (const text of [flag, variation]) { const td = document.createElement("td"); td.textContent = text; tr.append(td); }
      const countCell = document.createElement("td"); countCell.className = "count"; countCell.textContent = String(count); tr.append(countCell);
      const barCell = document.createElement("td"); const bar = document.createElement("div"); bar.className = "bar";
      bar.style.width = (100 * count / total).toFixed(1) + "%"; barCell.append(bar); tr.append(barCell);
      rows.push(tr);
    }
  }
  document.getElementById("rows").replaceChildren(...rows);
  document.body.dataset.events = String(stats.events);
}
refresh(); setInterval(refresh, 1000);
</script>
</body>
</html>
`;
