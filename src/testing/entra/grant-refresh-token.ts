/**
 * `grant_type=refresh_token` (docs/reference/entra-id.md §3.1, §3.2, §7). Every use returns a
 * NEW refresh token and the old one keeps working — Entra does not revoke it
 * (§3.2). A refresh token dies of inactivity after 90 days (700082), of
 * revocation (50173: admin/user revoked sessions, or a password change that
 * the §7 matrix applies to its client class), of Conditional Access sign-in
 * frequency (70043), or of the account's state (50057, 50034, 50076, 53003).
 * Lockout and an expired password do not stop it ("Password expires: alive").
 */
import { parseClaimsRequest, withCapabilities } from "./claims-request.js";
import { authenticateClient } from "./client-auth.js";
import type { Core } from "./core.js";
import type { UserRecord } from "./directory.js";
import { fail } from "./errors.js";
import { clientTenantOf, type Grant, userForToken, wantsClientInfo } from "./grant-support.js";
import { dotnetIso, dotnetTimeSpan } from "./ids.js";
import { requestedScopes } from "./protocol.js";
import type { ScopeRequest } from "./scopes.js";
import { authorityLabel } from "./sign-in.js";
import type { RefreshGrant } from "./store.js";
import { epochsOf, userTokenResponse } from "./tokens.js";

const INACTIVITY_MS = 90 * 86_400_000; // §3.4

export const refreshTokenGrant: Grant = async (core, ctx, authority, telemetry, protocol) => {
  const client = await authenticateClient(core, ctx, clientTenantOf(authority), authorityLabel(authority));
  const token = ctx.form.get("refresh_token");
  if (!token) fail("missing_parameter", { name: "refresh_token" });
  const grant = core.store.refreshToken(token);
  if (!grant) fail("grant_malformed");
  telemetry.refreshTokenAgeMs = ctx.now - grant.issuedAt;
  if (grant.clientId !== client.app.clientId) fail("grant_other_client");
  if (authority.kind === "tenant" && authority.tenant.id !== grant.auth.tid) fail("grant_other_client");
  checkLifetime(core, grant, ctx.now);
  // RTs are not bound to a resource: `scope` (v1: `resource`) may name another one (§3.1).
  const requested = requestedScopes((name) => ctx.form.get(name) ?? undefined, core.directory, protocol);
  const scopes = requested ? withOfflineAccess(requested, grant.scopes) : grant.scopes;
  // The token request may carry `claims` too (§3.1, §8.3: the silent answer to a challenge).
  const asked = parseClaimsRequest(ctx.form.get("claims") ?? undefined);
  if (!asked) fail("invalid_request");
  const claimsRequest = withCapabilities(asked, grant.capabilities ?? []);
  const { user, tenant } = userForToken(core, grant.auth, scopes.resource);
  return userTokenResponse(
    core,
    {
      tenant,
      user,
      client: client.app,
      scopes,
      auth: grant.auth,
      nonce: undefined,
      clientAuth: client.clientAuth,
      ipaddr: ctx.remoteAddress,
      clientInfo: wantsClientInfo(ctx),
      claimsRequest,
      protocol,
    },
    () =>
      core.store.issueRefreshToken({
        ...grant,
        scopes,
        issuedAt: core.now(),
        epochs: epochsOf(user),
        capabilities: claimsRequest.capabilities,
      }),
  );
};

function withOfflineAccess(requested: ScopeRequest, original: ScopeRequest): ScopeRequest {
  return { ...requested, offlineAccess: requested.offlineAccess || original.offlineAccess };
}

function checkLifetime(core: Core, grant: RefreshGrant, now: number): void {
  const inactive = now - grant.issuedAt;
  if (inactive > INACTIVITY_MS) {
    fail("refresh_token_inactive", {
      issuedOn: dotnetIso(grant.issuedAt),
      inactiveFor: dotnetTimeSpan(inactive),
    });
  }
  const user = core.directory.user(grant.auth.oid);
  if (user) checkRevocation(grant, user);
  const frequency = core.directory.tenant(grant.auth.tid)?.signInFrequencySeconds;
  if (frequency !== undefined && now - grant.auth.authTime > frequency * 1000) {
    fail("sign_in_frequency", { issuedOn: dotnetIso(grant.auth.authTime), maxAge: String(frequency) });
  }
}

/** §7: `TokensValidFrom` for everyone; password changes also for public (password-based token) clients. */
function checkRevocation(grant: RefreshGrant, user: UserRecord): void {
  const revokedAll = grant.epochs.all < user.revocation.epoch;
  const revokedPublic = !grant.confidential && grant.epochs.public < user.publicRevocation.epoch;
  if (!revokedAll && !revokedPublic) return;
  const validFrom = revokedAll ? user.revocation.at : user.publicRevocation.at;
  fail("grant_revoked", { issuedOn: dotnetIso(grant.issuedAt), validFrom: dotnetIso(validFrom) });
}
