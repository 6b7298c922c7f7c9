/**
 * Certificate client assertions at the token endpoint (docs/reference/entra-id.md §9.2),
 * checked in the order that decides which AADSTS answer a client gets:
 *
 * 1. the header names a registered certificate — `x5t#S256` (SHA-256) or
 *    `x5t` (SHA-1) — else 700027 "key was not found";
 * 2. the signature verifies with that certificate's key (PS256 or RS256),
 *    else 700027 "failed signature validation";
 * 3. `exp`/`nbf` hold (500133), `aud` is the token endpoint (50012),
 *    `iss` = `sub` = the client id and `jti` is new (50013).
 */
import { compactVerify, decodeProtectedHeader, type ProtectedHeaderParameters } from "jose";
import type { RegisteredCertificate } from "./app-certificates.js";
import type { Core } from "./core.js";
import type { AppRecord } from "./directory.js";
import { fail } from "./errors.js";
import type { RequestContext } from "./http.js";
import { dotnetIso } from "./ids.js";

export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const ALGORITHMS = ["PS256", "RS256"];
/** [guess] Entra's tolerance on `nbf`/`exp`; §9.2 says it enforces no maximum lifetime. */
const SKEW_SECONDS = 300;

export async function verifyClientAssertion(
  core: Core,
  ctx: RequestContext,
  app: AppRecord,
  assertion: string,
): Promise<void> {
  const params = { clientId: app.clientId };
  if (ctx.form.get("client_assertion_type") !== JWT_BEARER) {
    fail("assertion_invalid", { why: `client_assertion_type must be ${JWT_BEARER}` });
  }
  const header = headerOf(assertion);
  if (typeof header.alg !== "string" || !ALGORITHMS.includes(header.alg)) {
    fail("assertion_invalid", { why: "the assertion must be signed with PS256 or RS256" });
  }
  const certificate = certificateNamed(app, header);
  if (!certificate) fail("assertion_key_not_found", { ...params, thumbprint: thumbprintOf(header) });
  const payload = await verifiedPayload(assertion, certificate, header.alg);
  checkTimes(core, payload);
  if (!audiences(core, ctx, app).includes(String(payload.aud))) fail("assertion_audience_invalid");
  if (payload.iss !== app.clientId || payload.sub !== app.clientId) {
    fail("assertion_invalid", { why: "iss and sub must both be the client id" });
  }
  const jti = payload.jti;
  if (typeof jti !== "string" || jti === "") fail("assertion_invalid", { why: "the assertion has no jti" });
  if (
    !core.store.firstUseOfAssertion(
      `${app.clientId}|${jti}`,
      (Number(payload.exp) + SKEW_SECONDS) * 1000,
      ctx.now,
    )
  ) {
    fail("assertion_invalid", { why: "the assertion's jti has been used before" });
  }
}

function headerOf(assertion: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(assertion);
  } catch {
    return fail("assertion_invalid", { why: "the client assertion is not a JWT" });
  }
}

/** Both header generations (§9.2): the current `x5t#S256`, and `x5t` still sent by many libraries. */
function certificateNamed(
  app: AppRecord,
  header: ProtectedHeaderParameters,
): RegisteredCertificate | undefined {
  const sha256 = header["x5t#S256"];
  const sha1 = header.x5t;
  return app.certificates.find(
    (c) =>
      (typeof sha256 === "string" && c.sha256 === sha256) || (typeof sha1 === "string" && c.sha1 === sha1),
  );
}

/** Entra quotes the thumbprint as hex (the portal's form). */
function thumbprintOf(header: ProtectedHeaderParameters): string {
  const named = header["x5t#S256"] ?? header.x5t;
  return typeof named === "string" ? Buffer.from(named, "base64url").toString("hex").toUpperCase() : "";
}

async function verifiedPayload(
  assertion: string,
  certificate: RegisteredCertificate,
  alg: string,
): Promise<Record<string, unknown>> {
  let bytes: Uint8Array;
  try {
    bytes = (await compactVerify(assertion, certificate.publicKey, { algorithms: [alg] })).payload;
  } catch {
    return fail("assertion_signature_invalid");
  }
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  return fail("assertion_invalid", { why: "the assertion's payload is not a JSON object" });
}

function checkTimes(core: Core, payload: Record<string, unknown>): void {
  const { exp, nbf } = payload;
  if (typeof exp !== "number") fail("assertion_invalid", { why: "the assertion has no exp" });
  const now = core.now() / 1000;
  const early = typeof nbf === "number" && nbf > now + SKEW_SECONDS;
  if (exp + SKEW_SECONDS < now || early) {
    fail("assertion_expired", { now: dotnetIso(core.now()), expiry: dotnetIso(exp * 1000) });
  }
}

/**
 * `aud` = the token endpoint the client called (§9.2), or — older guidance —
 * the tenant's v2 token endpoint, `{tenant}/v2.0` or the v1 `/oauth2/token`.
 */
function audiences(core: Core, ctx: RequestContext, app: AppRecord): string[] {
  const base = core.config.url;
  const tenant = /^\/([^/]+)\//.exec(ctx.url.pathname)?.[1];
  const tenants = [app.homeTenantId, ...(tenant ? [tenant] : [])];
  return [
    `${base}${ctx.url.pathname}`,
    ...tenants.flatMap((t) => [
      `${base}/${t}/oauth2/v2.0/token`,
      `${base}/${t}/v2.0`,
      `${base}/${t}/oauth2/token`,
    ]),
  ];
}
