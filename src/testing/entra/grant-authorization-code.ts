/**
 * `grant_type=authorization_code` (docs/reference/entra-id.md §3.1): codes are single use
 * (54005) and live ~10 minutes (70008, §3.4); they must be redeemed against
 * the tenant they were issued for (700005), with the same redirect URI and
 * — when the authorize request carried a challenge — the PKCE verifier
 * (S256 or plain). At the v1 endpoint a `resource` sent with the code
 * names the API the token is for (§1.3); without it, the API named at the
 * authorize endpoint [guess: docs/reference/entra-id.md does not say whether v1 redemption
 * may switch resource; a v1 refresh token may (§3.1)].
 */
import { createHash } from "node:crypto";
import { authenticateClient } from "./client-auth.js";
import type { Core } from "./core.js";
import type { Authority } from "./directory.js";
import { fail } from "./errors.js";
import { clientTenantOf, type Grant, userForToken, wantsClientInfo } from "./grant-support.js";
import type { RequestContext } from "./http.js";
import { type Protocol, requestedScopes } from "./protocol.js";
import { authorityLabel } from "./sign-in.js";
import type { AuthorizationCode, SignInRequest } from "./store.js";
import { epochsOf, userTokenResponse } from "./tokens.js";

const CODE_LIFETIME_MS = 10 * 60_000;

export const authorizationCodeGrant: Grant = async (core, ctx, authority, _telemetry, protocol) => {
  const client = await authenticateClient(core, ctx, clientTenantOf(authority), authorityLabel(authority));
  const code = ctx.form.get("code");
  if (!code) fail("missing_parameter", { name: "code" });
  const entry = core.store.code(code);
  if (!entry) fail("grant_malformed");
  if (entry.request.client.clientId !== client.app.clientId) fail("grant_other_client");
  if (entry.redeemed) fail("code_redeemed");
  if (ctx.now - entry.issuedAt > CODE_LIFETIME_MS) fail("code_expired");
  if (!redeemableAt(entry, authority)) fail("code_wrong_tenant");
  const redirectUri = ctx.form.get("redirect_uri");
  if (!redirectUri) fail("missing_parameter", { name: "redirect_uri" });
  if (redirectUri !== entry.request.redirectUri) {
    fail("code_redirect_mismatch", { redirectUri, expected: entry.request.redirectUri });
  }
  verifyPkce(entry.request.codeChallenge, ctx.form.get("code_verifier") ?? undefined);
  const scopes = redeemedScopes(core, ctx, entry, protocol);
  const { user, tenant } = userForToken(core, entry.auth, scopes.resource);
  entry.redeemed = true;
  const confidential = client.clientAuth !== "0";
  return userTokenResponse(
    core,
    {
      tenant,
      user,
      client: client.app,
      scopes,
      auth: entry.auth,
      nonce: entry.request.nonce,
      clientAuth: client.clientAuth,
      ipaddr: ctx.remoteAddress,
      clientInfo: wantsClientInfo(ctx),
      claimsRequest: entry.request.claimsRequest,
      protocol,
    },
    () =>
      core.store.issueRefreshToken({
        clientId: client.app.clientId,
        auth: entry.auth,
        scopes,
        issuedAt: core.now(),
        confidential,
        epochs: epochsOf(user),
        capabilities: entry.request.claimsRequest.capabilities,
      }),
  );
};

/** v1: a `resource` sent with the code replaces the authorize-time API (see the header). */
function redeemedScopes(core: Core, ctx: RequestContext, entry: AuthorizationCode, protocol: Protocol) {
  if (protocol === 2) return entry.request.scopes;
  const asked = requestedScopes((name) => ctx.form.get(name) ?? undefined, core.directory, 1);
  return asked
    ? { ...entry.request.scopes, resource: asked.resource, names: asked.names }
    : entry.request.scopes;
}

/** "/common or /{tenant-ID} as appropriate" (700005): a tenant's code stays in that tenant. */
function redeemableAt(entry: AuthorizationCode, authority: Authority): boolean {
  const issued = entry.request.authority;
  if (issued.kind === "tenant")
    return authority.kind === "tenant" && authority.tenant.id === issued.tenant.id;
  return authority.kind !== "tenant" || authority.tenant.id === entry.auth.tid;
}

/** A verifier sent without a challenge is ignored [guess: docs/reference/entra-id.md is silent]. */
function verifyPkce(challenge: SignInRequest["codeChallenge"], verifier: string | undefined): void {
  if (!challenge) return;
  if (!verifier) fail("pkce_verifier_missing");
  const computed =
    challenge.method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
  if (computed !== challenge.value) fail("pkce_mismatch");
}
