/**
 * `POST /{tenant}/oauth2/v2.0/token` and the v1 `/{tenant}/oauth2/token`
 * (docs/reference/entra-id.md §3, §1.3, §3.5 on-behalf-of): dispatch by `grant_type` and the one place where
 * refusals become the §6.1 JSON body with the token endpoint's headers
 * (§1.7) — with the v1 top-level `error` strings on v1 (§6.5).
 */
import { TENANT_STATE } from "./aadsts.js";
import type { Core } from "./core.js";
import type { Authority } from "./directory.js";
import { EntraProblem, fail, problemJson } from "./errors.js";
import { authorizationCodeGrant } from "./grant-authorization-code.js";
import { clientCredentialsGrant } from "./grant-client-credentials.js";
import { DEVICE_CODE_GRANT, deviceCodeGrant } from "./grant-device-code.js";
import { JWT_BEARER_GRANT, onBehalfOfGrant } from "./grant-on-behalf-of.js";
import { refreshTokenGrant } from "./grant-refresh-token.js";
import type { Grant, Telemetry } from "./grant-support.js";
import { json, type Reply, type RequestContext, tokenHeaders } from "./http.js";
import type { Protocol } from "./protocol.js";

const GRANTS: Readonly<Record<string, Grant>> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
  [DEVICE_CODE_GRANT]: deviceCodeGrant,
  // On-behalf-of is Entra's one user-token exchange; RFC 8693 token exchange falls to 70003 (§3.5).
  [JWT_BEARER_GRANT]: onBehalfOfGrant,
};

export async function tokenReply(
  core: Core,
  ctx: RequestContext,
  authority: Authority,
  protocol: Protocol = 2,
): Promise<Reply> {
  const telemetry: Telemetry = {};
  try {
    if (ctx.method !== "POST") fail("method_not_allowed", { method: ctx.method });
    if (authority.kind === "tenant") {
      const refusal = TENANT_STATE[authority.tenant.state];
      if (refusal) fail(refusal, { tenant: authority.segment });
    }
    const grantType = ctx.form.get("grant_type");
    if (!grantType) fail("missing_parameter", { name: "grant_type" });
    const grant = GRANTS[grantType];
    if (!grant) fail("unsupported_grant_type", { grantType });
    const body = await grant(core, ctx, authority, telemetry, protocol);
    return json(200, body, tokenHeaders(ctx, 0, telemetry.refreshTokenAgeMs));
  } catch (problem) {
    if (!(problem instanceof EntraProblem)) throw problem;
    const options =
      telemetry.refreshTokenAgeMs === undefined
        ? { protocol }
        : { protocol, refreshTokenAgeMs: telemetry.refreshTokenAgeMs };
    return problemJson(core.config, ctx, problem, options);
  }
}
