/**
 * The emulator's HTTP server on 127.0.0.1: records each request, applies
 * faults, runs the route and writes the reply. Transport faults as in the
 * Entra emulator: `refused` resets the connection, `hang` never answers
 * (until `close()`), `truncated` sends half the body and cuts the socket.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type FaultPlan, malformedReply } from "../entra/faults.js";
import type { Core } from "./core.js";
import { statusFaultReply } from "./faults.js";
import { type Reply, readContext } from "./http.js";
import { routeOf } from "./router.js";
import type { KeycloakRequest } from "./types.js";

export interface EmulatorServer {
  readonly port: number;
  /** Starts answering; until then connections are dropped. */
  serve(core: Core): void;
  close(): Promise<void>;
}

const NOT_FOUND: Reply = {
  status: 404,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ error: "Unable to find matching target resource method" }), // [guess]
};

export async function startServer(
  port: number,
  faults: FaultPlan,
  requests: KeycloakRequest[],
): Promise<EmulatorServer> {
  let core: Core | undefined;
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((request, response) => {
    if (!core || closed) {
      request.socket.destroy();
      return;
    }
    handle(core, request, response).catch((error: unknown) => internalError(response, error));
  });

  async function handle(active: Core, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? "GET";
    const path = new URL(request.url ?? "/", "http://emulator.invalid").pathname;
    const route = routeOf(path);
    const kind = route?.kind ?? "other";
    const fault = faults.take(kind);
    requests.push(fault ? { method, path, fault: fault.mode } : { method, path });
    if (fault?.mode === "refused") {
      request.socket.resetAndDestroy();
      return;
    }
    if (fault?.mode === "hang") return; // the socket stays open; close() destroys it
    if (fault?.mode === "slow") await delay(fault.delayMs ?? 2000);
    if (closed) return;
    const ctx = await readContext(request, active.now());
    let reply = fault ? statusFaultReply(fault, kind) : undefined;
    reply ??= route ? await route.run(active, ctx) : NOT_FOUND;
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
  response.write(body.subarray(0, Math.floor(body.length / 2)), () => response.destroy());
}

/** A bug in the emulator, not a Keycloak answer: say so plainly. */
function internalError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  response.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
  response.end(`Keycloak emulator error: ${message}`);
}
