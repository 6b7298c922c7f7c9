/**
 * The Entra emulator's HTTP server (../faulty-server.ts does the transport
 * and its faults): records each request, answers status faults the Entra
 * way, and runs the route.
 */
import type { IncomingMessage } from "node:http";
import { type FaultyServer, startFaultyServer } from "../faulty-server.js";
import type { Core } from "./core.js";
import { type FaultPlan, malformedReply, statusFaultReply } from "./faults.js";
import { metadataHeaders, type Reply, readContext } from "./http.js";
import { routeOf } from "./router.js";
import type { EntraFault, EntraRequest } from "./types.js";

export type EmulatorServer = FaultyServer<Core>;

export function startServer(
  port: number,
  faults: FaultPlan,
  requests: EntraRequest[],
  /** PEM key and certificate: serve HTTPS instead of HTTP (`createEntraEmulator({ https: true })`). */
  tls?: { readonly key: string; readonly cert: string },
): Promise<EmulatorServer> {
  return startFaultyServer<Core>({
    port,
    tls,
    name: "Entra",
    fault(method, path) {
      const fault = faults.take(routeOf(path)?.kind ?? "other");
      requests.push(fault ? { method, path, fault: fault.mode } : { method, path });
      return fault;
    },
    async answer(core, request: IncomingMessage, path, transportFault) {
      const route = routeOf(path);
      const fault = transportFault as EntraFault | undefined;
      const ctx = await readContext(request, core.now());
      const faulted = fault ? statusFaultReply(core, ctx, fault, route?.kind ?? "other") : undefined;
      let reply: Reply;
      if (faulted) reply = faulted;
      else if (request.method === "OPTIONS") reply = { status: 200, headers: metadataHeaders(ctx), body: "" };
      else if (route) reply = await route.run(core, ctx);
      else
        reply = { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "Not Found" };
      return fault?.mode === "malformed_json" ? malformedReply(reply) : reply;
    },
  });
}
