/**
 * `grant_type=urn:ietf:params:oauth:grant-type:device_code` polling
 * (docs/reference/entra-id.md §4.2): 400s with `authorization_pending` (70016) until the person
 * acts on the device page, then tokens once; `authorization_declined`,
 * `expired_token` (70020) after 900 s, `bad_verification_code` for an unknown
 * code. The flow's correlation id is kept across polls, the trace id is not.
 * No `slow_down`: Microsoft does not list it.
 */
import { authenticateClient } from "./client-auth.js";
import { fail } from "./errors.js";
import { clientTenantOf, type Grant, userForToken, wantsClientInfo } from "./grant-support.js";
import { authorityLabel } from "./sign-in.js";
import { epochsOf, userTokenResponse } from "./tokens.js";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

export const deviceCodeGrant: Grant = async (core, ctx, authority, _telemetry, protocol) => {
  const client = await authenticateClient(core, ctx, clientTenantOf(authority), authorityLabel(authority));
  const code = ctx.form.get("device_code");
  if (!code) fail("missing_parameter", { name: "device_code" });
  const flow = core.store.deviceFlowByCode(code);
  if (!flow || flow.client.clientId !== client.app.clientId || flow.status === "redeemed") {
    fail("device_code_unknown");
  }
  if (!ctx.clientSentCorrelationId) ctx.correlationId = flow.correlationId;
  if (ctx.now >= flow.expiresAt) fail("device_expired");
  if (flow.status === "pending") fail("device_pending");
  if (flow.status === "declined") fail("device_declined");
  if (flow.failure) throw flow.failure;
  const auth = flow.auth;
  if (!auth) fail("device_code_unknown");
  const { user, tenant } = userForToken(core, auth, flow.scopes.resource);
  flow.status = "redeemed";
  return userTokenResponse(
    core,
    {
      tenant,
      user,
      client: client.app,
      scopes: flow.scopes,
      auth,
      nonce: undefined,
      clientAuth: client.clientAuth,
      ipaddr: ctx.remoteAddress,
      clientInfo: wantsClientInfo(ctx),
      protocol,
    },
    () =>
      core.store.issueRefreshToken({
        clientId: client.app.clientId,
        auth,
        scopes: flow.scopes,
        issuedAt: core.now(),
        confidential: client.clientAuth !== "0",
        epochs: epochsOf(user),
      }),
  );
};
