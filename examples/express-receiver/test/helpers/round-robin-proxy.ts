import { createServer, request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy saw of one request. */
export interface ProxiedRequest {
  webhookId: string;
  upstream: number;
  /** `answered`: passed back; `dropped`: the receiver answered, the proxy cut the client off instead; `unreachable`: 502. */
  outcome: "answered" | "dropped" | "unreachable";
  status: number | undefined;
  /** The receiver's answer said `{"duplicate":true}`. */
  duplicate: boolean;
}

export interface RoundRobinProxy {
  url: string;
  log: ProxiedRequest[];
  /** Called as a request is forwarded, before the receiver has answered. */
  onForward: ((upstream: number, index: number) => void) | undefined;
  close(): Promise<void>;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      resolve(Buffer.concat(chunks));
    });
    stream.on("error", reject);
  });
}

/**
 * A load balancer for tests: each request goes to the next receiver in turn. Every `dropEvery`-th
 * answer is read whole from the receiver and then not passed on (the client's connection is cut), as
 * a load balancer that fails after the receiver committed does: the sender must re-send a batch that
 * is already stored. A receiver it cannot reach is answered 502.
 */
export async function startRoundRobinProxy(
  upstreamPorts: readonly number[],
  dropEvery: number,
): Promise<RoundRobinProxy> {
  let turn = 0;
  let answers = 0;
  const proxy: RoundRobinProxy = { url: "", log: [], onForward: undefined, close: () => Promise.resolve() };
  const server = createServer((req, res) => {
    const upstream = turn++ % upstreamPorts.length;
    const webhookId = String(req.headers["webhook-id"]);
    void readAll(req).then((body) => {
      const forwarded = httpRequest(
        { host: "127.0.0.1", port: upstreamPorts[upstream], method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          void readAll(answer).then(
            (answerBody) => {
              const drop = ++answers % dropEvery === 0;
              proxy.log.push({
                webhookId,
                upstream,
                outcome: drop ? "dropped" : "answered",
                status: answer.statusCode,
                duplicate: answerBody.toString().includes('"duplicate":true'),
              });
              if (drop) req.socket.destroy();
              else res.writeHead(answer.statusCode ?? 502, answer.headers).end(answerBody);
            },
            () => {
              proxy.log.push({ webhookId, upstream, outcome: "unreachable", status: undefined, duplicate: false });
              res.writeHead(502).end();
            },
          );
        },
      );
      forwarded.on("error", () => {
        proxy.log.push({ webhookId, upstream, outcome: "unreachable", status: undefined, duplicate: false });
        if (!res.headersSent) res.writeHead(502).end();
      });
      forwarded.end(body);
      proxy.onForward?.(upstream, proxy.log.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });
  return proxy;
}
