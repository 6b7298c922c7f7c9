/**
 * The rules of OpenID Connect Back-Channel Logout 1.0 §2.4 and §2.6 that
 * come after the signature and the claims every token of a provider must
 * pass (issuer, audience = our client id, algorithm, time): what makes a
 * verified JWT a logout token, and not an ID token or an access token signed
 * by the same keys and replayed at the logout endpoint.
 * https://openid.net/specs/openid-connect-backchannel-1_0.html
 */
import { invalid } from "../core/errors.js";
import type { VerifiedJwt } from "./verify-jwt.js";

/** The member of `events` that says "this is a logout token" (§2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

/** What a logout token names, once it passed every rule. */
export interface LogoutTokenClaims {
  /** The provider's session id; absent when the token names every session of `sub`. */
  readonly sid: string | undefined;
  readonly sub: string | undefined;
  readonly jti: string;
  /** When the provider issued it (epoch seconds): the sessions it ends are those issued before. */
  readonly iat: number;
  /** Epoch seconds; the token is worthless after it, so its `jti` need not be remembered longer. */
  readonly exp: number;
}

/** Checks the logout-token rules on a token whose signature and claims were verified. */
export function logoutTokenClaims(verified: VerifiedJwt, provider: string): LogoutTokenClaims {
  const { header, payload } = verified;
  // §2.4: `logout+jwt` is recommended, not required — but a token typed as something else
  // (an ID token's `JWT`, an access token's `at+jwt`) is not a logout token.
  if (header.typ !== undefined && mediaType(header.typ) !== "logout+jwt") {
    throw invalid(provider, "token_type", "the token is not typed as a logout token");
  }
  const events = payload.events;
  if (typeof events !== "object" || events === null || Array.isArray(events)) {
    throw invalid(provider, "token_type", "the logout token has no events claim");
  }
  const event = (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT];
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw invalid(provider, "token_type", "the logout token's events lack the back-channel logout event");
  }
  // §2.6 step 5: a nonce makes it an ID token, which must never end anything.
  if ("nonce" in payload) throw invalid(provider, "token_type", "a logout token must not carry a nonce");
  const sid = nonEmpty(payload.sid);
  const sub = nonEmpty(payload.sub);
  if ((payload.sid !== undefined && sid === undefined) || (payload.sub !== undefined && sub === undefined)) {
    throw invalid(provider, "claims", "the logout token's sid or sub is not a string");
  }
  if (sid === undefined && sub === undefined) {
    throw invalid(provider, "claims", "the logout token names neither a session (sid) nor a person (sub)");
  }
  const jti = nonEmpty(payload.jti);
  if (jti === undefined) throw invalid(provider, "claims", "the logout token has no jti");
  if (typeof payload.iat !== "number") throw invalid(provider, "claims", "the logout token has no iat");
  if (typeof payload.exp !== "number") throw invalid(provider, "claims", "the logout token has no exp");
  return { sid, sub, jti, iat: payload.iat, exp: payload.exp };
}

/** RFC 7515 §4.1.9: compared case-insensitively, the `application/` prefix may be left out. */
function mediaType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith("application/") ? lower.slice("application/".length) : lower;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}
