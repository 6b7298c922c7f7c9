/**
 * Fault injection: what a test asked to go wrong, matched per endpoint,
 * newest first, for `times` requests (or until cleared). The replies of the
 * status faults are Entra-shaped (§6.1: 5xx transient, 429 + `Retry-After`);
 * the transport faults (refused, hang, truncated) are applied by the server.
 */
import type { Core } from "./core.js";
import { describeProblem, EntraProblem, pageErrorOf, problemJson } from "./errors.js";
import { graphStatusFault } from "./graph-http.js";
import { html, type Reply, type RequestContext } from "./http.js";
import { errorPage } from "./pages.js";
import type { EntraFault, EntraFaultEndpoint } from "./types.js";

export type EndpointKind = Exclude<EntraFaultEndpoint, "all"> | "other";

const MODES = new Set([
  "refused",
  "http500",
  "http503",
  "http429",
  "hang",
  "slow",
  "malformed_json",
  "truncated",
]);
const ENDPOINTS = new Set(["discovery", "jwks", "token", "authorize", "devicecode", "graph", "all"]);

export class FaultPlan {
  #faults: { readonly fault: EntraFault; remaining: number }[] = [];

  add(fault: EntraFault): void {
    if (!ENDPOINTS.has(fault.endpoint)) throw new TypeError(`fault: unknown endpoint "${fault.endpoint}"`);
    if (!MODES.has(fault.mode)) throw new TypeError(`fault: unknown mode "${fault.mode}"`);
    const times = fault.times ?? Number.POSITIVE_INFINITY;
    if (!(times > 0)) throw new TypeError("fault: times must be a positive number");
    this.#faults.unshift({ fault, remaining: times });
  }

  clear(): void {
    this.#faults = [];
  }

  /** The fault for one request to `kind`, counted against its `times`. */
  take(kind: EndpointKind): EntraFault | undefined {
    const entry = this.#faults.find(({ fault }) => fault.endpoint === "all" || fault.endpoint === kind);
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== entry);
    return entry.fault;
  }
}

const STATUS_FAULTS = {
  http500: "server_error",
  http503: "temporarily_unavailable",
  http429: "throttled",
} as const;

/** The answer of an http500/http503/http429 fault, or `undefined` for other modes. */
export function statusFaultReply(
  core: Core,
  ctx: RequestContext,
  fault: EntraFault,
  kind: EndpointKind,
): Reply | undefined {
  if (!(fault.mode in STATUS_FAULTS)) return undefined;
  const retryAfter = fault.retryAfterSeconds ?? (fault.mode === "http429" ? 5 : undefined);
  if (kind === "graph") return graphStatusFault(ctx, fault.mode, retryAfter);
  const situation = STATUS_FAULTS[fault.mode as keyof typeof STATUS_FAULTS];
  const problem = new EntraProblem(
    situation,
    retryAfter === undefined ? {} : { retryAfter: String(retryAfter) },
  );
  if (kind !== "authorize" && kind !== "other") return problemJson(core.config, ctx, problem);
  const status = describeProblem(core.config, ctx, problem).status;
  const extra: Record<string, string> = retryAfter === undefined ? {} : { "Retry-After": String(retryAfter) };
  return html(status, errorPage(pageErrorOf(core.config, ctx, problem)), ctx, extra);
}

/** A 200 that claims JSON and is not: the real body with a dangling comma. */
export function malformedReply(reply: Reply): Reply {
  const body = reply.body.trimStart().startsWith("{") ? reply.body.replace(/}\s*$/, ",}") : `{"${reply.body}`;
  return {
    status: 200,
    headers: { ...reply.headers, "Content-Type": "application/json; charset=utf-8" },
    body,
  };
}
