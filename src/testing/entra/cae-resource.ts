/**
 * `GET /cae/resource`: a demo CAE-enabled API (docs/reference/entra-id.md §8), standing in for
 * Graph or Exchange. It accepts any unexpired access token the emulator
 * signed (Bearer, RFC 6750), and evaluates it continuously: a token from a
 * client that handles challenges (`xms_cc: ["cp1"]`, §8.2) is refused with
 * the §8.3 claims challenge when its user's sessions were revoked after the
 * token's `nbf`, or the account is disabled or deleted since. Tokens without
 * `cp1` live out their hour, as CAE promises nothing for them.
 */
import { createLocalJWKSet, type JWTPayload, jwtVerify } from "jose";
import type { Core } from "./core.js";
import { headerValue, json, type Reply, type RequestContext } from "./http.js";
import type { SigningKey } from "./keys.js";

export const CAE_RESOURCE_PATH = "/cae/resource";

export async function caeResourceReply(core: Core, ctx: RequestContext): Promise<Reply> {
  const token = /^Bearer\s+(\S+)$/i.exec(headerValue(ctx.headers, "authorization") ?? "")?.[1];
  // RFC 6750 §3.1: no credentials, no error code.
  if (!token) return unauthorized('Bearer realm=""', { error: "unauthorized" });
  const claims = await verified(core, token);
  if (!claims) {
    return unauthorized(
      'Bearer realm="", error="invalid_token", error_description="The access token is invalid"',
      {
        error: "invalid_token",
      },
    );
  }
  const revokedAt = revocationAfter(core, claims);
  if (revokedAt !== undefined) {
    return unauthorized(challenge(core, String(claims.aud ?? ""), revokedAt), {
      error: "insufficient_claims",
    });
  }
  return json(200, { oid: claims.oid, tid: claims.tid, caeEvaluated: caeCapable(claims) }, resourceHeaders());
}

async function verified(core: Core, token: string): Promise<JWTPayload | undefined> {
  const published = [...(await core.keys.workKeys()), await core.keys.msaKey()];
  const keys = createLocalJWKSet({ keys: published.map(publicJwk) });
  try {
    return (await jwtVerify(token, keys, { currentDate: new Date(core.now()), algorithms: ["RS256"] }))
      .payload;
  } catch {
    return undefined;
  }
}

function publicJwk(key: SigningKey) {
  return { kty: "RSA", kid: key.kid, n: key.n, e: key.e, alg: "RS256", use: "sig" };
}

function caeCapable(claims: JWTPayload): boolean {
  const xmsCc = claims.xms_cc;
  return Array.isArray(xmsCc) && xmsCc.some((c) => typeof c === "string" && c.toLowerCase() === "cp1");
}

/** The critical event (§8.1) this token predates, as epoch seconds; undefined when the token stands. */
function revocationAfter(core: Core, claims: JWTPayload): number | undefined {
  if (!caeCapable(claims) || typeof claims.oid !== "string") return undefined;
  const user = core.directory.user(claims.oid);
  if (!user || user.state === "disabled" || user.state === "deleted") return Math.floor(core.now() / 1000);
  // Revoked sessions and password changes or resets are critical events (§8.1), whichever came last.
  const events = [user.revocation, user.publicRevocation].filter((r) => r.epoch > 0).map((r) => r.at);
  if (events.length === 0) return undefined;
  const revoked = Math.floor(Math.max(...events) / 1000);
  const nbf = typeof claims.nbf === "number" ? claims.nbf : 0;
  return nbf < revoked ? revoked : undefined;
}

/** §8.3: realm "" and the common authorize URI; `claims` is padded standard base64 of the request. */
function challenge(core: Core, resource: string, nbf: number): string {
  const request = JSON.stringify({ access_token: { nbf: { essential: true, value: String(nbf) } } });
  const claims = Buffer.from(request, "utf8").toString("base64");
  return [
    'Bearer realm=""',
    `authorization_uri="${core.config.url}/common/oauth2/authorize"`,
    `client_id="${resource.replace(/["\\]/g, "")}"`,
    'error="insufficient_claims"',
    `claims="${claims}"`,
  ].join(", ");
}

function unauthorized(wwwAuthenticate: string, body: Record<string, unknown>): Reply {
  return json(401, body, { ...resourceHeaders(), "WWW-Authenticate": wwwAuthenticate });
}

function resourceHeaders(): Record<string, string> {
  return { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" };
}
