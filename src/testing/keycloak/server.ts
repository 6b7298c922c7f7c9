/**
 * The Keycloak-lite emulator's HTTP server (../faulty-server.ts does the
 * transport and its faults, as for the Entra emulator): records each
 * request, answers status faults the Keycloak way, and runs the route.
 */

import { type FaultPlan, malformedReply } from "../entra/faults.js";
import type { EntraFault } from "../entra/types.js";
import { type FaultyServer, startFaultyServer } from "../faulty-server.js";
import type { Core } from "./core.js";
import { statusFaultReply } from "./faults.js";
import { type Reply, readContext } from "./http.js";
import { routeOf } from "./router.js";
import type { KeycloakRequest } from "./types.js";

export type EmulatorServer = FaultyServer<Core>;

const NOT_FOUND: Reply = {
  status: 404,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ error: "Unable to find matching target resource method" }), // [guess]
};

export function startServer(
  port: number,
  faults: FaultPlan,
  requests: KeycloakRequest[],
): Promise<EmulatorServer> {
  return startFaultyServer<Core>({
    port,
    name: "Keycloak",
    fault(method, path) {
      const fault = faults.take(routeOf(path)?.kind ?? "other");
      requests.push(fault ? { method, path, fault: fault.mode } : { method, path });
      return fault;
    },
    async answer(core, request, path, transportFault) {
      const route = routeOf(path);
      const fault = transportFault as EntraFault | undefined;
      const ctx = await readContext(request, core.now());
      let reply = fault ? statusFaultReply(fault, route?.kind ?? "other") : undefined;
      reply ??= route ? await route.run(core, ctx) : NOT_FOUND;
      return fault?.mode === "malformed_json" ? malformedReply(reply) : reply;
    },
  });
}
