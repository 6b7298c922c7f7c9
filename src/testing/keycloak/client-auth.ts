/**
 * Client authentication at the token and device endpoints (docs/reference/keycloak.md §4.3):
 * `client_secret_post` or `client_secret_basic`. Note Keycloak's odd pairing:
 * an unknown or disabled client is `invalid_client`, a wrong or missing
 * secret `unauthorized_client` — both 401, same description.
 */
import { timingSafeEqual } from "node:crypto";
import { fail, headerValue, type RequestContext } from "./http.js";
import type { ClientRecord, RealmRecord } from "./model.js";

const BAD_CLIENT = "Invalid client or Invalid client credentials";

function basicCredentials(ctx: RequestContext): { id: string; secret: string } | undefined {
  const header = headerValue(ctx.headers, "authorization");
  if (!header?.toLowerCase().startsWith("basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function authenticateClient(realm: RealmRecord, ctx: RequestContext): ClientRecord {
  const basic = basicCredentials(ctx);
  const clientId = basic?.id ?? ctx.form.get("client_id") ?? undefined;
  // [guess] status 400 (docs/reference/keycloak.md §4.3 says 400/401).
  if (!clientId) fail(400, "invalid_client", "Missing client_id parameter");
  const client = realm.clients.get(clientId);
  if (!client?.enabled) fail(401, "invalid_client", BAD_CLIENT);
  if (client.publicClient) return client;
  const secret = basic?.secret ?? ctx.form.get("client_secret") ?? undefined;
  if (secret === undefined || client.secret === undefined || !sameSecret(secret, client.secret)) {
    fail(401, "unauthorized_client", BAD_CLIENT);
  }
  return client;
}
