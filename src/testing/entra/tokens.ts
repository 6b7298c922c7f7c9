/**
 * Signing and the token endpoint's success bodies (docs/reference/entra-id.md §3.2, §5.1).
 * Headers are `{"typ":"JWT","alg":"RS256"}` plus `x5t` (v1 tokens only) and
 * `kid`, where `kid` = `x5t` = the certificate thumbprint.
 */
import { createHash, randomInt } from "node:crypto";
import { base64url, CompactSign, SignJWT } from "jose";
import {
  appAccessClaims,
  type Claims,
  type ClientAuthLevel,
  delegatedAccessClaims,
  graphAccessClaims,
  idTokenClaims,
  type Times,
  times,
  type UserTokenInput,
} from "./claims.js";
import { handlesChallenges } from "./claims-request.js";
import type { Core } from "./core.js";
import { type AppRecord, MSA_TENANT_ID, type TenantRecord, type UserRecord } from "./directory.js";
import { fail } from "./errors.js";
import { randomBase64Url } from "./ids.js";
import type { SigningKey } from "./keys.js";
import { type Protocol, resourceLabel, v1TokenBody } from "./protocol.js";
import { delegatedScp, grantedScope, type Resource } from "./scopes.js";
import type { RefreshGrant } from "./store.js";

const ID_TOKEN_SECONDS = 3600; // §3.4

function signingKey(core: Core, tid: string): Promise<SigningKey> {
  return tid === MSA_TENANT_ID ? core.keys.msaKey() : core.keys.workSigner();
}

export async function signJwt(core: Core, tid: string, claims: Claims, v1: boolean): Promise<string> {
  const key = await signingKey(core, tid);
  const header = v1
    ? { typ: "JWT", alg: "RS256", x5t: key.kid, kid: key.kid }
    : { typ: "JWT", alg: "RS256", kid: key.kid };
  return new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
}

/**
 * Graph tokens carry a `nonce` in the header, and the signature covers a
 * header holding the nonce's SHA-256 instead — so standard JWT libraries
 * report a bad signature, as they do on real Graph tokens (§5.6).
 */
export async function signGraphJwt(core: Core, tid: string, claims: Claims): Promise<string> {
  const key = await signingKey(core, tid);
  const nonce = randomBase64Url(48);
  const hashed = createHash("sha256").update(nonce).digest("base64url");
  const payload = new TextEncoder().encode(JSON.stringify(claims));
  const signed = await new CompactSign(payload)
    .setProtectedHeader({ typ: "JWT", nonce: hashed, alg: "RS256", x5t: key.kid, kid: key.kid })
    .sign(key.privateKey);
  const shown = base64url.encode(
    JSON.stringify({ typ: "JWT", nonce, alg: "RS256", x5t: key.kid, kid: key.kid }),
  );
  return `${shown}.${signed.split(".").slice(1).join(".")}`;
}

/**
 * Random 60–90 minutes like Entra (§3.4), unless the emulator fixes it;
 * 20–28 hours for a client that handles CAE challenges (`cp1`, §3.4, §8.2).
 */
export function accessTokenSeconds(core: Core, input?: UserTokenInput): number {
  const fixed = core.config.accessTokenLifetimeSeconds;
  if (fixed !== undefined) return fixed;
  if (input?.claimsRequest && handlesChallenges(input.claimsRequest))
    return randomInt(20 * 3600, 28 * 3600 + 1);
  return randomInt(3600, 5401);
}

/**
 * A CAE challenge's `nbf` demand (§8.3): the token may not start before the
 * event it answers, so the usual five-minute backdating stops there.
 */
function notBefore(at: Times, demanded: number | undefined, nowMs: number): Times {
  if (demanded === undefined || demanded <= at.iat) return at;
  return { ...at, iat: Math.min(demanded, Math.floor(nowMs / 1000)) };
}

/** The resource must be usable in the token's tenant: 500011 when absent, 500014 when disabled (§6.4). */
export function requireResourceIn(core: Core, resource: Resource, tenant: TenantRecord): void {
  if (resource.kind === "graph") return;
  const app = core.directory.appIn(resource.app.clientId, tenant.id);
  const name = resource.requestedAs;
  if (!app || app.state === "deleted") fail("resource_not_found", { resource: name, tenant: tenant.domain });
  if (app.state === "disabled") fail("resource_disabled", { resource: name });
}

/** The user's current revocation epochs, stamped on a new refresh token (§7). */
export function epochsOf(user: UserRecord): RefreshGrant["epochs"] {
  return { all: user.revocation.epoch, public: user.publicRevocation.epoch };
}

export interface UserGrant extends UserTokenInput {
  readonly clientInfo: boolean;
  /** The endpoint's generation: shapes the body and the ID token, never the access token (§1.5). */
  readonly protocol: Protocol;
}

async function mintAccessToken(core: Core, input: UserTokenInput, lifetime: number): Promise<string> {
  const at = notBefore(times(core.now(), lifetime), input.claimsRequest?.nbfAtLeast, core.now());
  const resource = input.scopes.resource;
  if (resource.kind === "graph") {
    return signGraphJwt(core, input.tenant.id, graphAccessClaims(core, input, at));
  }
  const claims = delegatedAccessClaims(core, input, resource, at);
  return signJwt(core, input.tenant.id, claims, resource.app.accessTokenVersion === 1);
}

/**
 * A v2 success body for a user grant (§3.2): integer `expires_in` and
 * `ext_expires_in`; `refresh_token` only with `offline_access`, `id_token`
 * only with `openid`, `client_info` only when asked (`client_info=1`).
 * On the v1 endpoint the same tokens in the v1 body (§3.3), with a v1 ID
 * token (§1.5: the ID token follows the endpoint) and `scope` = the
 * delegated permissions granted (`user_impersonation`) [guess: §3.3's
 * sample shows a URL-encoded v2-style scope].
 */
export async function userTokenResponse(
  core: Core,
  grant: UserGrant,
  issueRefreshToken: () => string,
): Promise<Record<string, unknown>> {
  requireResourceIn(core, grant.scopes.resource, grant.tenant);
  const lifetime = accessTokenSeconds(core, grant);
  const body: Record<string, unknown> = {
    token_type: "Bearer",
    scope: grantedScope(grant.scopes),
    expires_in: lifetime - 1,
    ext_expires_in: lifetime - 1,
    access_token: await mintAccessToken(core, grant, lifetime),
  };
  if (grant.scopes.offlineAccess) body.refresh_token = issueRefreshToken();
  if (grant.scopes.openid) {
    const claims = idTokenClaims(core, grant, times(core.now(), ID_TOKEN_SECONDS), grant.protocol);
    body.id_token = await signJwt(core, grant.tenant.id, claims, grant.protocol === 1);
  }
  if (grant.protocol === 1) {
    const { resource } = grant.scopes;
    return v1TokenBody(body, resourceLabel(resource), delegatedScp(grant.scopes), core.now());
  }
  if (grant.clientInfo) {
    body.client_info = base64url.encode(JSON.stringify({ uid: grant.user.oid, utid: grant.tenant.id }));
  }
  return body;
}

/**
 * Client credentials (§3.2): exactly `token_type`, `expires_in`,
 * `ext_expires_in`, `access_token`; on v1 the §3.3 shape without the user
 * fields (`scope`, `refresh_token`, `id_token`) [guess: §3.3 shows a user
 * grant only].
 */
export async function appTokenResponse(
  core: Core,
  tenant: TenantRecord,
  client: { readonly app: AppRecord; readonly clientAuth: ClientAuthLevel },
  api: { readonly app: AppRecord; readonly requestedAs: string },
  protocol: Protocol,
): Promise<Record<string, unknown>> {
  const lifetime = accessTokenSeconds(core);
  const claims = appAccessClaims(core, tenant, client, api, times(core.now(), lifetime));
  const body = {
    token_type: "Bearer",
    expires_in: lifetime - 1,
    ext_expires_in: lifetime - 1,
    access_token: await signJwt(core, tenant.id, claims, api.app.accessTokenVersion === 1),
  };
  return protocol === 1 ? v1TokenBody(body, api.requestedAs, undefined, core.now()) : body;
}
