/**
 * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with `requested_token_use=on_behalf_of`
 * (docs/reference/entra-id.md §3.5): a confidential middle-tier API trades the access token it was called
 * with (`assertion`) for a token to a downstream API, for the same user. Refusals come in this order:
 *
 * 1. the request: `requested_token_use` (900144), `assertion` (900144), `scope` (900144);
 * 2. the middle tier's own credentials (§9), which it must have (7000218);
 * 3. the assertion: a JWT (50013), issued to the middle tier itself — `aud` its client id or App ID URI
 *    (500131) —, signed by a key the emulator publishes (50013), unexpired (500133), a user's token;
 * 4. the user and tenant as any grant checks them (§6.4), the downstream API in the tenant (500011);
 * 5. consent of the middle tier to the downstream scopes (65001);
 * 6. Conditional Access on the downstream API: MFA (50076 with a `claims` challenge).
 */
import { createPublicKey } from "node:crypto";
import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload } from "jose";
import { parseClaimsRequest } from "./claims-request.js";
import { type AuthenticatedClient, authenticateClient } from "./client-auth.js";
import type { Core } from "./core.js";
import type { AppRecord, Authority } from "./directory.js";
import { fail } from "./errors.js";
import { clientTenantOf, type Grant, userForToken, wantsClientInfo } from "./grant-support.js";
import { dotnetIso, guid } from "./ids.js";
import { requestedScopes, resourceParameter } from "./protocol.js";
import type { ScopeRequest } from "./scopes.js";
import { authorityLabel, resourceId } from "./sign-in.js";
import type { Authentication } from "./store.js";
import { epochsOf, requireResourceIn, userTokenResponse } from "./tokens.js";

export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const ON_BEHALF_OF = "on_behalf_of";

export const onBehalfOfGrant: Grant = async (core, ctx, authority, _telemetry, protocol) => {
  const use = ctx.form.get("requested_token_use");
  if (!use) fail("missing_parameter", { name: "requested_token_use" });
  // [guess] another value: the request is malformed (§3.5 has no published answer for it).
  if (use !== ON_BEHALF_OF) fail("invalid_request");
  const assertion = ctx.form.get("assertion");
  if (!assertion) fail("missing_parameter", { name: "assertion" });
  const requested = requestedScopes((name) => ctx.form.get(name) ?? undefined, core.directory, protocol);
  if (!requested) fail("missing_parameter", { name: resourceParameter(protocol) });

  // [guess] on `/common` or `/organizations` the user's tenant is the assertion's `tid`.
  const client = await authenticateClient(core, ctx, clientTenantOf(authority), authorityLabel(authority));
  // Only a confidential client may act on a user's behalf (§3.5: `client_secret` or `client_assertion`).
  if (client.clientAuth === "0") fail("secret_missing", { clientId: client.app.clientId });

  const claims = await verifiedAssertion(core, assertion, client.app, authority, ctx.now);
  const auth = authenticationOf(claims);
  const { user, tenant } = userForToken(core, auth, requested.resource);
  requireResourceIn(core, requested.resource, tenant);
  const scopes = consentedScopes(core, client, requested);
  requireConditionalAccess(core, requested, tenant.domain);

  const claimsRequest = parseClaimsRequest(ctx.form.get("claims") ?? undefined);
  if (!claimsRequest) fail("invalid_request");
  return userTokenResponse(
    core,
    {
      tenant,
      user,
      client: client.app,
      scopes,
      auth,
      nonce: undefined,
      clientAuth: client.clientAuth,
      ipaddr: ctx.remoteAddress,
      clientInfo: wantsClientInfo(ctx),
      claimsRequest,
      protocol,
    },
    // With `offline_access` the middle tier gets a refresh token of its own for the downstream API (§3.5).
    () =>
      core.store.issueRefreshToken({
        clientId: client.app.clientId,
        auth,
        scopes,
        issuedAt: core.now(),
        confidential: true,
        epochs: epochsOf(user),
        capabilities: claimsRequest.capabilities,
      }),
  );
};

/**
 * The assertion's claims once Entra would accept it. [guess] The order: the audience is checked before the signature: a
 * token meant for another API — Microsoft Graph's above all, whose signature only Graph can check (§5.6) —
 * is refused for what it is, 500131.
 */
async function verifiedAssertion(
  core: Core,
  assertion: string,
  middleTier: AppRecord,
  authority: Authority,
  nowMs: number,
): Promise<JWTPayload> {
  const { header, claims } = decoded(assertion);
  const audience = typeof claims.aud === "string" ? claims.aud : "";
  if (audience !== middleTier.clientId && audience !== middleTier.identifierUri) {
    fail("obo_assertion_audience", {
      audience,
      expected: middleTier.clientId, // [guess] one published answer names the App ID URI here instead
      clientId: middleTier.clientId,
      appName: middleTier.displayName,
    });
  }
  const key = typeof header.kid === "string" ? await core.keys.publishedKey(header.kid) : undefined;
  if (!key) fail("obo_assertion_key_not_found");
  try {
    await compactVerify(assertion, createPublicKey(key.privateKey), { algorithms: ["RS256"] });
  } catch {
    fail("obo_assertion_bad_signature", {
      thumbprint: Buffer.from(key.kid, "base64url").toString("hex").toUpperCase(),
      start: dotnetDate(key.notBefore),
      end: dotnetDate(key.notAfter),
    });
  }
  // No tolerance: a published answer refuses an assertion 38 ms past its `exp` (§3.5).
  if (typeof claims.exp !== "number" || claims.exp * 1000 <= nowMs) {
    fail("obo_assertion_expired", { now: dotnetIso(nowMs), expiry: dotnetIso((claims.exp ?? 0) * 1000) });
  }
  // The flow "only works for user principals" (§3.5); an app-only token names no user [guess: 50013].
  if (claims.idtyp === "app" || typeof claims.oid !== "string" || typeof claims.tid !== "string") {
    fail("obo_assertion_invalid", { why: "the assertion is not a user's access token" });
  }
  if (authority.kind === "tenant" && authority.tenant.id !== claims.tid) {
    fail("obo_assertion_invalid", { why: "the assertion was issued by another tenant" }); // [guess]
  }
  return claims;
}

function decoded(assertion: string) {
  try {
    return { header: decodeProtectedHeader(assertion), claims: decodeJwt(assertion) };
  } catch {
    return fail("obo_assertion_invalid", { why: "the assertion is not a JWT" });
  }
}

/** `MM/dd/yyyy HH:mm:ss` in UTC, as 50013 quotes a key's validity (§3.5). */
function dotnetDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/**
 * The user's sign-in as the assertion tells it. An access token carries no session id, so the new grant
 * gets its own; the sign-in time is the assertion's issue time.
 */
function authenticationOf(claims: JWTPayload): Authentication {
  return {
    oid: String(claims.oid),
    tid: String(claims.tid),
    sid: guid(),
    authTime: (claims.iat ?? 0) * 1000,
  };
}

/**
 * The requested scopes the middle tier holds consent for (§3.5), `.default` resolved to them. Nothing to
 * check when the API declares no scopes and the test set no consent: the emulator's default.
 */
function consentedScopes(core: Core, client: AuthenticatedClient, requested: ScopeRequest): ScopeRequest {
  const { resource } = requested;
  const exposed = resource.kind === "app" ? resource.app.scopes : [];
  const held =
    core.directory.consentedScopes(client.app.clientId, resourceId(resource)) ??
    (exposed.length > 0 ? exposed : undefined);
  if (held === undefined) return requested;
  const missing = () =>
    fail("consent_missing", { clientId: client.app.clientId, appName: client.app.displayName });
  const heldLower = new Set(held.map((s) => s.toLowerCase()));
  const names: string[] = [];
  for (const name of requested.names) {
    if (name === ".default") {
      if (held.length === 0) missing();
      names.push(...held);
    } else if (heldLower.has(name.toLowerCase())) names.push(name);
    else missing(); // [guess] also for a scope the API does not expose: no consent can exist for it
  }
  return { ...requested, names: [...new Set(names)] };
}

/** A Conditional Access policy requiring MFA for the downstream API: 50076 with its claims challenge (§3.5). */
function requireConditionalAccess(core: Core, requested: ScopeRequest, tenantDomain: string): void {
  const api = resourceId(requested.resource);
  const policy = core.directory.mfaPolicy(api);
  if (policy === undefined) return;
  const claims = JSON.stringify({ access_token: { capolids: { essential: true, values: [policy] } } });
  fail("mfa_required", { tenant: tenantDomain, resource: api }, { claims });
}
