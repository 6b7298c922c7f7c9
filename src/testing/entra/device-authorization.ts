/**
 * `POST /{tenant}/oauth2/v2.0/devicecode` (docs/reference/entra-id.md §4.1): integer
 * `expires_in` (900) and `interval` (5), `verification_uri` pointing at the
 * emulator's stand-in for https://microsoft.com/devicelogin, and no
 * `verification_uri_complete` — Entra does not return one. The v1
 * `/oauth2/devicecode` takes `resource=` and answers `verification_url` (no
 * "i") with STRING `expires_in`/`interval` (§4.1); that it keeps
 * `user_code`, `device_code` and the same `message` is [guess].
 */
import { TENANT_STATE } from "./aadsts.js";
import { findClient } from "./client-auth.js";
import type { Core } from "./core.js";
import type { Authority } from "./directory.js";
import { EntraProblem, fail, problemJson } from "./errors.js";
import { clientTenantOf } from "./grant-support.js";
import { json, type Reply, type RequestContext, tokenHeaders } from "./http.js";
import { type Protocol, requestedScopes, resourceParameter } from "./protocol.js";
import { authorityLabel } from "./sign-in.js";
import { requireResourceIn } from "./tokens.js";

const DEVICE_CODE_SECONDS = 900;
const INTERVAL_SECONDS = 5;

export function deviceAuthorizationReply(
  core: Core,
  ctx: RequestContext,
  authority: Authority,
  protocol: Protocol = 2,
): Reply {
  try {
    if (ctx.method !== "POST") fail("method_not_allowed", { method: ctx.method });
    if (authority.kind === "tenant") {
      const refusal = TENANT_STATE[authority.tenant.state];
      if (refusal) fail(refusal, { tenant: authority.segment });
    }
    const client = findClient(
      core,
      ctx.form.get("client_id") ?? undefined,
      clientTenantOf(authority),
      authorityLabel(authority),
    );
    if ((authority.kind === "common" || authority.kind === "organizations") && !client.multiTenant) {
      fail("not_multi_tenant", { clientId: client.clientId, appName: client.displayName });
    }
    const scopes = requestedScopes((name) => ctx.form.get(name) ?? undefined, core.directory, protocol);
    if (!scopes) fail("missing_parameter", { name: resourceParameter(protocol) });
    if (authority.kind === "tenant") requireResourceIn(core, scopes.resource, authority.tenant);
    const flow = core.store.startDeviceFlow({
      authority,
      client,
      scopes,
      expiresAt: ctx.now + DEVICE_CODE_SECONDS * 1000,
      correlationId: ctx.correlationId,
    });
    const verificationUri = `${core.config.url}/devicelogin`;
    const message = `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${flow.userCode} to authenticate.`;
    const body =
      protocol === 1
        ? {
            user_code: flow.userCode,
            device_code: flow.deviceCode,
            verification_url: verificationUri,
            expires_in: String(DEVICE_CODE_SECONDS),
            interval: String(INTERVAL_SECONDS),
            message,
          }
        : {
            user_code: flow.userCode,
            device_code: flow.deviceCode,
            verification_uri: verificationUri,
            expires_in: DEVICE_CODE_SECONDS,
            interval: INTERVAL_SECONDS,
            message,
          };
    return json(200, body, tokenHeaders(ctx));
  } catch (problem) {
    if (!(problem instanceof EntraProblem)) throw problem;
    return problemJson(core.config, ctx, problem, { protocol });
  }
}
