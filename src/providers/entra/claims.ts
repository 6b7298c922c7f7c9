/**
 * Entra ID claims → `Principal` (docs/reference/entra-id.md §5).
 *
 * - subject: `oid` within tenant `tid` — never `sub` (pairwise per app, so
 *   useless across apps), never `email`/`upn`/`preferred_username` (mutable;
 *   keying on them is the nOAuth takeover, §5.7).
 * - email is verified only with `xms_edov: true` (domain owner verified).
 * - scopes from `scp`; roles from `roles`; groups from `groups` (absent on
 *   overage: `_claim_names.groups` is then set, and the claims keep it).
 */
import { IdSwitchError } from "../../core/errors.js";
import type { Claims, Principal } from "../../core/types.js";
import { type NormalizeContext, scopesOf, stringArrayClaim, stringClaim } from "../oidc/claims.js";

export function normalizeEntraClaims(claims: Claims, context: NormalizeContext): Principal {
  const oid = stringClaim(claims, "oid");
  const tid = stringClaim(claims, "tid");
  if (!oid || !tid) {
    throw new IdSwitchError(
      "token_invalid",
      `${context.provider}: token has no "oid"/"tid" (is the profile scope granted?)`,
      {
        provider: context.provider,
        reason: "claims",
      },
    );
  }
  const exp = claims.exp;
  return {
    provider: context.provider,
    issuer: typeof claims.iss === "string" ? claims.iss : context.issuer,
    subject: oid,
    tenant: tid,
    email: stringClaim(claims, "email"),
    emailVerified: claims.xms_edov === true && stringClaim(claims, "email") !== undefined,
    name: stringClaim(claims, "name"),
    username:
      stringClaim(claims, "preferred_username") ??
      stringClaim(claims, "upn") ??
      stringClaim(claims, "unique_name"),
    roles: stringArrayClaim(claims.roles),
    groups: stringArrayClaim(claims.groups),
    scopes: scopesOf(claims),
    expiresAt: typeof exp === "number" ? exp : undefined,
    claims,
  };
}

/**
 * True when Entra left the groups out for being too many (§5.4): resolve them through Graph.
 *
 * @example
 * // Over 200 groups the token lists none: deciding on `principal.groups` alone would deny wrongly.
 * let principal = await entra.verifyAccessToken(bearer, { audience: "api://orders" });
 * if (hasGroupsOverage(principal.claims)) principal = await entra.resolveGroups(principal);
 */
export function hasGroupsOverage(claims: Claims): boolean {
  const names = claims._claim_names;
  return (typeof names === "object" && names !== null && "groups" in names) || claims.hasgroups === true;
}

/**
 * The claims that name the client a token was issued to, one of which a
 * token with several audiences must carry: `azp` (v2 tokens), `appid` (v1
 * tokens), and RFC 9068's `client_id`.
 */
export const ENTRA_AUTHORIZED_PARTY_CLAIMS: readonly string[] = ["azp", "appid", "client_id"];

/**
 * Entra types both ID and access tokens `JWT`. Access tokens name the
 * client that asked for them (`azp` in v2, `appid` in v1); ID tokens do not,
 * and carry the sign-in `nonce`. Graph's own tokens carry a `nonce` header
 * and are not for third parties to verify (§5.6).
 */
export function rejectEntraNonAccessToken(
  claims: Claims,
  header: Readonly<Record<string, unknown>>,
): string | undefined {
  if ("nonce" in header) return "a Microsoft Graph token is not for this API";
  if ("nonce" in claims) return "an ID token is not an access token";
  if (!stringClaim(claims, "azp") && !stringClaim(claims, "appid"))
    return "an ID token is not an access token";
  return undefined;
}
