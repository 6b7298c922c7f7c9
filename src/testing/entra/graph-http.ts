/**
 * Microsoft Graph's side of HTTP: its error body
 * `{"error":{"code","message","innerError":{date, request-id, client-request-id}}}`
 * (docs/reference/entra-id.md §11.1), the 429 body and headers of §11.6, and the
 * resource-unit cost header. A refusal is thrown as a `GraphProblem` and
 * rendered once, in the Graph router.
 */
import { headerValue, type Reply, type RequestContext } from "./http.js";
import { GUID } from "./ids.js";

/** `odata.metadata=minimal` JSON, as Graph labels it [guess: docs/reference/entra-id.md gives no Graph headers]. */
const GRAPH_JSON =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

export class GraphProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "GraphProblem";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function graphFail(status: number, code: string, message: string): never {
  throw new GraphProblem(status, code, message);
}

/** `client-request-id` echoes the client's when it sent a GUID, else repeats `request-id` [guess]. */
function clientRequestId(ctx: RequestContext): string {
  const sent = headerValue(ctx.headers, "client-request-id");
  return sent !== undefined && GUID.test(sent) ? sent : ctx.requestId;
}

/** `2020-08-18T12:51:51`: seconds, no zone, as in the §11.6 sample. */
function innerDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export function graphHeaders(
  ctx: RequestContext,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    "Content-Type": GRAPH_JSON,
    "Cache-Control": "no-cache",
    "Strict-Transport-Security": "max-age=31536000",
    "request-id": ctx.requestId,
    "client-request-id": clientRequestId(ctx),
    ...extra,
  };
}

export function graphJson(ctx: RequestContext, body: unknown, extra: Record<string, string> = {}): Reply {
  return { status: 200, headers: graphHeaders(ctx, extra), body: JSON.stringify(body) };
}

/** §11.1: the error envelope, `innerError` with the request's ids. */
export function graphErrorReply(ctx: RequestContext, problem: GraphProblem): Reply {
  const body = {
    error: {
      code: problem.code,
      message: problem.message,
      innerError: {
        date: innerDate(ctx.now),
        "request-id": ctx.requestId,
        "client-request-id": clientRequestId(ctx),
      },
    },
  };
  return { status: problem.status, headers: graphHeaders(ctx, problem.headers), body: JSON.stringify(body) };
}

/**
 * §11.6 verbatim: 429 `TooManyRequests`, `innerError` with `code`/`status`
 * "429"; `Retry-After` in seconds (may be fractional) unless `retryAfter` is
 * null — some identity areas send none, and clients must back off alone.
 */
export function throttledReply(
  ctx: RequestContext,
  retryAfter: number | null,
  scope: string | undefined,
): Reply {
  const body = {
    error: {
      code: "TooManyRequests",
      innerError: {
        code: "429",
        date: innerDate(ctx.now),
        message: "Please retry after",
        "request-id": ctx.requestId,
        status: "429",
      },
      message: "Please retry again later.",
    },
  };
  const headers: Record<string, string> = { "x-ms-throttle-information": "ResourceUnitLimitExceeded" };
  if (scope) headers["x-ms-throttle-scope"] = scope;
  if (retryAfter !== null) headers["Retry-After"] = String(retryAfter);
  return { status: 429, headers: graphHeaders(ctx, headers), body: JSON.stringify(body) };
}

/** What a fault's http500/http503/http429 looks like on Graph [guess: Graph's 5xx codes are not in docs/reference/entra-id.md]. */
export function graphStatusFault(ctx: RequestContext, mode: string, retryAfter: number | undefined): Reply {
  if (mode === "http429") return throttledReply(ctx, retryAfter ?? 5, undefined);
  const [status, code, message] =
    mode === "http503"
      ? [503, "serviceNotAvailable", "Service unavailable."]
      : [500, "generalException", "An internal server error occurred."];
  const headers: Record<string, string> =
    retryAfter === undefined ? {} : { "Retry-After": String(retryAfter) };
  return graphErrorReply(ctx, new GraphProblem(status, code, message, headers));
}

/**
 * Resource units of one identity request (§11.6): a base cost per kind of
 * request, −1 with `$select`, +1 with `$expand`, −1 with `$top` under 20,
 * never below 1.
 */
export function resourceUnits(base: number, query: URLSearchParams): number {
  let cost = base;
  if (query.has("$select")) cost -= 1;
  if (query.has("$expand")) cost += 1;
  const top = Number(query.get("$top"));
  if (query.has("$top") && top < 20) cost -= 1;
  return Math.max(1, cost);
}
