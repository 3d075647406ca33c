// `pnpm demo`: the Express receiver and the sender, wired end to end on 127.0.0.1, then four attacks.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { signTestWebhook } from "@org/webhook-verify/testing";
import { wireBody, wireFeatureEvent } from "@org/test-fixtures/wire-event";
import { root } from "./workspace.mjs";

const secret = "demo-secret";
const children = [];

function start(script, env) {
  const child = spawn(process.execPath, [`${root}${script}`], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  return { child, output: () => output };
}

/**
 * Resolves the first match of `pattern` in the child's output, as soon as it is printed. A slow start
 * is not a failure: every 10 s it says it is still waiting, with what the child printed so far; only
 * an exit, or no line after `deadlineMs`, is.
 */
function firstLine(started, pattern, name, deadlineMs = 180_000) {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const check = () => {
      const match = pattern.exec(started.output());
      if (match) finish(() => resolve(match));
    };
    const onExit = (code, signal) =>
      finish(() => reject(new Error(`the ${name} ended before it was ready (${signal ?? `exit ${code}`})`)));
    const progress = setInterval(() => {
      const seconds = Math.round((Date.now() - startedAt) / 1000);
      const so = started.output().trim();
      console.log(`${name} still starting (${seconds} s)${so === "" ? "" : `; so far it printed:\n${so}`}`);
    }, 10_000);
    const deadline = setTimeout(
      () =>
        finish(() => reject(new Error(`the ${name} printed no line matching ${pattern} in ${deadlineMs / 1000} s`))),
      deadlineMs,
    );
    function finish(settle) {
      clearInterval(progress);
      clearTimeout(deadline);
      started.child.stdout.off("data", check);
      started.child.off("exit", onExit);
      settle();
    }
    started.child.stdout.on("data", check);
    started.child.on("exit", onExit);
    check();
  });
}

function stopAll() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
}
process.on("exit", stopAll);

try {
  const receiver = start("examples/express-receiver/dist/main.js", {
    WEBHOOK_SECRET: secret,
    PORT: "0",
    HOST: "127.0.0.1",
  });
  const [, baseUrl] = await firstLine(receiver, /listening on (http:\/\/\S+)/, "receiver");
  console.log(`receiver  ${baseUrl}  (open it in a browser to watch the counts live)`);

  const sender = start("examples/sender/dist/main.js", {
    WEBHOOK_URL: `${baseUrl}/webhook`,
    WEBHOOK_SECRET: secret,
    FLUSH_INTERVAL: "500",
    DURATION_MS: "4000",
    EVALUATIONS_PER_SECOND: "2000",
    USERS: "3000",
  });
  let shown = "";
  const progress = setInterval(async () => {
    const stats = await (await fetch(`${baseUrl}/stats`)).json().catch(() => undefined);
    const line = stats && `sending   ${stats.batches} batches, ${stats.events} events received, all verified`;
    if (line && line !== shown) process.stdout.write(`${process.stdout.isTTY ? "\r" : "\n"}${(shown = line)}`);
  }, 250);
  await once(sender.child, "exit");
  clearInterval(progress);
  const { summary } = JSON.parse(sender.output().trim().split("\n").at(-1));
  const stats = await (await fetch(`${baseUrl}/stats`)).json();
  process.stdout.write("\n");

  console.log(
    `\nsender    ${summary.evaluations} evaluations, ${summary.stats.batchesSent} batches sent, ${summary.stats.dropped} dropped`,
  );
  console.log(
    `receiver  ${stats.batches} batches, ${stats.events} events, every signature verified, ${stats.duplicates} re-sent batches dropped`,
  );
  console.log("\nflag             variation    sent   received");
  for (const [flag, variations] of Object.entries(summary.perFlag)) {
    for (const [variation, count] of Object.entries(variations)) {
      console.log(
        `${flag.padEnd(16)} ${variation.padEnd(10)} ${String(count).padStart(6)} ${String(stats.flags[flag]?.[variation] ?? 0).padStart(10)}`,
      );
    }
  }
  if (stats.events !== summary.evaluations)
    throw new Error(`sent ${summary.evaluations} events but the receiver has ${stats.events}`);
  console.log(`\nall ${stats.events} events arrived exactly once.`);

  // Requests a receiver must not process: replays (acknowledged, never stored twice) and forgeries. The
  // first is a real signed request, as the exporter sends it.
  const body = wireBody("demo", [
    wireFeatureEvent("new-checkout", "enabled", { creationDate: Math.floor(Date.now() / 1000) }),
  ]);
  const post = async (headers, payload) => {
    const response = await fetch(`${baseUrl}/webhook`, { method: "POST", headers, body: payload });
    const answer = await response.json();
    return `${response.status} ${answer.duplicate === true ? "duplicate, not stored again" : (answer.code ?? "accepted")}`;
  };
  const hubOnly = (headers) => ({
    "content-type": "application/json",
    "x-hub-signature-256": headers["x-hub-signature-256"],
  });
  const captured = (await signTestWebhook({ secret, body })).headers;
  console.log("\nattacks");
  console.log(`  a genuine signed request           -> ${await post(captured, body)}`);
  console.log(`  the same request, replayed         -> ${await post(captured, body)}`);
  console.log(
    `  replayed without webhook-* headers -> ${await post({ ...hubOnly(captured), "webhook-id": "forged" }, body)}`,
  );
  console.log(`  its body tampered with             -> ${await post(captured, body.replace("enabled", "disabled"))}`);
  console.log(
    `  signed with a wrong secret         -> ${await post((await signTestWebhook({ secret: "not-the-secret", body })).headers, body)}`,
  );
} finally {
  stopAll();
  await Promise.all(
    children.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, "exit") : undefined)),
  );
}
