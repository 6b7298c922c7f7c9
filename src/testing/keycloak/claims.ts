/**
 * Token claims as Keycloak 26 writes them (docs/reference/keycloak.md §3.1–§3.3), in the
 * member order of the real dumps: access tokens (`typ: "Bearer"`) with
 * `realm_access`, `resource_access` and the audience mappers' `aud`; ID
 * tokens (`typ: "ID"`, `aud` = the client id); refresh tokens
 * (`typ: "Refresh"`, `aud` = the issuer).
 */
import { randomUUID } from "node:crypto";
import type { Core } from "./core.js";
import { realmUrl } from "./core.js";
import { type ClientRecord, effectiveRoles, type RealmRecord, type UserRecord } from "./model.js";
import type { UserSession } from "./sessions.js";

export type Claims = Record<string, unknown>;

/**
 * The grant that produced a token, as the `jti` prefix encodes it (docs/reference/keycloak.md §3.1: `ac` code, `ro` password;
 * [guess] `cc` client credentials, `dg` device, `rf` refresh).
 */
export type GrantShortcut = "ac" | "ro" | "cc" | "dg" | "rf";

export interface TokenSubject {
  readonly realm: RealmRecord;
  readonly client: ClientRecord;
  readonly user: UserRecord;
  /** Absent for client credentials (no session, so no `sid`). */
  readonly session: UserSession | undefined;
  readonly scope: string;
  readonly grant: GrantShortcut;
  /** "1" after a password check, "0" when an SSO cookie was reused. */
  readonly acr: "0" | "1";
  readonly clientAddress: string;
}

/** `onrtac:<uuid>`: online session, regular token, grant (docs/reference/keycloak.md §3.1). */
export function jti(grant: GrantShortcut): string {
  return `onrt${grant}:${randomUUID()}`;
}

function profileClaims(user: UserRecord): Claims {
  const name = [user.firstName, user.lastName].filter(Boolean).join(" ");
  return {
    email_verified: user.emailVerified,
    ...(name ? { name } : {}),
    preferred_username: user.username,
    ...(user.firstName ? { given_name: user.firstName } : {}),
    ...(user.lastName ? { family_name: user.lastName } : {}),
    ...(user.email ? { email: user.email } : {}),
  };
}

type Target = "access" | "id" | "userinfo";

/** Claims of the client's group-membership and user-attribute mappers for one kind of token. */
function mapperClaims(client: ClientRecord, user: UserRecord, target: Target): Claims {
  const claims: Claims = {};
  for (const mapper of client.mappers) {
    if (mapper.type === "audience") continue;
    const on = target === "access" ? mapper.accessToken : target === "id" ? mapper.idToken : mapper.userinfo;
    if (on === false) continue;
    if (mapper.type === "group-membership") {
      const groups = [...user.groups].map((path) =>
        mapper.fullPath === false ? (path.split("/").pop() ?? path) : path,
      );
      claims[mapper.claim ?? "groups"] = groups;
    } else {
      const value = user.attributes.get(mapper.attribute)?.[0];
      if (value !== undefined) claims[mapper.claim] = value;
    }
  }
  return claims;
}

/** Origins of `webOrigins` (`"+"` = those of the redirect URIs), for `allowed-origins`. */
function allowedOrigins(client: ClientRecord): string[] {
  const origins = new Set<string>();
  for (const entry of client.webOrigins) {
    if (entry !== "+") origins.add(entry);
    else for (const uri of client.redirectUris) origins.add(new URL(uri.replace(/\*$/, "")).origin);
  }
  return [...origins];
}

function roleClaims(subject: TokenSubject): {
  realmAccess: Claims;
  resourceAccess: Claims;
  resolved: string[];
} {
  const roles = effectiveRoles(subject.realm, subject.user);
  const resourceAccess: Claims = {};
  for (const [clientId, clientRoles] of roles.clients) resourceAccess[clientId] = { roles: clientRoles };
  // The "audience resolve" mapper: every other client the user has roles of.
  const resolved = [...roles.clients.keys()].filter((id) => id !== subject.client.clientId);
  return {
    realmAccess: roles.realm.length ? { realm_access: { roles: roles.realm } } : {},
    resourceAccess: Object.keys(resourceAccess).length ? { resource_access: resourceAccess } : {},
    resolved,
  };
}

export function accessTokenClaims(core: Core, subject: TokenSubject, iat: number): Claims {
  const { realm, client, user, session } = subject;
  const { realmAccess, resourceAccess, resolved } = roleClaims(subject);
  const mapped = client.mappers.flatMap((m) =>
    m.type === "audience" && m.accessToken !== false ? [m.audience] : [],
  );
  const audience = [...new Set([...mapped, ...resolved])];
  const origins = allowedOrigins(client);
  const serviceAccount = user.serviceAccountClientId !== undefined;
  return {
    exp: iat + realm.accessTokenLifespan,
    iat,
    ...(session ? { auth_time: session.authTime } : {}),
    jti: jti(subject.grant),
    iss: realmUrl(core, realm.name),
    ...(audience.length === 0 ? {} : { aud: audience.length === 1 ? audience[0] : audience }),
    sub: user.id,
    typ: "Bearer",
    azp: client.clientId,
    ...(session ? { sid: session.id } : {}),
    acr: subject.acr,
    ...(origins.length ? { "allowed-origins": origins } : {}),
    ...realmAccess,
    ...resourceAccess,
    scope: subject.scope,
    ...(serviceAccount ? { clientHost: subject.clientAddress } : {}),
    ...profileClaims(user),
    ...mapperClaims(client, user, "access"),
    ...(serviceAccount ? { clientAddress: subject.clientAddress, client_id: client.clientId } : {}),
  };
}

export function idTokenClaims(
  core: Core,
  subject: TokenSubject,
  iat: number,
  extra: { readonly nonce: string | undefined; readonly atHash: string },
): Claims {
  const { realm, client, user, session } = subject;
  return {
    exp: iat + realm.accessTokenLifespan,
    iat,
    ...(session ? { auth_time: session.authTime } : {}),
    jti: jti(subject.grant),
    iss: realmUrl(core, realm.name),
    aud: client.clientId,
    sub: user.id,
    typ: "ID",
    azp: client.clientId,
    ...(extra.nonce === undefined ? {} : { nonce: extra.nonce }),
    ...(session ? { sid: session.id } : {}),
    at_hash: extra.atHash,
    acr: subject.acr,
    ...profileClaims(user),
    ...mapperClaims(client, user, "id"),
  };
}

export function refreshTokenClaims(core: Core, subject: TokenSubject, iat: number, exp: number): Claims {
  const issuer = realmUrl(core, subject.realm.name);
  return {
    exp,
    iat,
    jti: jti(subject.grant),
    iss: issuer,
    aud: issuer,
    sub: subject.user.id,
    typ: "Refresh",
    azp: subject.client.clientId,
    ...(subject.session ? { sid: subject.session.id } : {}),
    scope: subject.scope,
  };
}

/** What `/userinfo` answers: `sub` plus the profile, email and mapper claims. */
export function userinfoClaims(client: ClientRecord, user: UserRecord): Claims {
  return { sub: user.id, ...profileClaims(user), ...mapperClaims(client, user, "userinfo") };
}
