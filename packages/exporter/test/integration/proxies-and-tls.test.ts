// The network as Go's client meets it: HTTP_PROXY, HTTPS_PROXY and NO_PROXY, and a private CA.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { createServer, request as httpRequest, type Server } from "node:http";
import { once } from "node:events";
import { connect, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWebhookExporter, type WebhookExporter, type WebhookExporterError } from "../../src/index.js";
import { featureEvent } from "../helpers/events.js";
import { startReceiver, type Receiver } from "@org/test-fixtures/receiver";

const PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];
let saved: Record<string, string | undefined>;
let receiver: Receiver;
const exporters: WebhookExporter[] = [];
const servers: Server[] = [];

beforeEach(async () => {
  saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of PROXY_VARIABLES) delete process.env[name];
  receiver = await startReceiver();
});
afterEach(async () => {
  await Promise.all(exporters.splice(0).map((exporter) => exporter.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
  await receiver.close();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/**
 * A forward proxy, as Squid would be: plain forwarding and CONNECT tunnels (undici's ProxyAgent
 * tunnels), every target sent to the receiver; it records the targets asked for.
 */
async function startProxy(): Promise<{ url: string; forwarded: string[] }> {
  const forwarded: string[] = [];
  const target = new URL(receiver.url);
  const server = createServer((req, res) => {
    forwarded.push(req.url ?? "");
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: new URL(req.url ?? "/").pathname,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  server.on("connect", (req, client: Socket) => {
    forwarded.push(`CONNECT ${req.url ?? ""}`);
    const upstream = connect(Number(target.port), target.hostname, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, forwarded };
}

const exporterFor = (options: Partial<Parameters<typeof createWebhookExporter>[0]> & { endpointUrl: string }) => {
  const exporter = createWebhookExporter({ secret: "s", flushInterval: 3_600_000, retryBaseDelayMs: 10, ...options });
  exporters.push(exporter);
  return exporter;
};

describe("proxies from the environment, as GO Feature Flag's Go client honours them", () => {
  it("sends through HTTP_PROXY to an endpoint only the proxy can reach", async () => {
    const proxy = await startProxy();
    process.env.HTTP_PROXY = proxy.url;
    const exporter = exporterFor({ endpointUrl: "http://collector.only-through-proxy.invalid/webhook" });
    exporter.add(featureEvent(1));
    expect(await exporter.flush()).toMatchObject({ sent: 1, failed: 0 });
    expect(proxy.forwarded).toEqual([
      expect.stringMatching(
        /^(CONNECT collector\.only-through-proxy\.invalid:80|http:\/\/collector\.only-through-proxy\.invalid\/webhook)$/,
      ),
    ]);
    expect(receiver.events().map((event) => event.userKey)).toEqual(["user-1"]);
  });

  it("goes direct to a host NO_PROXY names, to a loopback endpoint, and when a dispatcher is given", async () => {
    const proxy = await startProxy();
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = "collector.direct.invalid";
    const named = exporterFor({ endpointUrl: "http://collector.direct.invalid/webhook" });
    named.add(featureEvent(0));
    // Direct, so the name does not resolve: a network error, and the proxy saw nothing.
    expect(await named.flush()).toMatchObject({ sent: 0, failed: 1 });
    const loopback = exporterFor({ endpointUrl: receiver.url });
    loopback.add(featureEvent(1));
    expect(await loopback.flush()).toMatchObject({ sent: 1 });
    const own = exporterFor({
      endpointUrl: "http://collector.only-through-proxy.invalid/webhook",
      dispatcher: new Agent(),
    });
    own.add(featureEvent(2));
    expect(await own.flush()).toMatchObject({ sent: 0, failed: 1 });
    expect(proxy.forwarded).toEqual([]);
    expect(receiver.events()).toHaveLength(1);
  });
});

describe("an endpoint with a certificate from a private CA", () => {
  let dir: string;
  let cert: Buffer;
  let url: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    cert = readFileSync(join(dir, "cert.pem"));
    const server = createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200).end("{}"));
    });
    servers.push(server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `https://127.0.0.1:${String((server.address() as AddressInfo).port)}/webhook`;
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("says why in the message (the cause's words, not only 'network')", async () => {
    const errors: WebhookExporterError[] = [];
    const exporter = exporterFor({ endpointUrl: url, onError: (error) => errors.push(error) });
    exporter.add(featureEvent(1));
    expect(await exporter.flush()).toMatchObject({ sent: 0, failed: 1 });
    expect(errors[0]?.message).toMatch(/failed \(network: .*self-signed certificate/);
  });

  it("delivers through a dispatcher that trusts the CA (connect: { ca })", async () => {
    const exporter = exporterFor({ endpointUrl: url, dispatcher: new Agent({ connect: { ca: cert } }) });
    exporter.add(featureEvent(1));
    expect(await exporter.flush()).toMatchObject({ sent: 1, failed: 0 });
  });
});
