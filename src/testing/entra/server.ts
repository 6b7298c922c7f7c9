/**
 * The emulator's HTTP server on 127.0.0.1: records each request, applies
 * faults, runs the route and writes the reply. Transport faults happen here:
 * `refused` resets the connection before answering, `hang` never answers
 * (until `close()`), `truncated` sends half the body and cuts the socket.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Core } from "./core.js";
import { type FaultPlan, malformedReply, statusFaultReply } from "./faults.js";
import { metadataHeaders, type Reply, readContext } from "./http.js";
import { routeOf } from "./router.js";
import type { EntraRequest } from "./types.js";

export interface EmulatorServer {
  readonly port: number;
  /** Starts answering; until then connections are dropped (the URL is not known to anyone yet). */
  serve(core: Core): void;
  close(): Promise<void>;
}

export async function startServer(
  port: number,
  faults: FaultPlan,
  requests: EntraRequest[],
  /** PEM key and certificate: serve HTTPS instead of HTTP (`createEntraEmulator({ https: true })`). */
  tls?: { readonly key: string; readonly cert: string },
): Promise<EmulatorServer> {
  let core: Core | undefined;
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    if (!core || closed) {
      request.socket.destroy();
      return;
    }
    handle(core, request, response).catch((error: unknown) => internalError(response, error));
  };
  const server: Server = tls ? createHttpsServer(tls, listener) : createServer(listener);

  async function handle(active: Core, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://emulator.invalid").pathname;
    const route = routeOf(path);
    const kind = route?.kind ?? "other";
    const fault = faults.take(kind);
    requests.push(
      fault
        ? { method: request.method ?? "GET", path, fault: fault.mode }
        : { method: request.method ?? "GET", path },
    );
    if (fault?.mode === "refused") {
      request.socket.resetAndDestroy();
      return;
    }
    if (fault?.mode === "hang") return; // the socket stays open; close() destroys it
    if (fault?.mode === "slow") await delay(fault.delayMs ?? 2000);
    if (closed) return;
    const ctx = await readContext(request, active.now());
    const faulted = fault ? statusFaultReply(active, ctx, fault, kind) : undefined;
    let reply: Reply;
    if (faulted) reply = faulted;
    else if (request.method === "OPTIONS") reply = { status: 200, headers: metadataHeaders(ctx), body: "" };
    else if (route) reply = await route.run(active, ctx);
    else reply = { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "Not Found" };
    if (fault?.mode === "malformed_json") reply = malformedReply(reply);
    write(response, reply, fault?.mode === "truncated");
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    serve(active) {
      core = active;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function write(response: ServerResponse, reply: Reply, truncated: boolean): void {
  const body = Buffer.from(reply.body, "utf8");
  response.writeHead(reply.status, { ...reply.headers, "Content-Length": String(body.length) });
  if (!truncated) {
    response.end(body);
    return;
  }
  // The announced length never arrives: the client sees the connection end mid-body.
  response.write(body.subarray(0, Math.floor(body.length / 2)), () => response.destroy());
}

/** A bug in the emulator, not an Entra answer: say so plainly. */
function internalError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  response.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
  response.end(`Entra emulator error: ${message}`);
}
