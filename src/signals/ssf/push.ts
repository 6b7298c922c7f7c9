/**
 * The push route (RFC 8935): the transmitter POSTs one SET per request.
 *
 * Order of checks: who is calling (the `Authorization` header, compared in
 * constant time with each push transmitter's secret — it also says which
 * transmitter this is), then what was sent (`application/secevent+jwt`, a
 * bounded body), then the SET itself. Answers follow RFC 8935 §2.2–2.4:
 * 202 with no body on acceptance, otherwise `{"err", "description"}` JSON.
 * The description is ours; the token is never echoed.
 */

import { boundedText, discardBody } from "../../core/bounded-body.js";
import { MAX_TOKEN_LENGTH } from "../../tokens/verify-jwt.js";
import type { SetResult } from "./process.js";
import type { SecretMatcher } from "./secret.js";
import type { Transmitter } from "./transmitter.js";

/**
 * A web-standard request handler: `(request) => response`. Mount it on
 * `POST {basePath}/signals` (Express, Fastify and Hono adapters do).
 *
 * @example
 * // On any server with web-standard Request/Response (Hono, Bun, Deno, workers):
 * const route = (handler: PushHandler) => (request: Request) =>
 *   new URL(request.url).pathname === "/auth/signals" ? handler(request) : new Response(null, { status: 404 });
 */
export type PushHandler = (request: Request) => Promise<Response>;

/**
 * The error codes of RFC 8935 (§2.3, §2.4).
 *
 * @example
 * const code: PushErrorCode = "invalid_audience";
 */
export type PushErrorCode =
  | "invalid_request"
  | "invalid_key"
  | "invalid_issuer"
  | "invalid_audience"
  | "authentication_failed"
  | "access_denied";

const MEDIA_TYPE = "application/secevent+jwt";

/** Builds the handler over the receiver's transmitter lookup and SET processing. */
export function createPushHandler(
  secrets: SecretMatcher<Transmitter>,
  process: (token: string, transmitter: Transmitter) => Promise<SetResult>,
): PushHandler {
  return async (request) => {
    if (request.method !== "POST") {
      return new Response(null, { status: 405, headers: { allow: "POST" } });
    }
    const presented = request.headers.get("authorization");
    const transmitter = presented === null ? undefined : await secrets.match(presented);
    if (transmitter === undefined) {
      await discardBody(request);
      // RFC 9110 §11.6.1: a 401 names the scheme it expects.
      const answer = failure(
        401,
        "authentication_failed",
        "the Authorization header is missing or not accepted",
      );
      answer.headers.set("www-authenticate", "Bearer");
      return answer;
    }
    if (mediaType(request.headers.get("content-type")) !== MEDIA_TYPE) {
      await discardBody(request);
      return failure(400, "invalid_request", `the body must be ${MEDIA_TYPE}`);
    }
    const token = await boundedText(request, MAX_TOKEN_LENGTH);
    if (token === undefined) return failure(400, "invalid_request", "the body is too large for a SET");
    let result: SetResult;
    try {
      result = await process(token.trim(), transmitter);
    } catch {
      // An outage (keys, stream) or the session index failing: not the SET's fault, and not
      // acknowledged, so the transmitter delivers it again (RFC 8935 §2.2 leaves retries to it).
      return new Response(null, { status: 503, headers: { "retry-after": "5" } });
    }
    if (result.kind === "accepted") return new Response(null, { status: 202 });
    return failure(400, errorCodeOf(result.reason), descriptionOf(result.reason));
  };
}

/** RFC 8935 §2.4: which error code a refusal reason is reported as. */
export function errorCodeOf(reason: string): PushErrorCode {
  switch (reason) {
    case "issuer":
      return "invalid_issuer";
    case "audience":
      return "invalid_audience";
    case "signature":
    case "unknown_key":
    case "algorithm":
      return "invalid_key";
    default:
      return "invalid_request";
  }
}

/** Our own words for each refusal: never the token or its claims. */
export function descriptionOf(reason: string): string {
  const words: Record<string, string> = {
    issuer: "the SET's issuer is not this stream's transmitter",
    audience: "the SET is not addressed to this receiver",
    signature: "the SET's signature does not verify",
    unknown_key: "no published key of the transmitter matches the SET",
    algorithm: "the SET's signing algorithm is not accepted",
    token_type: "the token is not a security event token (typ)",
    replay: "this SET (jti) was already received",
    expired: "the SET is too old",
    not_yet_valid: "the SET was issued in the future",
    too_large: "the SET is too large",
  };
  return words[reason] ?? "the SET is malformed or lacks a required claim";
}

function failure(status: number, err: PushErrorCode, description: string): Response {
  return new Response(JSON.stringify({ err, description }), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

function mediaType(value: string | null): string | undefined {
  return value?.split(";")[0]?.trim().toLowerCase();
}
