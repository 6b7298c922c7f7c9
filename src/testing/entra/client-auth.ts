/**
 * Client authentication at the token endpoint (docs/reference/entra-id.md §3.1, §9.1, §9.2, §6.4):
 * `client_secret` in the form or HTTP Basic, or a certificate's
 * `client_assertion` (see client-assertion.ts); public clients send nothing.
 * Failures are 700016/7000112 (`unauthorized_client`, 400) for the app
 * itself and 7000215/7000222/7000218/700025 (`invalid_client`, 401) for its
 * credentials.
 */
import { timingSafeEqual } from "node:crypto";
import { APP_STATE } from "./aadsts.js";
import type { ClientAuthLevel } from "./claims.js";
import { verifyClientAssertion } from "./client-assertion.js";
import type { Core } from "./core.js";
import type { AppRecord } from "./directory.js";
import { fail } from "./errors.js";
import { headerValue, type RequestContext } from "./http.js";

export interface AuthenticatedClient {
  readonly app: AppRecord;
  /** `azpacr`/`appidacr` of its tokens: "0" public, "1" secret, "2" certificate (§5.3, §9.2). */
  readonly clientAuth: ClientAuthLevel;
}

interface Presented {
  readonly clientId: string | undefined;
  readonly secret: string | undefined;
  readonly assertion: string | undefined;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function presented(ctx: RequestContext): Presented {
  const basic = /^Basic\s+(.+)$/i.exec(headerValue(ctx.headers, "authorization") ?? "")?.[1];
  let basicId: string | undefined;
  let basicSecret: string | undefined;
  if (basic) {
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    basicId = formDecode(colon >= 0 ? decoded.slice(0, colon) : decoded);
    basicSecret = colon >= 0 ? formDecode(decoded.slice(colon + 1)) : undefined;
  }
  // An empty parameter counts as absent.
  return {
    clientId: ctx.form.get("client_id") || basicId || undefined,
    secret: basicSecret || ctx.form.get("client_secret") || undefined,
    assertion: ctx.form.get("client_assertion") || undefined,
  };
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The calling app, as registered in `tenantId` (its home tenant, or any
 * tenant when multi-tenant); `undefined` looks the app up anywhere (common).
 */
export function findClient(
  core: Core,
  clientId: string | undefined,
  tenantId: string | undefined,
  tenantLabel: string,
): AppRecord {
  if (!clientId) fail("missing_parameter", { name: "client_id" });
  const app =
    tenantId === undefined ? core.directory.app(clientId) : core.directory.appIn(clientId, tenantId);
  const refusal = app ? APP_STATE[app.state] : "app_not_found";
  if (!app || refusal)
    fail(refusal ?? "app_not_found", { clientId, tenant: tenantLabel, appName: app?.displayName ?? "" });
  return app;
}

export async function authenticateClient(
  core: Core,
  ctx: RequestContext,
  tenantId: string | undefined,
  tenantLabel: string,
): Promise<AuthenticatedClient> {
  const credentials = presented(ctx);
  const app = findClient(core, credentials.clientId, tenantId, tenantLabel);
  const params = { clientId: app.clientId };
  const sentSomething = credentials.secret !== undefined || credentials.assertion !== undefined;
  if (app.publicClient && !sentSomething) return { app, clientAuth: "0" };
  if (app.publicClient && !app.secret && app.certificates.length === 0)
    fail("public_client_with_secret", params);
  if (credentials.assertion !== undefined) {
    await verifyClientAssertion(core, ctx, app, credentials.assertion);
    return { app, clientAuth: "2" };
  }
  if (credentials.secret === undefined) fail("secret_missing", params);
  if (!app.secret || !sameSecret(credentials.secret, app.secret)) fail("secret_invalid", params);
  if (app.state === "secret_expired") fail("secret_expired", params);
  return { app, clientAuth: "1" };
}
