/**
 * JSON over the transmitter's endpoints, with one translation of failures:
 * an outage (network, timeout, 5xx, 429 — already classified by the guarded
 * fetch) stays `provider_unavailable`; any other answer that is not what the
 * protocol says becomes `provider_unavailable` with reason
 * `unexpected_response` (a 4xx: the transmitter refused our request, which
 * is a setup problem to fix, never an outage to fail over from). The error
 * keeps the transmitter's `error`/`error_description`, never a token.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { FetchLike } from "../../core/runtime.js";

/** One call to a transmitter endpoint. */
export interface JsonRequest {
  readonly method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  readonly url: string;
  readonly body?: unknown;
  readonly bearer?: string | undefined;
  /** What the call is, for the error message ("stream creation"). */
  readonly what: string;
}

/** Sends `request`; resolves to the parsed JSON answer, or undefined for an empty one (204). */
export async function requestJson(
  fetch: FetchLike,
  provider: string,
  request: JsonRequest,
): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  if (request.bearer !== undefined) headers.authorization = `Bearer ${request.bearer}`;
  const response = await fetch(request.url, {
    method: request.method,
    headers,
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    redirect: "manual",
  });
  const text = await response.text();
  if (!response.ok) throw refused(provider, request.what, response.status, text);
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new IdSwitchError(
      "provider_unavailable",
      `${provider}: ${request.what} answered with invalid JSON`,
      {
        provider,
        reason: "malformed_response",
        cause: err,
      },
    );
  }
}

function refused(provider: string, what: string, status: number, text: string): IdSwitchError {
  const answer = oauthError(text);
  const said = answer.error === undefined ? "" : ` (${answer.error})`;
  return new IdSwitchError("provider_unavailable", `${provider}: ${what} answered HTTP ${status}${said}`, {
    provider,
    reason: "unexpected_response",
    retryable: false,
    cause: { status, ...answer },
  });
}

/** The RFC 6749 §5.2-style `error` / `error_description` of an answer, when it has them. */
function oauthError(text: string): { error?: string; description?: string } {
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body !== "object" || body === null) return {};
    const { error, error_description: description } = body as Record<string, unknown>;
    return {
      ...(typeof error === "string" ? { error } : {}),
      ...(typeof description === "string" ? { description } : {}),
    };
  } catch {
    return {};
  }
}

/** `provider_unavailable` / `malformed_response`: the answer lacks what the protocol requires. */
export function malformed(provider: string, message: string): IdSwitchError {
  return new IdSwitchError("provider_unavailable", `${provider}: ${message}`, {
    provider,
    reason: "malformed_response",
  });
}
