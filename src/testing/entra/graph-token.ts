/**
 * App-only tokens for the emulator's Microsoft Graph (docs/reference/entra-id.md §11.7):
 * client credentials with `scope=https://graph.microsoft.com/.default`
 * give a Graph-format token (§5.6: `nonce` header, not verifiable by third
 * parties) whose `roles` are the application permissions granted with
 * `entra.grantGraphPermissions()`, `idtyp: "app"`.
 */

import { ordered, times } from "./claims.js";
import { type Core, issuerV1 } from "./core.js";
import type { AppRecord, TenantRecord } from "./directory.js";
import { randomBase64Url, tokenId } from "./ids.js";
import { GRAPH_URI } from "./scopes.js";
import { accessTokenSeconds, signGraphJwt } from "./tokens.js";

export async function graphAppTokenResponse(
  core: Core,
  tenant: TenantRecord,
  client: AppRecord,
): Promise<Record<string, unknown>> {
  const lifetime = accessTokenSeconds(core);
  const principal = core.directory.servicePrincipalId(client, tenant.id);
  const roles = core.graph.permissionsOf(client.clientId);
  const iss = issuerV1(core, tenant.id);
  // App-only Graph tokens say `aud: "https://graph.microsoft.com"` (the resource as requested, §5.3 v1 rule).
  const claims = ordered({ aud: GRAPH_URI, iss }, times(core.now(), lifetime), {
    aio: randomBase64Url(60),
    app_displayname: client.displayName,
    appid: client.clientId,
    appidacr: "1",
    idp: iss,
    idtyp: "app",
    oid: principal,
    rh: `0.A${randomBase64Url(40)}.`,
    roles: roles.length > 0 ? roles : undefined,
    sub: principal,
    tid: tenant.id,
    uti: tokenId(),
    ver: "1.0",
  });
  return {
    token_type: "Bearer",
    expires_in: lifetime - 1,
    ext_expires_in: lifetime - 1,
    access_token: await signGraphJwt(core, tenant.id, claims),
  };
}
