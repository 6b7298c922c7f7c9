/**
 * Claim sets of the tokens Entra mints (docs/reference/entra-id.md §5). Claim order follows
 * real tokens: `aud, iss, iat, nbf, exp`, then alphabetical. `iat`/`nbf` lie
 * five minutes in the past, as in Microsoft's decoded samples (exp − iat =
 * 3900 s for a one-hour token, §5.3).
 */
import { createHmac } from "node:crypto";
import { type ClaimsRequest, handlesChallenges } from "./claims-request.js";
import { type Core, issuerV1, issuerV2 } from "./core.js";
import { type AppRecord, MSA_TENANT_ID, type TenantRecord, type UserRecord } from "./directory.js";
import { randomBase64Url, tokenId } from "./ids.js";
import type { Protocol } from "./protocol.js";
import { delegatedScp, GRAPH_APP_ID, type ScopeRequest } from "./scopes.js";
import type { Authentication } from "./store.js";

export type Claims = Record<string, unknown>;

const BACKDATE_SECONDS = 300;
/** Above this many groups a JWT carries an overage pointer instead (§5.4). */
export const GROUP_LIMIT = 200;

export interface Times {
  readonly iat: number;
  readonly exp: number;
}

export function times(now: number, lifetimeSeconds: number): Times {
  const seconds = Math.floor(now / 1000);
  return { iat: seconds - BACKDATE_SECONDS, exp: seconds + lifetimeSeconds };
}

/** `aud, iss, iat, nbf, exp` first, the rest alphabetical. */
export function ordered(head: { aud: string; iss: string }, at: Times, rest: Claims): Claims {
  const tail = Object.keys(rest)
    .filter((key) => rest[key] !== undefined)
    .sort()
    .map((key) => [key, rest[key]] as const);
  return { aud: head.aud, iss: head.iss, iat: at.iat, nbf: at.iat, exp: at.exp, ...Object.fromEntries(tail) };
}

/**
 * Pairwise `sub`: one value per (user, app) within a tenant (§5.2, §5.7),
 * HMAC of the tenant's secret. MSA subjects start with a run of `A`s.
 */
export function pairwiseSubject(tenant: TenantRecord, oid: string, appId: string): string {
  const mac = createHmac("sha256", tenant.pairwiseSecret).update(`${oid}|${appId}`).digest();
  return tenant.id === MSA_TENANT_ID
    ? `AAAAAAAAAAAAAAAAAAAAA${mac.subarray(0, 16).toString("base64url")}`
    : mac.toString("base64url");
}

/** Opaque claims every token carries (`aio`, `rh`, `uti`; §5.2, §12.4). */
function opaque(): Claims {
  return { aio: randomBase64Url(60), rh: `0.A${randomBase64Url(40)}.`, uti: tokenId() };
}

/**
 * `groups` only when the manifest of the app the token is for asks for them,
 * an overage pointer above 200 (§5.4). `hasgroups` is an implicit-flow
 * answer; the emulator has no implicit flow.
 */
export function groupClaims(core: Core, manifestOf: AppRecord | undefined, user: UserRecord): Claims {
  // Transitive, as Entra counts them: the same memberships Graph answers (§5.4, §11.4).
  const groups = core.graph.groups.transitiveMemberOf(user.oid);
  if (!manifestOf || manifestOf.groupMembershipClaims === "None" || groups.length === 0) return {};
  if (groups.length <= GROUP_LIMIT) return { groups };
  return {
    _claim_names: { groups: "src1" },
    _claim_sources: {
      src1: { endpoint: `https://graph.windows.net/${user.tid}/users/${user.oid}/getMemberObjects` },
    },
  };
}

/**
 * `email` from `mail` with the `email` scope; `xms_edov` says whether its
 * domain is verified in the user's tenant (MSA addresses are). Apps with
 * `removeUnverifiedEmailClaim` lose unverified addresses (§5.5, §5.7).
 */
export function emailClaims(
  tenant: TenantRecord,
  user: UserRecord,
  app: AppRecord,
  scopes: ScopeRequest,
): Claims {
  if (!user.mail || !scopes.email) return {};
  const domain = user.mail.split("@")[1]?.toLowerCase() ?? "";
  const verified = tenant.id === MSA_TENANT_ID || tenant.verifiedDomains.includes(domain);
  if (!verified && app.removeUnverifiedEmailClaim) return {};
  return { email: user.mail, xms_edov: verified };
}

/** `azpacr`/`appidacr`: "0" public client, "1" secret, "2" certificate (§5.3, §9.2). */
export type ClientAuthLevel = "0" | "1" | "2";

export interface UserTokenInput {
  readonly tenant: TenantRecord;
  readonly user: UserRecord;
  readonly client: AppRecord;
  readonly scopes: ScopeRequest;
  readonly auth: Authentication;
  readonly nonce: string | undefined;
  readonly clientAuth: ClientAuthLevel;
  readonly ipaddr: string;
  /** The `claims` parameter of the sign-in or token request: CAE capability and `nbf` demand (§8). */
  readonly claimsRequest?: ClaimsRequest;
}

/** The user's own roles of an app, and those given to a group they are a direct member of (§11.5). */
function rolesOf(core: Core, user: UserRecord, appId: string): string[] | undefined {
  const roles = new Set(user.appRoles.get(appId.toLowerCase()) ?? []);
  for (const group of core.graph.groups.memberOf(user.oid)) {
    for (const role of core.directory.groupAppRoles(group).get(appId.toLowerCase()) ?? []) roles.add(role);
  }
  return roles.size > 0 ? [...roles] : undefined;
}

/**
 * v2 ID token (§5.2): `name`, `preferred_username` and `oid` need `profile`.
 * From the v1 endpoint a v1 ID token (§1.5): `iss` on the v1 base, `ver`
 * 1.0, and the v1-only claims (`unique_name`, `amr`, `upn`, `family_name`,
 * `given_name`, `ipaddr`, §5.2 last row) instead of `preferred_username`.
 */
export function idTokenClaims(core: Core, input: UserTokenInput, at: Times, protocol: Protocol = 2): Claims {
  const { tenant, user, client, scopes } = input;
  if (protocol === 1) {
    return ordered({ aud: client.clientId, iss: issuerV1(core, tenant.id) }, at, {
      ...opaque(),
      ...emailClaims(tenant, user, client, scopes),
      ...groupClaims(core, client, user),
      ...v1UserClaims(user, input),
      name: user.displayName,
      nonce: input.nonce,
      oid: user.oid,
      roles: rolesOf(core, user, client.clientId),
      sid: input.auth.sid,
      sub: pairwiseSubject(tenant, user.oid, client.clientId),
      tid: tenant.id,
      ver: "1.0",
    });
  }
  return ordered({ aud: client.clientId, iss: issuerV2(core, tenant.id) }, at, {
    ...opaque(),
    ...emailClaims(tenant, user, client, scopes),
    ...groupClaims(core, client, user),
    name: scopes.profile ? user.displayName : undefined,
    nonce: input.nonce,
    oid: scopes.profile ? user.oid : undefined,
    preferred_username: scopes.profile ? user.upn : undefined,
    roles: rolesOf(core, user, client.clientId),
    sid: input.auth.sid,
    sub: pairwiseSubject(tenant, user.oid, client.clientId),
    tid: tenant.id,
    ver: "2.0",
  });
}

/** Delegated access token for a registered API, v1 or v2 by the API's `accessTokenVersion` (§1.5, §5.3). */
export function delegatedAccessClaims(
  core: Core,
  input: UserTokenInput,
  api: { readonly app: AppRecord; readonly requestedAs: string },
  at: Times,
): Claims {
  const { tenant, user, client } = input;
  const common = {
    ...opaque(),
    ...groupClaims(core, api.app, user),
    name: user.displayName,
    oid: user.oid,
    roles: rolesOf(core, user, api.app.clientId),
    scp: delegatedScp(input.scopes),
    sub: pairwiseSubject(tenant, user.oid, api.app.clientId),
    tid: tenant.id,
    // [simplification] every API of the emulator asks for the `xms_cc` optional claim (§5.5, §8.2).
    xms_cc: input.claimsRequest && handlesChallenges(input.claimsRequest) ? ["cp1"] : undefined,
  };
  if (api.app.accessTokenVersion === 2) {
    return ordered({ aud: api.app.clientId, iss: issuerV2(core, tenant.id) }, at, {
      ...common,
      azp: client.clientId,
      azpacr: input.clientAuth,
      preferred_username: user.upn,
      ver: "2.0",
    });
  }
  // v1: `aud` is the identifier as requested (App ID URI or GUID, §5.3).
  return ordered({ aud: api.requestedAs, iss: issuerV1(core, tenant.id) }, at, {
    ...common,
    ...v1UserClaims(user, input),
    appid: client.clientId,
    appidacr: input.clientAuth,
    ver: "1.0",
  });
}

function v1UserClaims(user: UserRecord, input: UserTokenInput): Claims {
  return {
    acr: "1",
    amr: ["pwd"],
    family_name: user.surname,
    given_name: user.givenName,
    ipaddr: input.ipaddr,
    unique_name: user.upn,
    upn: user.upn,
  };
}

/**
 * A Microsoft Graph token: Graph's own v1-style format, not meant for
 * third parties (§5.6). Minted when a request names no resource of ours.
 */
export function graphAccessClaims(core: Core, input: UserTokenInput, at: Times): Claims {
  const { tenant, user, client } = input;
  return ordered({ aud: GRAPH_APP_ID, iss: issuerV1(core, tenant.id) }, at, {
    ...opaque(),
    ...v1UserClaims(user, input),
    app_displayname: client.displayName,
    appid: client.clientId,
    appidacr: input.clientAuth,
    idtyp: "user",
    name: user.displayName,
    oid: user.oid,
    scp: delegatedScp(input.scopes),
    sub: pairwiseSubject(tenant, user.oid, GRAPH_APP_ID),
    tid: tenant.id,
    ver: "1.0",
  });
}

/**
 * App-only (client credentials) token (§5.3): no `scp`; `roles` = granted
 * application permissions; `sub` = `oid` = the client's service principal
 * in this tenant; `idtyp: "app"`.
 */
export function appAccessClaims(
  core: Core,
  tenant: TenantRecord,
  client: { readonly app: AppRecord; readonly clientAuth: ClientAuthLevel },
  api: { readonly app: AppRecord; readonly requestedAs: string },
  at: Times,
): Claims {
  const { app, clientAuth } = client;
  const principal = core.directory.servicePrincipalId(app, tenant.id);
  const roles = core.directory.grantedAppRoles(app.clientId, api.app.clientId);
  const common = {
    ...opaque(),
    idtyp: "app",
    oid: principal,
    roles: roles.length > 0 ? roles : undefined,
    sub: principal,
    tid: tenant.id,
  };
  if (api.app.accessTokenVersion === 2) {
    return ordered({ aud: api.app.clientId, iss: issuerV2(core, tenant.id) }, at, {
      ...common,
      azp: app.clientId,
      azpacr: clientAuth,
      ver: "2.0",
    });
  }
  const iss = issuerV1(core, tenant.id);
  return ordered({ aud: api.requestedAs, iss }, at, {
    ...common,
    appid: app.clientId,
    appidacr: clientAuth,
    idp: iss,
    ver: "1.0",
  });
}
