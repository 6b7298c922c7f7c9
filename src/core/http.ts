/**
 * The one network choke point: every request a provider makes (discovery,
 * token endpoint, JWKS, admin API) goes through `guardedFetch`, which gives it
 * a time budget and turns "the provider is not answering properly" into
 * `provider_unavailable`. Everything below HTTP (refused, reset, DNS, timeout)
 * and every 5xx/429 is an outage; 4xx answers go back to the caller, because
 * they are the provider *deciding* something (a denial), which is never an
 * outage.
 */
import { IdSwitchError } from "./errors.js";
import type { FetchLike, Runtime } from "./runtime.js";

export function guardedFetch(runtime: Runtime, provider: string): FetchLike {
  return async (input, init = {}) => {
    const where = describeTarget(input);
    const timeout = AbortSignal.timeout(runtime.timeoutMs);
    const callerSignal = init.signal ?? undefined;
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    let response: Response;
    try {
      response = await runtime.fetch(input, { ...init, signal });
    } catch (err) {
      // A caller that cancels (device polling stopped, request aborted) is not an outage.
      if (callerSignal?.aborted && !timeout.aborted) throw err;
      const connect = timeout.aborted ? undefined : connectTimeoutOf(err);
      const reason = timeout.aborted ? "timeout" : connect ? "connect_timeout" : "network";
      const budget = connect?.timeoutMs ?? runtime.connectTimeoutMs;
      const what =
        reason === "timeout"
          ? `no answer within ${runtime.timeoutMs} ms`
          : reason === "connect_timeout"
            ? budget === undefined
              ? "not reachable (connect timed out)"
              : `not reachable within ${budget} ms`
            : "unreachable";
      throw new IdSwitchError("provider_unavailable", `${provider}: ${where} ${what}`, {
        provider,
        reason,
        cause: err,
      });
    }
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel().catch(() => {});
      const rateLimited = response.status === 429;
      throw new IdSwitchError(
        "provider_unavailable",
        `${provider}: ${where} answered HTTP ${response.status}`,
        {
          provider,
          reason: rateLimited ? "rate_limited" : "server_error",
          retryAfter: parseRetryAfter(response.headers.get("retry-after"), runtime.now()),
          cause: { status: response.status },
        },
      );
    }
    return response;
  };
}

/**
 * The connect timeout `err` reports, if it is one: `nodeFetch()`'s `ConnectTimeoutError` (code
 * `IDSWITCH_CONNECT_TIMEOUT`, with its budget) or undici's (Node's global fetch gives up connecting after
 * its own 10 s: `UND_ERR_CONNECT_TIMEOUT`, the cause of its "fetch failed"). Matched by code, not class:
 * the error may come from another copy of the library or from the platform.
 */
export function connectTimeoutOf(err: unknown): { timeoutMs: number | undefined } | undefined {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const { code, timeoutMs } = e as { code?: unknown; timeoutMs?: unknown };
    if (code === "IDSWITCH_CONNECT_TIMEOUT" || code === "UND_ERR_CONNECT_TIMEOUT") {
      return { timeoutMs: typeof timeoutMs === "number" ? timeoutMs : undefined };
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Origin and path only: query strings can carry codes or tokens. */
function describeTarget(input: string | URL | Request): string {
  try {
    const url = new URL(input instanceof Request ? input.url : input);
    return `${url.origin}${url.pathname}`;
  } catch {
    return "request";
  }
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date. Returns seconds, or undefined. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  // Whole seconds per RFC 9110; Microsoft Graph sends fractions ("2.128"): round up, never wait less.
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}
