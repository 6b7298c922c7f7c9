/**
 * Fault injection on the Entra emulator's FaultPlan (matching, newest first,
 * `times`), with Keycloak's endpoint names and Keycloak-shaped status
 * replies. [guess] The replies: a 500 is Keycloak's generic error body; a
 * 503 or 429 in front of Keycloak comes from a proxy, as plain text.
 */
import type { EndpointKind, FaultPlan } from "../entra/faults.js";
import type { EntraFault } from "../entra/types.js";
import { html, json, type Reply } from "./http.js";
import { errorPage } from "./pages.js";
import type { KeycloakFault } from "./types.js";

export type { EndpointKind };

export function addFault(plan: FaultPlan, fault: KeycloakFault): void {
  const { endpoint, ...rest } = fault;
  if ((endpoint as string) === "devicecode") throw new TypeError(`fault: unknown endpoint "${endpoint}"`);
  const mapped: EntraFault = { ...rest, endpoint: endpoint === "device" ? "devicecode" : endpoint };
  plan.add(mapped);
}

export function statusFaultReply(fault: EntraFault, kind: EndpointKind): Reply | undefined {
  const retryAfter = fault.retryAfterSeconds ?? (fault.mode === "http429" ? 5 : undefined);
  const headers: Record<string, string> =
    retryAfter === undefined ? {} : { "Retry-After": String(retryAfter) };
  switch (fault.mode) {
    case "http500":
      return kind === "authorize" || kind === "other"
        ? html(500, errorPage("keycloak", "An internal server error has occurred"))
        : json(500, {
            error: "unknown_error",
            error_description: "For more on this error consult the server log.",
          });
    case "http503":
      return {
        status: 503,
        headers: { "Content-Type": "text/plain", ...headers },
        body: "Service Unavailable",
      };
    case "http429":
      return {
        status: 429,
        headers: { "Content-Type": "text/plain", ...headers },
        body: "Too Many Requests",
      };
    default:
      return undefined;
  }
}
