/**
 * A small HTTP proxy in front of Keycloak that answers 503 to the next N
 * admin-API requests (Keycloak failing for a while), or lets a request
 * through and throws its answer away (Keycloak made it, the caller never
 * heard), without touching the server every other test shares.
 */
import { createServer, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";

export interface FailingProxy {
  readonly url: string;
  /** The next `count` requests under `/admin/` answer 503. */
  fail(count: number): void;
  readonly failed: number;
  /** The first request `match` accepts reaches Keycloak; its answer is replaced by a 502. */
  loseAnswer(match: (method: string, path: string) => boolean): void;
  readonly lost: number;
  close(): Promise<void>;
}

export async function failingProxy(upstream: string): Promise<FailingProxy> {
  const target = new URL(upstream);
  // Production-mode Keycloak is https only (trusted through NODE_EXTRA_CA_CERTS); the proxy itself
  // stays plain http on loopback.
  const request = target.protocol === "https:" ? httpsRequest : httpRequest;
  let remaining = 0;
  let failed = 0;
  let losing: ((method: string, path: string) => boolean) | undefined;
  let lost = 0;
  const server = createServer((req, res) => {
    if (remaining > 0 && req.url?.startsWith("/admin/")) {
      remaining--;
      failed++;
      req.resume();
      res.writeHead(503, { "content-type": "text/plain" }).end("Service Unavailable");
      return;
    }
    const lose = losing?.(req.method ?? "", req.url ?? "") === true;
    if (lose) losing = undefined;
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        if (lose) {
          lost++;
          answer.resume();
          res.writeHead(502).end();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    fail: (count) => {
      remaining = count;
    },
    get failed() {
      return failed;
    },
    loseAnswer: (match) => {
      losing = match;
    },
    get lost() {
      return lost;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
