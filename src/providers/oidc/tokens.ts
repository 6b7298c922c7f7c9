/** The token endpoint's answer → our `TokenSet` (epoch-second expiry, no helper methods). */
import type { TokenEndpointResponse } from "openid-client";
import type { TokenSet } from "../../core/types.js";
import { idTokenOf } from "./held-id-token.js";

export function toTokenSet(response: TokenEndpointResponse, nowMs: number, previous?: TokenSet): TokenSet {
  const expiresIn = response.expires_in;
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    expiresAt: typeof expiresIn === "number" ? Math.floor(nowMs / 1000) + expiresIn : undefined,
    // RFC 6749 §6: a refresh response may omit the refresh token; the old one stays valid then.
    refreshToken: response.refresh_token ?? previous?.refreshToken,
    idToken: idTokenOf(response) ?? previous?.idToken,
    scope: response.scope ?? previous?.scope,
  };
}
