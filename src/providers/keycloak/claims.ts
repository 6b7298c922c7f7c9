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
  const realmRoles = stringArrayClaim(objectClaim(claims.realm_access)?.roles);
  const clientRoles = Object.entries(objectClaim(claims.resource_access) ?? {}).flatMap(
    ([clientId, access]) => stringArrayClaim(objectClaim(access)?.roles).map((role) => `${clientId}:${role}`),
  );
  return [...realmRoles, ...clientRoles];
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
  return { ...standard, tenant: realmOf(context.issuer), roles: keycloakRoles(claims) };
}

/**
 * Keycloak types its tokens in a `typ` claim: "Bearer" for access tokens,
 * "ID" for ID tokens, "Refresh"/"Offline" for refresh tokens. Only "Bearer"
 * may pass as an access token — an ID token has the same issuer and keys.
 */
export function rejectKeycloakNonAccessToken(claims: Claims): string | undefined {
  const typ = claims.typ;
  if (typ === "Bearer") return undefined;
  return `a Keycloak "${typeof typ === "string" ? typ : "untyped"}" token is not an access token`;
}

function objectClaim(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
