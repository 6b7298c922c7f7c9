/**
 * Keycloak's claims → `Principal`.
 *
 * - subject: `sub` (the user's id, immutable); tenant: the realm. `sub` is
 *   only in access tokens when the `basic` client scope is assigned (Keycloak
 *   25+), which realm imports that list their own scopes often lose.
 * - roles: realm roles as they are, client roles as `client:role` (from
 *   `realm_access.roles` and `resource_access.<client>.roles`).
 * - groups: the `groups` claim of a group-membership mapper (names or paths).
 */
import { IdSwitchError } from "../../core/errors.js";
import type { Claims, Principal } from "../../core/types.js";
import {
  type NormalizeContext,
  normalizeStandardClaims,
  stringArrayClaim,
  stringClaim,
} from "../oidc/claims.js";

/** `https://host/realms/acme` → `acme` (also under a relative path such as `/auth`). */
export function realmOf(issuer: string): string | undefined {
  const match = /\/realms\/([^/]+)\/?$/.exec(new URL(issuer).pathname);
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
}

export function keycloakRoles(claims: Claims): string[] {
  // Plain loops: this runs for every verified token.
  const roles = stringArrayClaim(objectClaim(claims.realm_access)?.roles);
  const resourceAccess = objectClaim(claims.resource_access);
  if (resourceAccess === undefined) return roles;
  for (const clientId of Object.keys(resourceAccess)) {
    const clientRoles = objectClaim(resourceAccess[clientId])?.roles;
    if (!Array.isArray(clientRoles)) continue;
    for (const role of clientRoles) if (typeof role === "string") roles.push(`${clientId}:${role}`);
  }
  return roles;
}

/** `realmOf` per configured issuer, parsed once: normalisation runs for every verified token. */
const realmByIssuer = new Map<string, string | undefined>();
const REALMS_REMEMBERED = 64;

function realmOfIssuer(issuer: string): string | undefined {
  if (realmByIssuer.has(issuer)) return realmByIssuer.get(issuer);
  const realm = realmOf(issuer);
  if (realmByIssuer.size >= REALMS_REMEMBERED) realmByIssuer.clear();
  realmByIssuer.set(issuer, realm);
  return realm;
}

export function normalizeKeycloakClaims(claims: Claims, context: NormalizeContext): Principal {
  if (!stringClaim(claims, "sub")) {
    throw new IdSwitchError(
      "token_invalid",
      `${context.provider}: token has no "sub" claim — assign the "basic" client scope to the client (Keycloak 25+)`,
      { provider: context.provider, reason: "claims" },
    );
  }
  const standard = normalizeStandardClaims(claims, context);
  return { ...standard, tenant: realmOfIssuer(context.issuer), roles: keycloakRoles(claims) };
}

/**
 * Keycloak types its tokens in a `typ` claim: "Bearer" for access tokens,
 * "ID" for ID tokens, "Refresh"/"Offline" for refresh tokens, "DPoP" for
 * access tokens bound to a key. Only "Bearer" and "DPoP" may pass as an
 * access token — an ID token has the same issuer and keys.
 */
export function rejectKeycloakNonAccessToken(claims: Claims): string | undefined {
  const typ = claims.typ;
  // "DPoP": an access token bound to a key (RFC 9449), which Keycloak types apart; its proof is the verifier's `dpop` check.
  if (typ === "Bearer" || typ === "DPoP") return undefined;
  return `a Keycloak "${typeof typ === "string" ? typ : "untyped"}" token is not an access token`;
}

function objectClaim(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
