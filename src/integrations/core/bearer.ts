/**
 * Bearer-token checks for APIs (RFC 6750): the token is verified by the
 * provider that issued it (the facade picks it by `iss`), and every failure
 * is answered with the status and `WWW-Authenticate` challenge the RFC
 * names. The token itself is never echoed, logged or put in a message.
 */
import type { Principal } from "idswitch";
import { IdSwitchError } from "idswitch";
import { json, type WebResponse } from "./http.js";
import { type BearerOptions, type BearerOptionsInput, bearerOptionsSchema, parseOptions } from "./options.js";

export type BearerOutcome = { readonly principal: Principal } | { readonly response: WebResponse };

/** RFC 6750 §2.1: `Bearer` then a b64token. Anything else is a malformed request, not a bad token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** Fixed words per failure: an `error_description` must never carry the token or a provider's text. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  expired: "the token has expired",
  not_yet_valid: "the token is not valid yet",
  issuer: "the token issuer is not accepted",
  audience: "the token is not meant for this API",
  signature: "the token signature is invalid",
  algorithm: "the token algorithm is not accepted",
  unknown_key: "the token was signed by an unknown key",
};

export class BearerAuth {
  readonly options: BearerOptions;

  constructor(input: BearerOptionsInput, what: string) {
    this.options = parseOptions(bearerOptionsSchema, input, what);
  }

  /** Verifies the `Authorization` header; the answer to send when it does not pass. */
  async verify(authorization: string | undefined): Promise<BearerOutcome> {
    if (!authorization) return { response: this.#challenge(401, undefined) };
    const match = BEARER.exec(authorization.trim());
    if (!match?.[1]) {
      // Another scheme (Basic…) gets the plain challenge; a broken Bearer header is a bad request.
      const bearer = /^Bearer\b/i.test(authorization.trim());
      return { response: this.#challenge(bearer ? 400 : 401, bearer ? "invalid_request" : undefined) };
    }
    let principal: Principal;
    try {
      principal = await this.options.identity.verifyAccessToken(match[1], {
        audience: this.options.audience,
      });
    } catch (error) {
      return { response: this.#failure(error) };
    }
    // Scopes are checked here, not in verification, to tell "who are you" (401) from "not allowed" (403).
    const required = this.options.requiredScopes ?? [];
    const missing = required.filter((s) => !principal.scopes.includes(s));
    if (missing.length > 0)
      return { response: this.#challenge(403, "insufficient_scope", undefined, required) };
    return { principal };
  }

  #failure(error: unknown): WebResponse {
    if (!(error instanceof IdSwitchError)) throw error;
    if (error.code === "provider_unavailable") {
      // The issuer's keys cannot be fetched: not the caller's fault, retry later.
      const retryAfter = String(Math.ceil(error.retryAfter ?? 30));
      return json(503, { error: "temporarily_unavailable" }, [["Retry-After", retryAfter]]);
    }
    return this.#challenge(401, "invalid_token", DESCRIPTIONS[error.reason ?? ""] ?? "the token is invalid");
  }

  #challenge(
    status: number,
    error: string | undefined,
    description?: string,
    scopes?: readonly string[],
  ): WebResponse {
    const params: string[] = [];
    if (this.options.realm !== undefined) params.push(`realm="${this.options.realm}"`);
    if (error) params.push(`error="${error}"`);
    if (description) params.push(`error_description="${description}"`);
    if (scopes && scopes.length > 0) params.push(`scope="${scopes.join(" ")}"`);
    const challenge = params.length > 0 ? `Bearer ${params.join(", ")}` : "Bearer";
    const body = error
      ? { error, ...(description ? { error_description: description } : {}) }
      : { error: "unauthorized" };
    return json(status, body, [["WWW-Authenticate", challenge]]);
  }
}
